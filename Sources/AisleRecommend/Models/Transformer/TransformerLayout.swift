import AisleCore

/// The sizes of a `SequentialModel`'s network and where each weight lives in its one flat
/// parameter vector. One vector keeps the optimiser, the gradient check and the saved file simple:
/// every weight is a range of it.
struct TransformerLayout: Sendable, Equatable {
    /// Offsets of one block's weights (pre-LayerNorm self-attention, then a feed-forward layer).
    struct Block: Sendable, Equatable {
        let attentionNormGain: Int
        let attentionNormBias: Int
        /// `dimension × 3·dimension`: queries, keys and values side by side.
        let queryKeyValue: Int
        let queryKeyValueBias: Int
        /// `dimension × dimension`.
        let attentionOut: Int
        let attentionOutBias: Int
        let feedForwardNormGain: Int
        let feedForwardNormBias: Int
        /// `dimension × hidden`.
        let up: Int
        let upBias: Int
        /// `hidden × dimension`.
        let down: Int
        let downBias: Int
    }

    /// Catalog items (rows of the item embedding, which also scores them: tied weights).
    let items: Int
    /// Width of every token vector.
    let dimension: Int
    /// Attention heads per block; `dimension` is a multiple of it.
    let heads: Int
    /// Width of the feed-forward layer.
    let hidden: Int
    /// Most recent items read; one learned position vector each.
    let maxLength: Int
    /// Offsets per block.
    let blocks: [Block]
    /// `items × dimension`.
    let itemEmbedding: Int
    /// One output bias per item (how likely it is next regardless of the sequence).
    let itemBias: Int
    /// `maxLength × dimension`; position 0 is the newest item.
    let position: Int
    let finalNormGain: Int
    let finalNormBias: Int
    /// Distinct item attribute values fused into item vectors (`ItemContent`); 0 without.
    let attributes: Int
    /// Width of the item text vectors fused into item vectors; 0 without.
    let textWidth: Int
    /// `attributes × dimension`, then one bias each: an item's vector and bias add the mean of its
    /// attributes'. After the network's own weights, so a layout without content is a prefix.
    let attributeEmbedding: Int
    let attributeBias: Int
    /// `textWidth × dimension`, then `textWidth` weights: an item's vector adds its text vector
    /// times the projection, its bias the text vector's dot product with the weights.
    let textProjection: Int
    let textBias: Int
    /// Total floats.
    let count: Int
    /// Ranges that weight decay applies to (embeddings and matrices; not norms or biases).
    let decayed: [Range<Int>]

    init(
        items: Int,
        dimension: Int,
        heads: Int,
        hidden: Int,
        blocks: Int,
        maxLength: Int,
        attributes: Int = 0,
        textWidth: Int = 0
    ) {
        precondition(items > 0 && dimension > 0 && heads > 0 && hidden > 0 && blocks > 0 && maxLength > 0)
        precondition(attributes >= 0 && textWidth >= 0)
        precondition(dimension % heads == 0, "dimension \(dimension) is not a multiple of \(heads) heads")
        self.items = items
        self.dimension = dimension
        self.heads = heads
        self.hidden = hidden
        self.maxLength = maxLength
        var next = 0
        var decayed: [Range<Int>] = []
        func take(_ size: Int, decay: Bool = false) -> Int {
            defer { next += size }
            if decay { decayed.append(next..<(next + size)) }
            return next
        }
        itemEmbedding = take(items * dimension, decay: true)
        itemBias = take(items)
        position = take(maxLength * dimension, decay: true)
        var layers: [Block] = []
        for _ in 0..<blocks {
            layers.append(
                Block(
                    attentionNormGain: take(dimension),
                    attentionNormBias: take(dimension),
                    queryKeyValue: take(dimension * 3 * dimension, decay: true),
                    queryKeyValueBias: take(3 * dimension),
                    attentionOut: take(dimension * dimension, decay: true),
                    attentionOutBias: take(dimension),
                    feedForwardNormGain: take(dimension),
                    feedForwardNormBias: take(dimension),
                    up: take(dimension * hidden, decay: true),
                    upBias: take(hidden),
                    down: take(hidden * dimension, decay: true),
                    downBias: take(dimension)
                )
            )
        }
        self.blocks = layers
        finalNormGain = take(dimension)
        finalNormBias = take(dimension)
        self.attributes = attributes
        self.textWidth = textWidth
        attributeEmbedding = take(attributes * dimension, decay: true)
        attributeBias = take(attributes)
        textProjection = take(textWidth * dimension, decay: true)
        textBias = take(textWidth)
        count = next
        self.decayed = decayed
    }

    /// Whether item content is fused into the item vectors.
    var fusesContent: Bool { attributes > 0 || textWidth > 0 }

    /// The same network without content: the layout of the weights once content is folded into
    /// the item vectors (`TransformerNetwork.folded`), a prefix of this one.
    var withoutContent: TransformerLayout {
        TransformerLayout(
            items: items,
            dimension: dimension,
            heads: heads,
            hidden: hidden,
            blocks: blocks.count,
            maxLength: maxLength
        )
    }

    /// Width of one head.
    var headWidth: Int { dimension / heads }

    /// Fresh weights: embeddings N(0, 0.02²)-like, matrices Xavier-uniform, norm gains 1, biases 0.
    /// The same seed gives the same weights on every machine.
    func initialWeights(seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        var weights = [Float](repeating: 0, count: count)
        func uniform(_ start: Int, _ size: Int, limit: Float) {
            for index in start..<(start + size) { weights[index] = (random.nextUnit() * 2 - 1) * limit }
        }
        // Uniform with the standard deviation of N(0, 0.02²).
        let embeddingLimit = Float(0.02) * Float(3).squareRoot()
        uniform(itemEmbedding, items * dimension, limit: embeddingLimit)
        uniform(position, maxLength * dimension, limit: embeddingLimit)
        // Content parts start at the id embedding's scale (text vectors have unit length).
        uniform(attributeEmbedding, attributes * dimension, limit: embeddingLimit)
        uniform(textProjection, textWidth * dimension, limit: embeddingLimit)
        func xavier(_ start: Int, rows: Int, columns: Int) {
            uniform(start, rows * columns, limit: (6 / Float(rows + columns)).squareRoot())
        }
        for block in blocks {
            weights[block.attentionNormGain..<(block.attentionNormGain + dimension)] = .init(
                repeating: 1,
                count: dimension
            )
            weights[block.feedForwardNormGain..<(block.feedForwardNormGain + dimension)] = .init(
                repeating: 1,
                count: dimension
            )
            for part in 0..<3 {
                // Each of queries, keys and values is its own d × d matrix for Xavier's bound.
                let limit = (6 / Float(2 * dimension)).squareRoot()
                for row in 0..<dimension {
                    for column in 0..<dimension {
                        weights[block.queryKeyValue + row * 3 * dimension + part * dimension + column] =
                            (random.nextUnit() * 2 - 1) * limit
                    }
                }
            }
            xavier(block.attentionOut, rows: dimension, columns: dimension)
            xavier(block.up, rows: dimension, columns: hidden)
            xavier(block.down, rows: hidden, columns: dimension)
        }
        weights[finalNormGain..<(finalNormGain + dimension)] = .init(repeating: 1, count: dimension)
        return weights
    }
}
