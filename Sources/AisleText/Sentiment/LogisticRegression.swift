import AisleCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Binary logistic regression over hashed sparse features, trained by AdaGrad with L2: small,
/// fast, and deterministic for a given seed and data order.
public struct LogisticRegression: Sendable, Equatable {
    /// One weight per feature bucket.
    public private(set) var weights: [Float]
    /// The intercept.
    public private(set) var bias: Float

    /// Training settings.
    public struct Settings: Sendable, Equatable {
        /// Passes over the data.
        public var epochs = 8
        /// AdaGrad's base step.
        public var learningRate: Float = 0.5
        /// L2 weight per step on the touched weights.
        public var l2: Float = 1e-6
        /// Seed of the shuffles.
        public var seed: UInt64 = 7

        /// The defaults.
        public init() {}
    }

    /// An untrained model over `dimension` features.
    public init(dimension: Int) {
        weights = [Float](repeating: 0, count: dimension)
        bias = 0
    }

    /// A model from stored weights.
    public init(weights: [Float], bias: Float) {
        self.weights = weights
        self.bias = bias
    }

    /// P(positive) for a feature vector.
    public func probability(_ features: (indices: [Int32], values: [Float])) -> Float {
        var z = bias
        for (index, value) in zip(features.indices, features.values) { z += weights[Int(index)] * value }
        return 1 / (1 + exp(-z))
    }

    /// Trains on `examples` (features and label 0/1). O(epochs × total features).
    public mutating func train(
        _ examples: [(features: (indices: [Int32], values: [Float]), label: Int)],
        settings: Settings
    ) {
        var squared = [Float](repeating: 1e-8, count: weights.count)
        var biasSquared: Float = 1e-8
        var order = Array(examples.indices)
        var random = SplitMix64(seed: settings.seed)
        for _ in 0..<settings.epochs {
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(random.next() % UInt64(index + 1)))
            }
            for position in order {
                let example = examples[position]
                let gradient = probability(example.features) - Float(example.label)
                for (index, value) in zip(example.features.indices, example.features.values) {
                    let slot = Int(index)
                    let step = gradient * value + settings.l2 * weights[slot]
                    squared[slot] += step * step
                    weights[slot] -= settings.learningRate * step / squared[slot].squareRoot()
                }
                biasSquared += gradient * gradient
                bias -= settings.learningRate * gradient / biasSquared.squareRoot()
            }
        }
    }
}
