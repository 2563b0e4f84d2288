public import AisleCore

/// How often the full analysis names a labelled review's polarity: positive for label 1,
/// negative for label 0. Mixed, neutral and unknown count as wrong, since every row of the
/// datasets is clearly labelled; their shares are reported so that a calibration that hides
/// its misses in them shows.
public struct PolarityScores: Sendable, Equatable {
    /// Share of reviews whose polarity matches the label.
    public let accuracy: Double
    /// Share of reviews called mixed, neutral, and unknown.
    public let mixed: Double
    public let neutral: Double
    public let unknown: Double
    /// Share whose overall score has the label's sign (≥ 0 positive): the binary figure.
    public let signAccuracy: Double
    /// Macro-F1 of the same sign predictions (the classifier's figure in train-sentiment).
    public let signMacroF1: Double
    /// Reviews scored.
    public let count: Int

    /// Scores `analyses` against `labels` (1 positive, 0 negative).
    public init(_ analyses: [ReviewAnalysis], labels: [Int]) {
        precondition(analyses.count == labels.count)
        var right = 0
        var signRight = 0
        var counts: [ReviewAnalysis.Polarity: Int] = [:]
        for (analysis, label) in zip(analyses, labels) {
            counts[analysis.polarity, default: 0] += 1
            if (analysis.polarity == .positive && label == 1) || (analysis.polarity == .negative && label == 0) {
                right += 1
            }
            if (analysis.score >= 0 ? 1 : 0) == label { signRight += 1 }
        }
        let total = Double(max(1, labels.count))
        count = labels.count
        accuracy = Double(right) / total
        mixed = Double(counts[.mixed] ?? 0) / total
        neutral = Double(counts[.neutral] ?? 0) / total
        unknown = Double(counts[.unknown] ?? 0) / total
        signAccuracy = Double(signRight) / total
        signMacroF1 = BinaryScores(predictions: analyses.map { $0.score >= 0 ? 1 : 0 }, labels: labels).macroF1
    }
}
