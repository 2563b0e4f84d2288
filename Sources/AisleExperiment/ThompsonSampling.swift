import Foundation

/// What an arm has earned so far: pulls, and the sum and sum of squares of its rewards.
/// Binary rewards (a click, a purchase) are 0 or 1; continuous ones (revenue) any value.
public struct ArmRecord: Sendable, Equatable, Codable {
    public var pulls = 0
    public var rewards = 0
    public var sum = 0.0
    public var sumOfSquares = 0.0

    public init() {}

    /// Counts a choice of the arm.
    public mutating func pull() { pulls += 1 }

    /// Counts a reward (a conversion of 1, or a revenue).
    public mutating func reward(_ value: Double) {
        rewards += 1
        sum += value
        sumOfSquares += value * value
    }
}

/// The kind of reward a bandit learns from.
public enum RewardKind: String, Sendable, Codable {
    /// 0 or 1 per pull: Beta–Bernoulli posteriors.
    case binary
    /// Any value per pull (revenue): normal posteriors.
    case continuous
}

/// Thompson sampling (Thompson, 1933; Chapelle and Li, 2011): each choice draws a plausible
/// mean for every arm from its posterior and takes the highest, so arms are tried as often as
/// they might be best. A floor of `minimumExploration` keeps every arm drawing some traffic,
/// so a change in the world (a campaign that stops working) is noticed.
public struct ThompsonSampling: Sendable {
    public var kind: RewardKind
    /// Share of choices made uniformly at random (0.05: 5%).
    public var minimumExploration: Double

    public init(kind: RewardKind, minimumExploration: Double = 0.05) {
        self.kind = kind
        self.minimumExploration = minimumExploration
    }

    /// The index of the arm to show, or nil when there are no arms.
    public func choose(_ arms: [ArmRecord], using random: inout some RandomNumberGenerator) -> Int? {
        guard !arms.isEmpty else { return nil }
        if Double.random(in: 0..<1, using: &random) < minimumExploration {
            return Int.random(in: 0..<arms.count, using: &random)
        }
        var best = 0
        var bestDraw = -Double.infinity
        for (index, arm) in arms.enumerated() {
            let draw = sample(arm, using: &random)
            if draw > bestDraw {
                best = index
                bestDraw = draw
            }
        }
        return best
    }

    /// One draw from the arm's posterior mean reward.
    public func sample(_ arm: ArmRecord, using random: inout some RandomNumberGenerator) -> Double {
        switch kind {
        case .binary:
            // Beta(1 + successes, 1 + failures): a uniform prior.
            let successes = min(arm.sum, Double(arm.pulls))
            return RandomDraws.beta(1 + successes, 1 + Double(arm.pulls) - successes, using: &random)
        case .continuous:
            let posterior = normalPosterior(arm)
            return posterior.mean + posterior.deviation * RandomDraws.normal(using: &random)
        }
    }

    /// The posterior mean and a central interval of probability `mass` (0.95) for the arm's
    /// mean reward.
    public func posterior(_ arm: ArmRecord, mass: Double = 0.95) -> Estimate {
        switch kind {
        case .binary:
            let successes = min(arm.sum, Double(arm.pulls))
            let a = 1 + successes
            let b = 1 + Double(arm.pulls) - successes
            return Estimate(
                value: a / (a + b),
                low: Distributions.betaQuantile((1 - mass) / 2, a: a, b: b),
                high: Distributions.betaQuantile((1 + mass) / 2, a: a, b: b)
            )
        case .continuous:
            let posterior = normalPosterior(arm)
            let z = Distributions.normalQuantile((1 + mass) / 2)
            return Estimate(
                value: posterior.mean,
                low: posterior.mean - z * posterior.deviation,
                high: posterior.mean + z * posterior.deviation
            )
        }
    }

    /// The mean reward per pull with the standard error of that mean; an arm with under two
    /// pulls gets a wide prior (mean 0, deviation 1 + its one value) so it gets tried.
    private func normalPosterior(_ arm: ArmRecord) -> (mean: Double, deviation: Double) {
        let n = Double(arm.pulls)
        guard arm.pulls >= 2 else { return (arm.sum / max(n, 1), 1 + abs(arm.sum)) }
        let mean = arm.sum / n
        let variance = max(0, (arm.sumOfSquares - n * mean * mean) / (n - 1))
        return (mean, (variance / n).squareRoot())
    }
}

/// Random draws from the distributions the bandits sample.
public enum RandomDraws {
    /// A standard normal draw (Box–Muller).
    public static func normal(using random: inout some RandomNumberGenerator) -> Double {
        let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
        let v = Double.random(in: 0..<1, using: &random)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A Gamma(shape, 1) draw (Marsaglia and Tsang, 2000); shapes below 1 by the boost
    /// Gamma(a) = Gamma(a + 1) · U^(1/a).
    public static func gamma(_ shape: Double, using random: inout some RandomNumberGenerator) -> Double {
        if shape < 1 {
            let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            return gamma(shape + 1, using: &random) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal(using: &random)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &random)
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Beta(a, b) draw.
    public static func beta(_ a: Double, _ b: Double, using random: inout some RandomNumberGenerator) -> Double {
        let x = gamma(a, using: &random)
        let y = gamma(b, using: &random)
        return x / (x + y)
    }
}

extension Distributions {
    /// The x with I_x(a, b) = `p`: the Beta(a, b) quantile, by bisection (50 halvings of
    /// [0, 1] reach 1e-15).
    public static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        var low = 0.0
        var high = 1.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if regularizedIncompleteBeta(middle, a: a, b: b) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
