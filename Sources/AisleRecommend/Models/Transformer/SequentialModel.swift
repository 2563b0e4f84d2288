import AisleCore
public import AisleMath
import Foundation

/// A Transformer that reads a shopper's recent items in order and scores what comes next
/// (SASRec's causal self-attention, Kang and McAuley 2018, trained with a softmax over items, the
/// loss that matters most: Klenitskiy and Vasilev 2023). Trained natively on BLAS
/// (`SequentialTrainer`); the weights are one flat vector (`TransformerLayout`).
///
/// Serving encodes the shopper's last `maxLength` items at request time, so the last click changes
/// the next answer without retraining.
public struct SequentialModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// Width of item, position and hidden vectors.
        public var dimension: Int
        /// Self-attention blocks.
        public var blocks: Int
        /// Attention heads per block (`dimension` must be a multiple).
        public var heads: Int
        /// Width of each block's feed-forward layer.
        public var hidden: Int
        /// Most recent items read.
        public var maxLength: Int
        /// Dropout rate on the input and each block's branches while training.
        public var dropout: Float
        /// Adam's step size.
        public var learningRate: Float
        /// Decoupled weight decay on embeddings and matrices.
        public var weightDecay: Float
        /// Sequences per step (fewer on a log of under 32 × this many sequences).
        public var batchSize: Int
        /// Passes over the data at most (early stopping may end sooner).
        public var epochs: Int
        /// Softmax candidates drawn besides the batch's targets (logQ-corrected); 0 is the full
        /// softmax over every item; nil chooses by catalog size (`negatives(forItems:)`).
        public var sampledNegatives: Int?
        /// Seed of the weights, the order of sequences and the dropout masks.
        public var seed: UInt64
        /// Epochs over which the step size falls from `learningRate` to a twentieth of it along
        /// a half cosine (and stays there); 0 keeps it constant.
        public var decayEpochs: Int

        /// Parameters; the defaults are a sound start for a catalog of thousands of items.
        public init(
            dimension: Int = 64,
            blocks: Int = 2,
            heads: Int = 1,
            hidden: Int = 128,
            maxLength: Int = 50,
            dropout: Float = 0.5,
            learningRate: Float = 0.002,
            weightDecay: Float = 0,
            batchSize: Int = 128,
            epochs: Int = 200,
            sampledNegatives: Int? = nil,
            seed: UInt64 = 42,
            decayEpochs: Int = 20
        ) {
            self.dimension = dimension
            self.blocks = blocks
            self.heads = heads
            self.hidden = hidden
            self.maxLength = maxLength
            self.dropout = dropout
            self.learningRate = learningRate
            self.weightDecay = weightDecay
            self.batchSize = batchSize
            self.epochs = epochs
            self.sampledNegatives = sampledNegatives
            self.seed = seed
            self.decayEpochs = decayEpochs
        }

        private enum CodingKeys: String, CodingKey {
            case dimension, blocks, heads, hidden, maxLength, dropout, learningRate, weightDecay, batchSize, epochs
            case sampledNegatives, seed, decayEpochs
        }

        /// Decodes saved settings; files written before `decayEpochs` existed read as constant.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dimension = try container.decode(Int.self, forKey: .dimension)
            blocks = try container.decode(Int.self, forKey: .blocks)
            heads = try container.decode(Int.self, forKey: .heads)
            hidden = try container.decode(Int.self, forKey: .hidden)
            maxLength = try container.decode(Int.self, forKey: .maxLength)
            dropout = try container.decode(Float.self, forKey: .dropout)
            learningRate = try container.decode(Float.self, forKey: .learningRate)
            weightDecay = try container.decode(Float.self, forKey: .weightDecay)
            batchSize = try container.decode(Int.self, forKey: .batchSize)
            epochs = try container.decode(Int.self, forKey: .epochs)
            sampledNegatives = try container.decodeIfPresent(Int.self, forKey: .sampledNegatives)
            seed = try container.decode(UInt64.self, forKey: .seed)
            decayEpochs = try container.decodeIfPresent(Int.self, forKey: .decayEpochs) ?? 0
        }

        /// Catalogs up to this many items train with the full softmax by default: on Amazon
        /// Beauty (12,101 items) the sampled one scored 5 % lower on validation; on Sports
        /// (18,357) it matched the full one at a third of the time per epoch (docs/RECOMMENDATIONS.md).
        public static let fullSoftmaxItems = 16_384
        /// Items drawn per step by default above `fullSoftmaxItems`.
        public static let defaultNegatives = 2_048

        /// The softmax's drawn items for a catalog of `items`: the setting, or by default 0 (the
        /// full softmax) up to `fullSoftmaxItems` and `defaultNegatives` above.
        public func negatives(forItems items: Int) -> Int {
            max(0, sampledNegatives ?? (items > Self.fullSoftmaxItems ? Self.defaultNegatives : 0))
        }

        /// The step size of `epoch` (1-based).
        func learningRate(epoch: Int) -> Float {
            guard decayEpochs > 0 else { return learningRate }
            let progress = Float(min(epoch - 1, decayEpochs)) / Float(decayEpochs)
            let floor: Float = 0.05
            return learningRate * (floor + (1 - floor) * 0.5 * (1 + Float(cos(Double.pi * Double(progress)))))
        }
    }

    public var kind: ModelKind { .transformer }
    public let catalog: Catalog
    /// Settings the model was trained with.
    public let parameters: Parameters
    /// The network's weights, laid out by `layout`.
    let weights: [Float]
    let layout: TransformerLayout
    /// Over every item, the mean of (item vector, bias) and their second moment matrix
    /// ((d + 1)², row-major): a shopper's score mean and deviation over the catalog follow
    /// exactly from these, so the feed scores only its candidates.
    let itemMean: [Float]
    let itemSecondMoment: [Float]
    /// Items no training sequence held, whose vectors are their content alone: the feed adds
    /// them to the candidates it scores (nothing else points to a never-bought item).
    public private(set) var contentOnlyItems: [Int32]

    /// A model from trained weights.
    init(catalog: Catalog, parameters: Parameters, weights: [Float], contentOnlyItems: [Int32] = []) {
        let layout = Self.layout(items: catalog.count, parameters: parameters)
        precondition(weights.count == layout.count, "weights for another layout")
        self.catalog = catalog
        self.parameters = parameters
        self.layout = layout
        self.weights = weights
        self.contentOnlyItems = contentOnlyItems
        (itemMean, itemSecondMoment) = Self.moments(weights: weights, layout: layout)
    }

    /// The same model with only the content-only items `keep` accepts listed (the weights are
    /// unchanged). The feed trains on a validation sample, maybe of a share of the shoppers: items
    /// it missed there but bought elsewhere reach the feed's candidates through the other models,
    /// and only the never-bought ones need adding (each adds a score to every request).
    func keepingContentOnly(where keep: (Int32) -> Bool) -> SequentialModel {
        var model = self
        model.contentOnlyItems = contentOnlyItems.filter(keep)
        return model
    }

    /// Mean and second moment of the items' (vector, bias) rows.
    private static func moments(weights: [Float], layout: TransformerLayout) -> (mean: [Float], second: [Float]) {
        let d = layout.dimension
        let width = d + 1
        let items = layout.items
        var rows = [Float](repeating: 0, count: items * width)
        for item in 0..<items {
            for column in 0..<d { rows[item * width + column] = weights[layout.itemEmbedding + item * d + column] }
            rows[item * width + d] = weights[layout.itemBias + item]
        }
        var mean = [Float](repeating: 0, count: width)
        for item in 0..<items { for column in 0..<width { mean[column] += rows[item * width + column] } }
        let scale = 1 / Float(items)
        for column in 0..<width { mean[column] *= scale }
        var second = [Float](repeating: 0, count: width * width)
        rows.withUnsafeBufferPointer { source in
            second.withUnsafeMutableBufferPointer { target in
                guard let a = source.baseAddress, let c = target.baseAddress else { return }
                BLAS.multiply(
                    m: width,
                    n: width,
                    k: items,
                    a,
                    lda: width,
                    transposeA: .transposed,
                    a,
                    ldb: width,
                    into: c,
                    ldc: width,
                    splitting: .serial
                )
            }
        }
        for index in second.indices { second[index] *= scale }
        return (mean, second)
    }

    /// The network's output at the shopper's newest item: what `scores(of:hidden:)` scores with.
    /// Zero for an empty history (its scores are the item biases).
    public func hidden(for history: History) -> [Float] {
        let d = layout.dimension
        var batch = TokenBatch()
        batch.append(Self.sequence(history.items, maxLength: layout.maxLength))
        guard batch.tokenCount > 0 else { return [Float](repeating: 0, count: d) }
        return weights.withUnsafeBufferPointer { buffer -> [Float] in
            guard let base = buffer.baseAddress else { return [Float](repeating: 0, count: d) }
            let output = TransformerNetwork(layout: layout).forward(
                batch,
                weights: base,
                dropout: nil,
                parallelism: .serial
            ).output
            return Array(output[((batch.tokenCount - 1) * d)..<(batch.tokenCount * d)])
        }
    }

    /// The scores of `items` for the output `hidden`.
    public func scores(of items: [Int32], hidden: [Float]) -> [Float] {
        let d = layout.dimension
        return weights.withUnsafeBufferPointer { w in
            items.map { item in
                let row = layout.itemEmbedding + Int(item) * d
                var sum = w[layout.itemBias + Int(item)]
                for column in 0..<d { sum += w[row + column] * hidden[column] }
                return sum
            }
        }
    }

    /// The mean and standard deviation over every catalog item of the scores `hidden` gives,
    /// exact, in O(d²) (as `ALSModel.scoreStatistics`).
    public func scoreStatistics(of hidden: [Float]) -> (mean: Float, deviation: Float) {
        let width = layout.dimension + 1
        let augmented = hidden + [1]
        var mean: Float = 0
        var second: Float = 0
        for a in 0..<width {
            mean += itemMean[a] * augmented[a]
            var row: Float = 0
            for b in 0..<width { row += itemSecondMoment[a * width + b] * augmented[b] }
            second += augmented[a] * row
        }
        return (mean, max(0, second - mean * mean).squareRoot())
    }

    static func layout(items: Int, parameters: Parameters, attributes: Int = 0, textWidth: Int = 0)
        -> TransformerLayout
    {
        TransformerLayout(
            items: max(1, items),
            dimension: parameters.dimension,
            heads: parameters.heads,
            hidden: parameters.hidden,
            blocks: parameters.blocks,
            maxLength: parameters.maxLength,
            attributes: attributes,
            textWidth: textWidth
        )
    }

    /// The items the network reads for `items` (oldest first): consecutive repeats collapsed (a
    /// second view of the same page says nothing new about what comes next), the newest
    /// `maxLength` kept.
    static func sequence(_ items: [Int32], maxLength: Int) -> ArraySlice<Int32> {
        var collapsed: [Int32] = []
        collapsed.reserveCapacity(items.count)
        for item in items where collapsed.last != item { collapsed.append(item) }
        return collapsed.suffix(maxLength)
    }

    public func scores(for history: History) -> [Float] {
        scores(forBatch: [history], parallelism: .serial)
    }

    /// Scores for many shoppers at once: their sequences go through the network as one batch, and
    /// the item scores are one product. For offline ranking and validation.
    public func scores(forBatch histories: [History], parallelism: Parallelism) -> [Float] {
        let d = layout.dimension
        let items = layout.items
        var batch = TokenBatch()
        for history in histories { batch.append(Self.sequence(history.items, maxLength: layout.maxLength)) }
        let network = TransformerNetwork(layout: layout)
        var last = [Float](repeating: 0, count: histories.count * d)
        weights.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let activations = network.forward(batch, weights: base, dropout: nil, parallelism: parallelism)
            for sequence in 0..<batch.sequenceCount {
                let tokens = batch.range(of: sequence)
                // An empty history keeps a zero vector: its scores are the item biases alone.
                guard let newest = tokens.last else { continue }
                for column in 0..<d { last[sequence * d + column] = activations.output[newest * d + column] }
            }
        }
        var scores = [Float](repeating: 0, count: histories.count * items)
        weights.withUnsafeBufferPointer { buffer in
            last.withUnsafeBufferPointer { lastBuffer in
                scores.withUnsafeMutableBufferPointer { scoreBuffer in
                    guard let w = buffer.baseAddress, let h = lastBuffer.baseAddress, let out = scoreBuffer.baseAddress
                    else { return }
                    for row in 0..<histories.count {
                        (out + row * items).update(from: w + layout.itemBias, count: items)
                    }
                    BLAS.multiply(
                        m: histories.count,
                        n: items,
                        k: d,
                        h,
                        lda: d,
                        w + layout.itemEmbedding,
                        ldb: d,
                        transposeB: .transposed,
                        beta: 1,
                        into: out,
                        ldc: items,
                        splitting: parallelism
                    )
                }
            }
        }
        return scores
    }

    /// The shopper's items the newest position attends to in the last block, strongest first:
    /// attention weights averaged over heads, summed over repeats of an item. What drove the
    /// answer, for explanations. Empty for an empty history.
    public func attention(for history: History) -> [ScoredIndex] {
        let sequence = Self.sequence(history.items, maxLength: layout.maxLength)
        guard !sequence.isEmpty else { return [] }
        var batch = TokenBatch()
        batch.append(sequence)
        let n = sequence.count
        let probabilities = weights.withUnsafeBufferPointer { buffer -> [Float] in
            guard let base = buffer.baseAddress else { return [] }
            let network = TransformerNetwork(layout: layout)
            return network.forward(batch, weights: base, dropout: nil, parallelism: .serial).blocks.last?.probabilities
                ?? []
        }
        guard probabilities.count == layout.heads * n * n else { return [] }
        var strength: [Int32: Float] = [:]
        for (position, item) in sequence.enumerated() {
            for head in 0..<layout.heads {
                strength[item, default: 0] += probabilities[(head * n + n - 1) * n + position] / Float(layout.heads)
            }
        }
        return strength.map { ScoredIndex(index: Int($0.key), score: $0.value) }.sorted(by: ScoredIndex.ranksBefore)
    }
}
