/// A contextual bandit: LinUCB with disjoint linear models (Li et al., 2010). Each arm learns
/// its expected reward as a linear function θᵀx of a few context features (platform, new or
/// returning, the shopper's top category, one-hot with an intercept), and a choice takes the
/// arm with the highest θ̂ᵀx + α √(xᵀA⁻¹x): the estimate plus how unsure it still is for this
/// context. Where the best arm depends on the context, it learns one answer per context that
/// a plain bandit cannot.
public struct LinUCB: Sendable {
    /// Exploration weight α: higher tries uncertain arms longer.
    public var alpha: Double
    /// Share of choices made uniformly at random.
    public var minimumExploration: Double

    public init(alpha: Double = 1, minimumExploration: Double = 0.05) {
        self.alpha = alpha
        self.minimumExploration = minimumExploration
    }

    /// One arm's model: A⁻¹ (kept directly, updated by Sherman–Morrison in O(d²)) and b.
    public struct Arm: Sendable, Equatable, Codable {
        public private(set) var inverse: [Double]
        public private(set) var b: [Double]
        public var dimension: Int { b.count }

        /// A fresh arm over `dimension` features (A = I: a ridge prior).
        public init(dimension: Int) {
            inverse = [Double](repeating: 0, count: dimension * dimension)
            for i in 0..<dimension { inverse[i * dimension + i] = 1 }
            b = [Double](repeating: 0, count: dimension)
        }

        /// θ̂ = A⁻¹ b.
        public var theta: [Double] { multiply(b) }

        /// The estimate θ̂ᵀx and its width √(xᵀA⁻¹x) for `x`.
        public func estimate(_ x: [Double]) -> (mean: Double, width: Double) {
            let ax = multiply(x)
            let theta = self.theta
            var mean = 0.0
            var quadratic = 0.0
            for i in 0..<dimension {
                mean += theta[i] * x[i]
                quadratic += x[i] * ax[i]
            }
            return (mean, max(quadratic, 0).squareRoot())
        }

        /// Learns `reward` for context `x`: A += xxᵀ, b += reward · x.
        public mutating func update(_ x: [Double], reward: Double) {
            precondition(x.count == dimension, "context of \(x.count) features for an arm of \(dimension)")
            let ax = multiply(x)
            var denominator = 1.0
            for i in 0..<dimension { denominator += x[i] * ax[i] }
            for row in 0..<dimension {
                for column in 0..<dimension {
                    inverse[row * dimension + column] -= ax[row] * ax[column] / denominator
                }
            }
            for i in 0..<dimension { b[i] += reward * x[i] }
        }

        private func multiply(_ x: [Double]) -> [Double] {
            var result = [Double](repeating: 0, count: dimension)
            for row in 0..<dimension {
                var sum = 0.0
                for column in 0..<dimension { sum += inverse[row * dimension + column] * x[column] }
                result[row] = sum
            }
            return result
        }
    }

    /// The index of the arm to show in context `x`, or nil when there are no arms.
    public func choose(_ arms: [Arm], context x: [Double], using random: inout some RandomNumberGenerator) -> Int? {
        guard !arms.isEmpty else { return nil }
        if Double.random(in: 0..<1, using: &random) < minimumExploration {
            return Int.random(in: 0..<arms.count, using: &random)
        }
        var best = 0
        var bestScore = -Double.infinity
        for (index, arm) in arms.enumerated() {
            let estimate = arm.estimate(x)
            let score = estimate.mean + alpha * estimate.width
            if score > bestScore {
                best = index
                bestScore = score
            }
        }
        return best
    }
}
