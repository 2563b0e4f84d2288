import AisleCore
import AisleMath

/// What one block's forward pass keeps for its backward pass (tokens × width, row-major).
struct BlockActivations: Sendable {
    var attentionNormalized: [Float]
    var attentionInverse: [Float]
    /// The normalised, scaled input of the attention (what the query/key/value product reads).
    var attentionInput: [Float]
    /// Queries, keys and values of every token side by side (tokens × 3·dimension).
    var queryKeyValue: [Float]
    /// Each sequence's causal attention weights, heads × n × n per sequence.
    var probabilities: [Float]
    var context: [Float]
    /// Dropout scale of the attention branch (empty: no dropout).
    var attentionMask: [Float]
    var feedForwardNormalized: [Float]
    var feedForwardInverse: [Float]
    var feedForwardInput: [Float]
    /// The feed-forward layer before GELU (tokens × hidden).
    var up: [Float]
    var activated: [Float]
    var feedForwardMask: [Float]
}

/// Everything a forward pass computed that its backward pass reads.
struct TransformerActivations: Sendable {
    let batch: TokenBatch
    /// Where each sequence's attention weights start in `BlockActivations.probabilities`.
    let probabilityStarts: [Int]
    var inputMask: [Float]
    var blocks: [BlockActivations]
    var finalNormalized: [Float]
    var finalInverse: [Float]
    /// The network's output: one vector per token (tokens × dimension).
    var output: [Float]
}

/// The causal self-attention network of `SequentialModel` (SASRec's shape, pre-LayerNorm): item
/// and position embeddings in, `blocks` × (LayerNorm → multi-head causal attention → residual,
/// LayerNorm → GELU feed-forward → residual), a final LayerNorm out. Weights live in one flat
/// vector laid out by `TransformerLayout`; products go through BLAS over all tokens of a batch at
/// once, attention runs per sequence on the workers.
struct TransformerNetwork: Sendable {
    let layout: TransformerLayout

    /// Dropout settings of a training pass: the rate, and the seed its masks are drawn from.
    struct Dropout: Sendable {
        let rate: Float
        let seed: UInt64
    }

    /// Runs the batch forward. `dropout` nil is inference (no masks). The item vectors come from
    /// `itemVectors` when given (content fused in, `fusedItems`), else from the id embedding.
    func forward(
        _ batch: TokenBatch,
        weights: UnsafePointer<Float>,
        itemVectors: UnsafePointer<Float>? = nil,
        dropout: Dropout?,
        parallelism: Parallelism
    ) -> TransformerActivations {
        let d = layout.dimension
        let tokens = batch.tokenCount
        // Out-of-range indices would read other weights silently, not crash: refuse them.
        precondition(batch.items.allSatisfy { $0 >= 0 && Int($0) < layout.items }, "item outside the catalog")
        precondition(batch.positions.allSatisfy { Int($0) < layout.maxLength }, "sequence longer than maxLength")
        var masks = MaskSource(dropout)
        var probabilityStarts = [0]
        for sequence in 0..<batch.sequenceCount {
            let n = batch.range(of: sequence).count
            probabilityStarts.append(probabilityStarts[sequence] + layout.heads * n * n)
        }
        var x = [Float](repeating: 0, count: tokens * d)
        let inputScale = Float(d).squareRoot()
        let itemRows = itemVectors ?? weights + layout.itemEmbedding
        for token in 0..<tokens {
            let item = itemRows + Int(batch.items[token]) * d
            let position = weights + layout.position + Int(batch.positions[token]) * d
            for column in 0..<d { x[token * d + column] = item[column] * inputScale + position[column] }
        }
        let inputMask = masks.next(tokens * d)
        Self.scale(&x, by: inputMask)
        var blocks: [BlockActivations] = []
        for block in layout.blocks {
            blocks.append(
                forwardBlock(
                    block,
                    &x,
                    batch: batch,
                    probabilityStarts: probabilityStarts,
                    weights: weights,
                    masks: &masks,
                    parallelism: parallelism
                )
            )
        }
        let (normalized, inverse, output) = normalize(
            x,
            gain: weights + layout.finalNormGain,
            bias: weights + layout.finalNormBias,
            parallelism: parallelism
        )
        return TransformerActivations(
            batch: batch,
            probabilityStarts: probabilityStarts,
            inputMask: inputMask,
            blocks: blocks,
            finalNormalized: normalized,
            finalInverse: inverse,
            output: output
        )
    }

    private func forwardBlock(
        _ block: TransformerLayout.Block,
        _ x: inout [Float],
        batch: TokenBatch,
        probabilityStarts: [Int],
        weights: UnsafePointer<Float>,
        masks: inout MaskSource,
        parallelism: Parallelism
    ) -> BlockActivations {
        let d = layout.dimension
        let f = layout.hidden
        let tokens = batch.tokenCount
        let (attentionNormalized, attentionInverse, attentionInput) = normalize(
            x,
            gain: weights + block.attentionNormGain,
            bias: weights + block.attentionNormBias,
            parallelism: parallelism
        )
        let queryKeyValue = Self.linear(
            attentionInput,
            rows: tokens,
            inputs: d,
            weights + block.queryKeyValue,
            bias: weights + block.queryKeyValueBias,
            outputs: 3 * d,
            parallelism: parallelism
        )
        var probabilities = [Float](repeating: 0, count: probabilityStarts[batch.sequenceCount])
        var context = [Float](repeating: 0, count: tokens * d)
        attend(
            queryKeyValue,
            batch: batch,
            probabilityStarts: probabilityStarts,
            probabilities: &probabilities,
            context: &context,
            parallelism: parallelism
        )
        var attended = Self.linear(
            context,
            rows: tokens,
            inputs: d,
            weights + block.attentionOut,
            bias: weights + block.attentionOutBias,
            outputs: d,
            parallelism: parallelism
        )
        let attentionMask = masks.next(tokens * d)
        Self.scale(&attended, by: attentionMask)
        for index in x.indices { x[index] += attended[index] }

        let (feedForwardNormalized, feedForwardInverse, feedForwardInput) = normalize(
            x,
            gain: weights + block.feedForwardNormGain,
            bias: weights + block.feedForwardNormBias,
            parallelism: parallelism
        )
        let up = Self.linear(
            feedForwardInput,
            rows: tokens,
            inputs: d,
            weights + block.up,
            bias: weights + block.upBias,
            outputs: f,
            parallelism: parallelism
        )
        var activated = [Float](repeating: 0, count: tokens * f)
        up.withUnsafeBufferPointer { input in
            activated.withUnsafeMutableBufferPointer { output in
                guard let source = input.baseAddress, let target = output.baseAddress else { return }
                TransformerKernels.gelu(source, count: tokens * f, into: target)
            }
        }
        var down = Self.linear(
            activated,
            rows: tokens,
            inputs: f,
            weights + block.down,
            bias: weights + block.downBias,
            outputs: d,
            parallelism: parallelism
        )
        let feedForwardMask = masks.next(tokens * d)
        Self.scale(&down, by: feedForwardMask)
        for index in x.indices { x[index] += down[index] }
        return BlockActivations(
            attentionNormalized: attentionNormalized,
            attentionInverse: attentionInverse,
            attentionInput: attentionInput,
            queryKeyValue: queryKeyValue,
            probabilities: probabilities,
            context: context,
            attentionMask: attentionMask,
            feedForwardNormalized: feedForwardNormalized,
            feedForwardInverse: feedForwardInverse,
            feedForwardInput: feedForwardInput,
            up: up,
            activated: activated,
            feedForwardMask: feedForwardMask
        )
    }

    /// Causal multi-head attention within each sequence: token i attends to tokens 0...i of its
    /// own sequence. Writes the weights (for the backward pass and explanations) and the context.
    private func attend(
        _ queryKeyValue: [Float],
        batch: TokenBatch,
        probabilityStarts: [Int],
        probabilities: inout [Float],
        context: inout [Float],
        parallelism: Parallelism
    ) {
        let d = layout.dimension
        let heads = layout.heads
        let width = layout.headWidth
        let scale = 1 / Float(width).squareRoot()
        queryKeyValue.withUnsafeBufferPointer { qkvBuffer in
            probabilities.withUnsafeMutableBufferPointer { probabilityBuffer in
                context.withUnsafeMutableBufferPointer { contextBuffer in
                    let qkv = SendableConstPointer(qkvBuffer.baseAddress)
                    let weightsOut = SendablePointer(probabilityBuffer.baseAddress)
                    let contextOut = SendablePointer(contextBuffer.baseAddress)
                    parallelism.forEachRange(of: batch.sequenceCount, chunk: 8) { sequences in
                        guard let qkv = qkv.pointer, let contextBase = contextOut.pointer else { return }
                        for sequence in sequences {
                            let tokens = batch.range(of: sequence)
                            let n = tokens.count
                            guard n > 0, let probabilityBase = weightsOut.pointer else { continue }
                            for head in 0..<heads {
                                for i in 0..<n {
                                    let row = probabilityBase + probabilityStarts[sequence] + (head * n + i) * n
                                    let query = qkv + (tokens.lowerBound + i) * 3 * d + head * width
                                    for j in 0...i {
                                        let key = qkv + (tokens.lowerBound + j) * 3 * d + d + head * width
                                        row[j] = dot(query, key, width) * scale
                                    }
                                    TransformerKernels.softmax(row, count: i + 1)
                                    let out = contextBase + (tokens.lowerBound + i) * d + head * width
                                    for j in 0...i {
                                        let value = qkv + (tokens.lowerBound + j) * 3 * d + 2 * d + head * width
                                        axpy(row[j], value, out, width)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// LayerNorm of every row of `x`, split over the workers: the normalised rows and each row's
    /// inverse deviation (for the backward pass) and the output.
    private func normalize(
        _ x: [Float],
        gain: UnsafePointer<Float>,
        bias: UnsafePointer<Float>,
        parallelism: Parallelism
    ) -> (normalized: [Float], inverse: [Float], output: [Float]) {
        let d = layout.dimension
        let rows = x.count / d
        var normalized = [Float](repeating: 0, count: rows * d)
        var inverse = [Float](repeating: 0, count: rows)
        var output = [Float](repeating: 0, count: rows * d)
        let (gain, bias) = (SendableConstPointer(gain), SendableConstPointer(bias))
        x.withUnsafeBufferPointer { input in
            normalized.withUnsafeMutableBufferPointer { normalizedBuffer in
                inverse.withUnsafeMutableBufferPointer { inverseBuffer in
                    output.withUnsafeMutableBufferPointer { outputBuffer in
                        let source = SendableConstPointer(input.baseAddress)
                        let targets = (
                            SendablePointer(normalizedBuffer.baseAddress), SendablePointer(inverseBuffer.baseAddress),
                            SendablePointer(outputBuffer.baseAddress)
                        )
                        parallelism.forEachRange(of: rows, chunk: 256) { range in
                            guard let x = source.pointer, let g = gain.pointer, let b = bias.pointer,
                                let n = targets.0.pointer, let inv = targets.1.pointer, let y = targets.2.pointer
                            else { return }
                            TransformerKernels.normalize(
                                x,
                                rows: range,
                                width: d,
                                gain: g,
                                bias: b,
                                normalized: n,
                                inverse: inv,
                                output: y
                            )
                        }
                    }
                }
            }
        }
        return (normalized, inverse, output)
    }

    /// `input · matrix + bias` for `rows` rows (`matrix` is inputs × outputs, row-major).
    static func linear(
        _ input: [Float],
        rows: Int,
        inputs: Int,
        _ matrix: UnsafePointer<Float>,
        bias: UnsafePointer<Float>,
        outputs: Int,
        parallelism: Parallelism
    ) -> [Float] {
        var output = [Float](repeating: 0, count: rows * outputs)
        output.withUnsafeMutableBufferPointer { buffer in
            guard let target = buffer.baseAddress else { return }
            for row in 0..<rows { (target + row * outputs).update(from: bias, count: outputs) }
            input.withUnsafeBufferPointer { source in
                guard let a = source.baseAddress else { return }
                BLAS.multiply(
                    m: rows,
                    n: outputs,
                    k: inputs,
                    a,
                    lda: inputs,
                    matrix,
                    ldb: outputs,
                    beta: 1,
                    into: target,
                    ldc: outputs,
                    splitting: parallelism
                )
            }
        }
        return output
    }

    /// `values *= mask` entry by entry; an empty mask (no dropout) leaves them.
    static func scale(_ values: inout [Float], by mask: [Float]) {
        guard !mask.isEmpty else { return }
        for index in values.indices { values[index] *= mask[index] }
    }
}

/// Dropout masks drawn from one seeded generator: each entry is 0 with probability `rate`, else
/// 1 / (1 − rate). Sixteen random bits per entry, four entries per draw.
struct MaskSource {
    private var random: SplitMix64
    private let threshold: UInt64
    private let keepScale: Float
    private let active: Bool

    init(_ dropout: TransformerNetwork.Dropout?) {
        let rate = min(max(dropout?.rate ?? 0, 0), 0.95)
        random = SplitMix64(seed: dropout?.seed ?? 0)
        threshold = UInt64((rate * 65_536).rounded())
        keepScale = 1 / (1 - rate)
        active = dropout != nil && threshold > 0
    }

    /// A mask of `count` entries, or an empty array when there is no dropout.
    mutating func next(_ count: Int) -> [Float] {
        guard active else { return [] }
        var mask = [Float](repeating: 0, count: count)
        var index = 0
        while index < count {
            var bits = random.next()
            for _ in 0..<4 where index < count {
                mask[index] = (bits & 0xFFFF) < threshold ? 0 : keepScale
                bits >>= 16
                index += 1
            }
        }
        return mask
    }
}
