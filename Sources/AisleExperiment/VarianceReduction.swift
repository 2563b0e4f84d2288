/// CUPED (Deng et al., 2013): a metric adjusted by the same users' pre-period value x,
/// y − θ(x − x̄), with θ = Cov(y, x) / Var(x) pooled over every arm so the adjustment is the
/// same for all and the difference stays unbiased. The variance falls by the share of y that
/// x explains (ρ²); with no pre-period signal it is the plain comparison.
public enum CUPED {
    /// θ from every arm's users together; 0 when x does not vary.
    public static func theta(_ arms: [Moments]) -> Double {
        let pooled = arms.reduce(Moments()) { $0.merged(with: $1) }
        return pooled.varianceX > 0 ? pooled.covariance / pooled.varianceX : 0
    }

    /// Each arm's adjusted summary, in the order given.
    public static func adjusted(_ arms: [Moments]) -> [Summary] {
        let theta = theta(arms)
        let pooledMeanX = arms.reduce(Moments()) { $0.merged(with: $1) }.meanX
        return arms.map { arm in
            Summary(
                count: arm.count,
                mean: arm.meanY - theta * (arm.meanX - pooledMeanX),
                variance: max(0, arm.varianceY + theta * theta * arm.varianceX - 2 * theta * arm.covariance)
            )
        }
    }
}

/// A ratio metric (revenue per order, add-to-carts per view) over users: Σy / Σx of an arm's
/// users. Users are the unit, so its variance comes from the delta method (Deng et al., 2018):
/// Var(ȳ/x̄) ≈ (Var y / x̄² − 2 ȳ Cov(y,x) / x̄³ + ȳ² Var x / x̄⁴) / n.
public enum RatioMetric {
    /// The arm's ratio as a summary whose `variance / count` is the delta-method variance;
    /// nil when the denominator's mean is 0 (no user had any).
    public static func summary(_ arm: Moments) -> Summary? {
        let meanX = arm.meanX
        guard meanX != 0, arm.count > 0 else { return nil }
        let meanY = arm.meanY
        let perUser =
            arm.varianceY / (meanX * meanX) - 2 * meanY * arm.covariance / (meanX * meanX * meanX)
            + meanY * meanY * arm.varianceX / (meanX * meanX * meanX * meanX)
        return Summary(count: arm.count, mean: meanY / meanX, variance: max(0, perUser))
    }
}

/// Caps a heavy-tailed metric (revenue) at a percentile of its values, so one whale does not
/// decide an experiment.
public enum Winsorization {
    /// The value at `percentile` (0–100) of `values`, linearly interpolated between the two
    /// nearest ranks (numpy's default); nil for no values.
    public static func cap(_ values: [Double], percentile: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = min(max(percentile, 0), 100) / 100 * Double(sorted.count - 1)
        let below = Int(rank.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = rank - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// `values` with everything above the cap lowered to it.
    public static func winsorized(_ values: [Double], percentile: Double) -> [Double] {
        guard let cap = cap(values, percentile: percentile) else { return values }
        return values.map { min($0, cap) }
    }
}
