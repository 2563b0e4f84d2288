import AisleCore
import AisleMath
import Foundation
import Testing

@testable import AisleRecommend

/// The sequential recommender's backward pass against finite differences of its loss, for every
/// kind of weight, with dropout on (the masks are fixed by the seed, so the loss is a smooth
/// function of the weights) and mixed-length sequences in one batch.
@Suite struct TransformerGradientTests {
    private static let layout = TransformerLayout(items: 9, dimension: 8, heads: 2, hidden: 12, blocks: 2, maxLength: 6)

    /// Weights with every kind of parameter away from its initial value (norm gains not all 1,
    /// biases not 0), so no gradient term is hidden by a special point.
    private static func weights() -> [Float] {
        var weights = layout.initialWeights(seed: 7)
        var random = SplitMix64(seed: 99)
        for index in weights.indices { weights[index] += (random.nextUnit() - 0.5) * 0.4 }
        return weights
    }

    private static func batch() -> TokenBatch {
        var batch = TokenBatch()
        batch.append([3, 1, 4], next: [1, 4, 0])
        batch.append([5], next: [8])
        batch.append([2, 6, 5, 3, 5, 8], next: [6, 5, 3, 5, 8, 7])
        return batch
    }

    private static func loss(
        _ weights: [Float],
        candidates: TransformerNetwork.Candidates,
        gradients: inout [Float]
    ) -> Double {
        let network = TransformerNetwork(layout: layout)
        let dropout = TransformerNetwork.Dropout(rate: 0.2, seed: 11)
        return weights.withUnsafeBufferPointer { w in
            gradients.withUnsafeMutableBufferPointer { g in
                guard let w = w.baseAddress, let g = g.baseAddress else { return .nan }
                let activations = network.forward(batch(), weights: w, dropout: dropout, parallelism: .serial)
                let (loss, outputGradient) = network.nextItemLoss(
                    activations,
                    candidates: candidates,
                    weights: w,
                    gradients: g,
                    parallelism: .serial
                )
                network.backward(
                    activations,
                    outputGradient: outputGradient,
                    weights: w,
                    gradients: g,
                    parallelism: .serial
                )
                return loss
            }
        }
    }

    /// Indices to check: a spread over every named range of the layout.
    private static func probes() -> [(name: String, index: Int)] {
        var ranges: [(String, Int, Int)] = [
            ("item embedding", layout.itemEmbedding, layout.items * layout.dimension),
            ("item bias", layout.itemBias, layout.items),
            ("position", layout.position, layout.maxLength * layout.dimension),
            ("final gain", layout.finalNormGain, layout.dimension),
            ("final bias", layout.finalNormBias, layout.dimension),
        ]
        for (number, block) in layout.blocks.enumerated() {
            let d = layout.dimension
            let f = layout.hidden
            ranges += [
                ("block \(number) attention gain", block.attentionNormGain, d),
                ("block \(number) attention norm bias", block.attentionNormBias, d),
                ("block \(number) qkv", block.queryKeyValue, d * 3 * d),
                ("block \(number) qkv bias", block.queryKeyValueBias, 3 * d),
                ("block \(number) attention out", block.attentionOut, d * d),
                ("block \(number) attention out bias", block.attentionOutBias, d),
                ("block \(number) feed-forward gain", block.feedForwardNormGain, d),
                ("block \(number) feed-forward norm bias", block.feedForwardNormBias, d),
                ("block \(number) up", block.up, d * f),
                ("block \(number) up bias", block.upBias, f),
                ("block \(number) down", block.down, f * d),
                ("block \(number) down bias", block.downBias, d),
            ]
        }
        var random = SplitMix64(seed: 5)
        return ranges.flatMap { name, start, count in
            (0..<min(count, 6)).map { _ in (name, start + Int(random.next() % UInt64(count))) }
        }
    }

    @Test(
        "analytic gradients match central differences of the loss, full and sampled softmax (with and without logQ correction)",
        arguments: [
            TransformerNetwork.Candidates.all, .sampled([0, 2, 7]),
            .sampled([0, 2, 7], shares: [0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0]),
        ]
    )
    func gradientsMatchFiniteDifferences(candidates: TransformerNetwork.Candidates) {
        let weights = Self.weights()
        var gradients = [Float](repeating: 0, count: Self.layout.count)
        let loss = Self.loss(weights, candidates: candidates, gradients: &gradients)
        #expect(loss.isFinite && loss > 0)
        var scratch = [Float](repeating: 0, count: Self.layout.count)
        var checked = 0
        for (name, index) in Self.probes() {
            let numeric = centralDifference(of: weights, at: index, step: 5e-3) {
                Self.loss($0, candidates: candidates, gradients: &scratch)
            }
            let analytic = Double(gradients[index])
            #expect(agrees(numeric, analytic), "\(name) [\(index)]: analytic \(analytic), numeric \(numeric)")
            checked += 1
        }
        #expect(checked > 100)
        // Not all gradients are zero: the check would pass trivially otherwise.
        #expect(gradients.filter { abs($0) > 1e-4 }.count > Self.layout.count / 3)
    }

    @Test("the sampled softmax over every item equals the full softmax")
    func sampledOverEverythingIsFull() {
        let weights = Self.weights()
        var full = [Float](repeating: 0, count: Self.layout.count)
        var sampled = full
        let fullLoss = Self.loss(weights, candidates: .all, gradients: &full)
        let sampledLoss = Self.loss(weights, candidates: .sampled(Array(0..<9)), gradients: &sampled)
        #expect(abs(fullLoss - sampledLoss) < 1e-5)
        #expect(zip(full, sampled).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("the logQ correction moves only items whose chances of being sampled differ")
    func logQCorrection() {
        let weights = Self.weights()
        var scratch = [Float](repeating: 0, count: Self.layout.count)
        let plain = Self.loss(weights, candidates: .sampled([0, 2, 7]), gradients: &scratch)
        // Equal shares lower every logit alike: the softmax does not change.
        let even = Self.loss(
            weights,
            candidates: .sampled([0, 2, 7], shares: Array(repeating: 0.01, count: 9)),
            gradients: &scratch
        )
        // Uneven shares raise the rarely sampled items against the popular ones.
        let uneven = Self.loss(
            weights,
            candidates: .sampled([0, 2, 7], shares: [0.4, 0.001, 0.3, 0.001, 0.2, 0.001, 0.05, 0.047, 0]),
            gradients: &scratch
        )
        #expect(abs(plain - even) < 1e-4)
        #expect(uneven.isFinite && abs(uneven - plain) > 1e-3, "\(uneven) against \(plain)")
    }

    @Test("e^x and GELU kernels agree with the C library")
    func kernels() {
        for x in stride(from: Float(-20), through: 20, by: 0.37) {
            let fast = TransformerKernels.exp8(SIMD8(repeating: x))[0]
            let exact = Float(Foundation.exp(Double(x)))
            #expect(abs(fast - exact) <= exact * 1e-6, "exp(\(x))")
        }
        let values = (0..<40).map { Float($0) * 0.25 - 5 }
        var output = values
        values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                TransformerKernels.gelu(input.baseAddress!, count: 40, into: out.baseAddress!)
            }
        }
        for (x, y) in zip(values, output) {
            let exact =
                0.5 * Double(x) * (1 + Foundation.tanh(0.797_884_560_8 * (Double(x) + 0.044715 * pow(Double(x), 3))))
            #expect(abs(Double(y) - exact) < 1e-5, "gelu(\(x))")
        }
    }
}

/// `(loss(w + step·eᵢ) − loss(w − step·eᵢ)) / 2·step`: the loss's slope along weight `index`.
func centralDifference(
    of weights: [Float],
    at index: Int,
    step: Float,
    loss: ([Float]) -> Double
) -> Double {
    var plus = weights
    plus[index] += step
    var minus = weights
    minus[index] -= step
    return (loss(plus) - loss(minus)) / Double(2 * step)
}

/// Whether a numeric and an analytic gradient agree: within 2e-3 plus 3 % of the larger.
func agrees(_ numeric: Double, _ analytic: Double) -> Bool {
    abs(numeric - analytic) <= 2e-3 + 0.03 * max(abs(numeric), abs(analytic))
}
