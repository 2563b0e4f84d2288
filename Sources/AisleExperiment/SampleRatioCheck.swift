/// Sample ratio mismatch: whether the users seen per variant fit the configured weights. A
/// mismatch means assignment or logging is broken, and the results cannot be trusted whatever
/// they say. Pearson's chi-square goodness of fit, flagged below p = 0.001 (as GrowthBook).
public enum SampleRatioCheck {
    /// The p-value below which a mismatch is flagged.
    public static let threshold = 0.001

    /// The p-value of the observed `counts` against `weights` (any positive scale); 1 when
    /// there is nothing to test (fewer than two variants or no users).
    public static func pValue(counts: [Int], weights: [Double]) -> Double {
        let total = Double(counts.reduce(0, +))
        let weightSum = weights.reduce(0, +)
        guard counts.count == weights.count, counts.count > 1, total > 0, weightSum > 0 else { return 1 }
        var statistic = 0.0
        var categories = 0
        for (count, weight) in zip(counts, weights) where weight > 0 {
            let expected = total * weight / weightSum
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
            categories += 1
        }
        guard categories > 1 else { return 1 }
        return Distributions.chiSquareSurvival(statistic, degreesOfFreedom: Double(categories - 1))
    }
}

/// Holm's step-down correction (1979): with several treatments against one baseline, the
/// chance that any of them is a false positive stays at α. Uniformly more powerful than
/// Bonferroni.
public enum HolmCorrection {
    /// The adjusted p-values, in the order given.
    public static func adjusted(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
