extension ReviewAnalyzer {
    /// The two numbers that turn clause scores and the classifier into an overall polarity.
    /// Calibrated on a validation part of the shopping reviews (docs/REVIEWS.md), never on the
    /// test part or on the out-of-domain hotel reviews.
    public struct Calibration: Sendable, Equatable {
        /// The lexicon's share of the overall score when both the lexicon and the classifier
        /// have something to say; the classifier has the rest.
        public var lexiconWeight: Float
        /// The lexicon's share for a review it knows every word of; between the two, it grows
        /// with the share it knows (`Reading.coverage`).
        public var coveredLexiconWeight: Float
        /// Overall scores below this size are too close to call: mixed when the review has a
        /// clearly positive and a clearly negative clause, else neutral.
        public var undecided: Float
        /// The embedding head's share of the classifier's part when the review's vector is
        /// there; the n-gram classifier has the rest.
        public var embeddingWeight: Float

        /// A calibration.
        public init(lexiconWeight: Float, coveredLexiconWeight: Float, undecided: Float, embeddingWeight: Float = 0.5) {
            self.lexiconWeight = lexiconWeight
            self.coveredLexiconWeight = coveredLexiconWeight
            self.undecided = undecided
            self.embeddingWeight = embeddingWeight
        }

        /// The calibration Aisle ships with.
        public static let shipped = Calibration(
            lexiconWeight: 0.3,
            coveredLexiconWeight: 0.8,
            undecided: 0.1,
            embeddingWeight: 0.5
        )
    }
}
