extension ReviewAnalyzer {
    /// The numbers that turn clause scores and the classifiers into an overall polarity.
    /// Calibrated on the shopping reviews' train and validation parts, one category held out at a
    /// time (docs/REVIEWS.md), never on the test part or on the out-of-domain hotel reviews.
    public struct Calibration: Sendable, Equatable {
        /// The lexicon's share of the overall score when both the lexicon and the classifier
        /// have something to say; the classifier has the rest.
        public var lexiconWeight: Float
        /// The lexicon's share for a review it knows every word of; between the two, it grows
        /// with the share it knows (`Reading.coverage`).
        public var coveredLexiconWeight: Float
        /// Overall scores below this size, in a review with a clearly positive and a clearly
        /// negative clause, are too close to call: mixed.
        public var undecided: Float
        /// Overall scores below this size, in a review without such opposed clauses, are neutral.
        /// Narrower than `undecided`: a review that leans one way without a contrary clause is
        /// read by its lean (a wide neutral band cost 1.3 points out of domain).
        public var neutral: Float
        /// The embedding head's share of the classifier's part when the review's vector is
        /// there; the n-gram classifier has the rest.
        public var embeddingWeight: Float

        /// A calibration; `neutral` is `undecided` unless given.
        public init(
            lexiconWeight: Float,
            coveredLexiconWeight: Float,
            undecided: Float,
            neutral: Float? = nil,
            embeddingWeight: Float = Calibration.shipped.embeddingWeight
        ) {
            self.lexiconWeight = lexiconWeight
            self.coveredLexiconWeight = coveredLexiconWeight
            self.undecided = undecided
            self.neutral = neutral ?? undecided
            self.embeddingWeight = embeddingWeight
        }

        /// The calibration Aisle ships with.
        public static let shipped = Calibration(
            lexiconWeight: 0.1,
            coveredLexiconWeight: 0.8,
            undecided: 0.1,
            neutral: 0.02,
            embeddingWeight: 0.6
        )
    }
}
