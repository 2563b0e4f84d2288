import AisleMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Adam with decoupled weight decay (Loshchilov and Hutter 2019) over one flat weight vector.
struct AdamW: Sendable {
    /// The step size; a schedule may change it between steps.
    var learningRate: Float
    let weightDecay: Float
    let beta1: Float = 0.9
    let beta2: Float = 0.98
    let epsilon: Float = 1e-8
    /// Weight ranges that decay (matrices and embeddings; not norms or biases).
    let decayed: [Range<Int>]
    private(set) var step = 0
    private(set) var firstMoment: [Float]
    private(set) var secondMoment: [Float]

    init(count: Int, learningRate: Float, weightDecay: Float, decayed: [Range<Int>]) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.decayed = decayed
        firstMoment = [Float](repeating: 0, count: count)
        secondMoment = [Float](repeating: 0, count: count)
    }

    /// An optimiser continuing from saved moments after `step` steps (a resumed training).
    init(
        learningRate: Float,
        weightDecay: Float,
        decayed: [Range<Int>],
        step: Int,
        firstMoment: [Float],
        secondMoment: [Float]
    ) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.decayed = decayed
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    /// One step of `weights` against `gradients`, split in ranges over the workers (the same
    /// result on any number of them: each weight's step reads only its own entries).
    mutating func update(_ weights: inout [Float], gradients: [Float], parallelism: Parallelism = .serial) {
        precondition(weights.count == firstMoment.count && gradients.count == firstMoment.count, "one layout")
        step += 1
        let correction2 = 1 - pow(beta2, Float(step))
        let stepSize = learningRate / (1 - pow(beta1, Float(step)))
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        if weightDecay > 0 {
            let shrink = 1 - learningRate * weightDecay
            for range in decayed {
                for index in range { weights[index] *= shrink }
            }
        }
        weights.withUnsafeMutableBufferPointer { w in
            gradients.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        let (weightsOut, first, second) = (
                            SendablePointer(w.baseAddress), SendablePointer(m.baseAddress),
                            SendablePointer(v.baseAddress)
                        )
                        let gradient = SendableConstPointer(g.baseAddress)
                        parallelism.forEachRange(of: w.count, chunk: 1 << 16) { range in
                            guard let w = weightsOut.pointer, let m = first.pointer, let v = second.pointer,
                                let g = gradient.pointer
                            else { return }
                            for index in range {
                                let gradient = g[index]
                                m[index] = beta1 * m[index] + (1 - beta1) * gradient
                                v[index] = beta2 * v[index] + (1 - beta2) * gradient * gradient
                                let denominator = (v[index] / correction2).squareRoot() + epsilon
                                w[index] -= stepSize * m[index] / denominator
                            }
                        }
                    }
                }
            }
        }
    }
}
