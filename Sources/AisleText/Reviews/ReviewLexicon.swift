import AisleCore

/// The words the analyser reads, per language: aspect cues, sentiment words with a strength,
/// intensifiers (with their factor), negations and contrast words. Small and explicit on purpose:
/// every entry is reviewable, and the statistical classifier covers what the lexicon misses.
struct ReviewLexicon: Sendable {
    /// Aspect cue words; `generic` ones count only when no specific cue is in the clause.
    let aspects: [(word: String, aspect: Aspect, generic: Bool)]
    /// Sentiment words and their polarity strength in [-1, 1].
    let sentiment: [String: Float]
    /// Degree words and how much they scale the next sentiment word.
    let intensifiers: [String: Float]
    let negations: Set<String>
    let contrasts: [String]
    /// Words read as one token and scored as nothing, so that the longest-match reader of
    /// Chinese does not find a sentiment word inside them.
    let blockers: Set<String>
    /// Every entry, for the longest-match reader of Chinese text.
    let vocabulary: Set<String>

    init(
        aspects: [(word: String, aspect: Aspect, generic: Bool)],
        sentiment: [String: Float],
        intensifiers: [String: Float],
        negations: Set<String>,
        contrasts: [String],
        blockers: Set<String> = []
    ) {
        self.aspects = aspects
        self.sentiment = sentiment
        self.intensifiers = intensifiers
        self.negations = negations
        self.contrasts = contrasts
        self.blockers = blockers
        vocabulary = Set(sentiment.keys).union(intensifiers.keys).union(negations).union(aspects.map(\.word))
            .union(blockers)
    }
}
