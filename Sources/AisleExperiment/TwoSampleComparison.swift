import Foundation

/// One arm of a comparison: users, the metric's mean over them, and its per-user variance (so
/// the mean's variance is `variance / count`). From `Moments.summary`, CUPED or a ratio metric.
public struct Summary: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var variance: Double

    public init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }
}

/// A point estimate with its two-sided interval.
public struct Estimate: Sendable, Equatable {
    public var value: Double
    public var low: Double
    public var high: Double

    public init(value: Double, low: Double, high: Double) {
        self.value = value
        self.low = low
        self.high = high
    }
}

/// A treatment against its baseline on one metric, every statistic docs/EXPERIMENTS.md
/// describes: frequentist (Welch), Bayesian (normal posterior, flat prior) and sequential
/// (an always-valid confidence sequence, safe to read at every peek).
public struct TwoSampleComparison: Sendable, Equatable {
    /// treatment mean − baseline mean, with Welch's t interval.
    public var absoluteDifference: Estimate
    /// treatment mean / baseline mean − 1, with a delta-method (normal) interval; nil when the
    /// baseline mean is 0.
    public var relativeLift: Estimate?
    /// Welch's two-sided p-value for "no difference".
    public var pValue: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// The standard error of the difference.
    public var standardError: Double
    /// Posterior probability that the treatment's mean is higher.
    public var chanceToBeat: Double
    /// Expected loss of shipping the treatment, E[max(baseline − treatment, 0)], in the
    /// metric's units: what choosing it costs if it is in fact worse.
    public var expectedLoss: Double
    /// The always-valid interval for the absolute difference at this sample size.
    public var sequentialInterval: Estimate

    /// Compares `treatment` with `baseline` at `confidence` (0.95: 95% intervals). `sequentialTuning` is the total sample size (both arms) at which the
    /// sequential interval is narrowest (GrowthBook's default, 5,000).
    public init(
        treatment: Summary,
        baseline: Summary,
        confidence: Double = 0.95,
        sequentialTuning: Double = 5_000
    ) {
        let nT = Double(treatment.count)
        let nB = Double(baseline.count)
        let varianceT = treatment.variance / max(nT, 1)
        let varianceB = baseline.variance / max(nB, 1)
        let difference = treatment.mean - baseline.mean
        let standardError = (varianceT + varianceB).squareRoot()
        let alpha = 1 - confidence
        // Welch–Satterthwaite; with no variance at all the test is degenerate (df → ∞).
        let denominator =
            varianceT * varianceT / max(nT - 1, 1) + varianceB * varianceB / max(nB - 1, 1)
        let df = denominator > 0 ? (varianceT + varianceB) * (varianceT + varianceB) / denominator : .infinity
        self.degreesOfFreedom = df
        self.standardError = standardError

        if standardError > 0 {
            let t = difference / standardError
            let critical = Distributions.studentTQuantile(1 - alpha / 2, degreesOfFreedom: df)
            absoluteDifference = Estimate(
                value: difference,
                low: difference - critical * standardError,
                high: difference + critical * standardError
            )
            pValue = min(1, 2 * Distributions.studentTCDF(-abs(t), degreesOfFreedom: df))
            let z = difference / standardError
            chanceToBeat = Distributions.normalCDF(z)
            expectedLoss = standardError * Distributions.normalPDF(z) - difference * Distributions.normalCDF(-z)
        } else {
            absoluteDifference = Estimate(value: difference, low: difference, high: difference)
            pValue = difference == 0 ? 1 : 0
            chanceToBeat = difference > 0 ? 1 : difference < 0 ? 0 : 0.5
            expectedLoss = max(-difference, 0)
        }

        let z = Distributions.normalQuantile(1 - alpha / 2)
        if baseline.mean != 0 {
            // Var(mT / mB) by the delta method, the two arms independent.
            let meanB = baseline.mean
            let meanT = treatment.mean
            let variance = varianceT / (meanB * meanB) + meanT * meanT * varianceB / (meanB * meanB * meanB * meanB)
            let lift = meanT / meanB - 1
            let half = z * variance.squareRoot()
            relativeLift = Estimate(value: lift, low: lift - half, high: lift + half)
        } else {
            relativeLift = nil
        }

        let half = Self.sequentialHalfWidth(
            varianceOfEstimate: standardError * standardError,
            total: nT + nB,
            tuning: sequentialTuning,
            alpha: alpha
        )
        sequentialInterval = Estimate(value: difference, low: difference - half, high: difference + half)
    }

    /// The half-width of the asymptotic confidence sequence (Waudby-Smith et al., 2021, as in
    /// GrowthBook's and Eppo's engines): with s² = N · Var(estimate),
    /// half = √s² · √(2(Nρ² + 1) / (N²ρ²) · ln(√(Nρ² + 1) / α)), where
    /// ρ² = (−2 ln α + ln(−2 ln α + 1)) / tuning makes it tightest at N = tuning.
    public static func sequentialHalfWidth(
        varianceOfEstimate: Double,
        total: Double,
        tuning: Double,
        alpha: Double
    ) -> Double {
        guard total > 0, varianceOfEstimate > 0 else { return 0 }
        let rhoSquared = (-2 * log(alpha) + log(-2 * log(alpha) + 1)) / tuning
        let s2 = varianceOfEstimate * total
        let a = total * rhoSquared + 1
        return s2.squareRoot() * (2 * a / (total * total * rhoSquared) * log(a.squareRoot() / alpha)).squareRoot()
    }
}
