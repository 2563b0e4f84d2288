/// When an item found by meaning alone (no word of the query matched it) counts as a match, per
/// text model: each model spreads similarities differently (MiniLM puts unrelated product
/// titles at 0.1–0.35), so the bars are measured for each, not guessed.
///
/// Measured with `aisle-bench search-judged --calibrate` and `scripts/search_judged.py
/// calibrate` (docs/SEARCH.md, "How the meaning-only bars were calibrated"): on a validation catalog
/// (`aisle synth --seed 7 --items 5000`, not the judged set's 20,000 items), over the held-in
/// (odd) judged queries in the model's languages, the pair (threshold, margin) whose kept items
/// best separate the ones the judgments call relevant from the rest (highest F1).
public enum SemanticCalibration {
    public struct Bars: Sendable, Equatable {
        /// The similarity a meaning-only match needs at least.
        public var threshold: Float
        /// How far below the query's nearest item a meaning-only match may be: far below the
        /// best, an item is padding even when its similarity clears the threshold (`jacket`
        /// finds jackets at 0.70 and boots at 0.37).
        public var margin: Float
        /// Whether the model reads Chinese, Japanese and Korean: an English model's
        /// similarities for them are noise (MiniLM: 0.5–0.6 for unrelated items), so their
        /// queries get no meaning-only matches.
        public var readsCJK: Bool
        /// The similarity the semantic part of hybrid relevance maps to 0 (e5 puts unrelated
        /// titles at 0.75, where MiniLM puts them at 0.1–0.35), and that part's weight.
        public var floor: Float = 0.2
        public var weight: Float = 0.15
        public var centering: LanguageCentering? = nil
        /// The threshold for an item in another script than the query (nil: `threshold`).
        public var crossScriptThreshold: Float? = nil
    }

    /// Bars by model name (the model folder's name, `TextEncoder.name`).
    public static let bars: [String: Bars] = [
        "all-MiniLM-L6-v2": Bars(threshold: 0.27, margin: 0.15, readsCJK: false),
        "multilingual-e5-small": Bars(
            threshold: 0.34,
            margin: 0.1,
            readsCJK: true,
            floor: 0.2,
            weight: 0.5,
            centering: .multilingualE5,
            crossScriptThreshold: 0.25
        ),
    ]

    /// The bars for `model`; a model not measured yet gets MiniLM's, and reads every script.
    public static func bars(forModel model: String) -> Bars {
        if let known = bars[model] { return known }
        let tuning = SearchTuning()
        return Bars(threshold: tuning.semanticThreshold, margin: tuning.semanticMargin, readsCJK: true)
    }
}

extension SearchTuning {
    /// These tunings with `model`'s calibrated bars for meaning-only matches.
    public mutating func calibrate(forModel model: String) {
        let bars = SemanticCalibration.bars(forModel: model)
        semanticThreshold = bars.threshold
        semanticMargin = bars.margin
        semanticReadsCJK = bars.readsCJK
        semanticFloor = bars.floor
        semanticWeight = bars.weight
        languageCentering = bars.centering
        crossScriptThreshold = bars.crossScriptThreshold
    }
}
