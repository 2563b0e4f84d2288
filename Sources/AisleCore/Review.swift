/// A review's language. Aisle analyses English and Chinese; `und` (BCP 47 "undetermined") is any
/// other (French, Japanese, Russian …), whose reviews are stored without a sentiment claim.
public enum TextLanguage: String, Sendable, Codable, CaseIterable {
    case en, zh, und
}

/// The aspects reviews are summarised by: a fixed, documented taxonomy (docs/REVIEWS.md).
public enum Aspect: String, Sendable, Codable, CaseIterable {
    case quality
    case price = "price_value"
    case delivery = "delivery_shipping"
    case size = "size_fit"
    case comfort = "comfort_warmth"
    case appearance
    case function = "function_performance"
    case durability
    case packaging
    case service
}

/// What one review says: overall polarity and strength, and the aspects it talks about, each with
/// its own sentiment and the words that carry it. Made by `ReviewAnalyzer` (AisleText).
public struct ReviewAnalysis: Sendable, Equatable, Codable {
    /// Overall direction.
    public enum Polarity: String, Sendable, Codable, CaseIterable {
        case positive, negative, neutral, mixed
        /// No claim: the review is in a language Aisle does not analyse (`und`). Its score is 0,
        /// its intensity weak and it has no aspects, and summaries and the per-item sentiment
        /// leave it out; it is not a neutral review.
        case unknown

        /// Whether this is a sentiment reading (every polarity but `unknown`).
        public var isClaim: Bool { self != .unknown }
    }

    /// How strongly it is said.
    public enum Intensity: String, Sendable, Codable, CaseIterable {
        case weak, medium, strong
    }

    /// One aspect mentioned, with the sentiment of its clause.
    public struct AspectSentiment: Sendable, Equatable, Codable {
        public var aspect: Aspect
        /// positive, negative or neutral.
        public var polarity: Polarity
        /// In [-1, 1].
        public var score: Float
        /// The clause that supports it.
        public var span: String

        public init(aspect: Aspect, polarity: Polarity, score: Float, span: String) {
            self.aspect = aspect
            self.polarity = polarity
            self.score = score
            self.span = span
        }
    }

    public var language: TextLanguage
    public var polarity: Polarity
    /// In [-1, 1].
    public var score: Float
    public var intensity: Intensity
    public var aspects: [AspectSentiment]

    public init(
        language: TextLanguage,
        polarity: Polarity,
        score: Float,
        intensity: Intensity,
        aspects: [AspectSentiment]
    ) {
        self.language = language
        self.polarity = polarity
        self.score = score
        self.intensity = intensity
        self.aspects = aspects
    }
}

/// A review as a client sent it, validated and not yet analysed.
public struct ReviewSubmission: Sendable, Equatable {
    public var id: ReviewID
    public var itemID: ItemID
    public var userID: UserID?
    /// 1 to 5 stars, when the shop has ratings.
    public var rating: Int?
    public var text: String
    /// The language the client declared; detected when nil.
    public var language: TextLanguage?
    /// When it was written; the time of the first write when nil.
    public var createdAt: Timestamp?

    public init(
        id: ReviewID,
        itemID: ItemID,
        userID: UserID? = nil,
        rating: Int? = nil,
        text: String,
        language: TextLanguage? = nil,
        createdAt: Timestamp? = nil
    ) {
        self.id = id
        self.itemID = itemID
        self.userID = userID
        self.rating = rating
        self.text = text
        self.language = language
        self.createdAt = createdAt
    }

    /// The review with its analysis, ready to store.
    public func analysed(_ analysis: ReviewAnalysis) -> Review {
        Review(
            id: id,
            itemID: itemID,
            userID: userID,
            rating: rating,
            text: text,
            analysis: analysis,
            createdAt: createdAt
        )
    }
}

/// A stored review and its analysis.
public struct Review: Sendable, Equatable {
    public var id: ReviewID
    public var itemID: ItemID
    public var userID: UserID?
    public var rating: Int?
    public var text: String
    public var analysis: ReviewAnalysis
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?

    public init(
        id: ReviewID,
        itemID: ItemID,
        userID: UserID? = nil,
        rating: Int? = nil,
        text: String,
        analysis: ReviewAnalysis,
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil
    ) {
        self.id = id
        self.itemID = itemID
        self.userID = userID
        self.rating = rating
        self.text = text
        self.analysis = analysis
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How an item's reviews lean, as an item feature for ranking (`Store.reviewSentiment`).
public struct ReviewSentiment: Sendable, Equatable, Codable {
    /// Reviews of the item.
    public var count: Int
    /// Mean review score, in [-1, 1].
    public var meanScore: Float

    public init(count: Int, meanScore: Float) {
        self.count = count
        self.meanScore = meanScore
    }
}

/// An item's reviews summed up for a product page: counts, the mean score, ratings, the aspects
/// praised and criticised most, and the trend. Built by `ReviewSummary.summarize` (AisleText).
public struct ReviewSummary: Sendable, Equatable {
    /// One aspect's tally in one direction, with the clause that says it best.
    public struct AspectTally: Sendable, Equatable {
        public var aspect: Aspect
        /// Reviews that mention the aspect with this polarity.
        public var count: Int
        /// Reviews that mention the aspect at all.
        public var mentions: Int
        /// A short supporting clause from one of the reviews.
        public var snippet: String
        /// The review the snippet is from.
        public var reviewID: ReviewID

        public init(aspect: Aspect, count: Int, mentions: Int, snippet: String, reviewID: ReviewID) {
            self.aspect = aspect
            self.count = count
            self.mentions = mentions
            self.snippet = snippet
            self.reviewID = reviewID
        }
    }

    /// One period of the trend.
    public struct TrendPoint: Sendable, Equatable {
        /// The period's first instant (UTC).
        public var start: Timestamp
        public var count: Int
        public var meanScore: Float

        public init(start: Timestamp, count: Int, meanScore: Float) {
            self.start = start
            self.count = count
            self.meanScore = meanScore
        }
    }

    /// Trend periods.
    public enum Period: String, Sendable, CaseIterable {
        case week, month
    }

    public var itemID: ItemID
    public var count: Int
    /// Mean review score in [-1, 1]; 0 without reviews.
    public var meanScore: Float
    public var polarityCounts: [ReviewAnalysis.Polarity: Int]
    /// Star ratings 1–5 and how many reviews gave each.
    public var ratingCounts: [Int: Int]
    /// Aspects most often praised, most mentions first.
    public var pros: [AspectTally]
    /// Aspects most often criticised, most mentions first.
    public var cons: [AspectTally]
    public var period: Period
    /// Oldest period first; periods without reviews are left out.
    public var trend: [TrendPoint]

    public init(
        itemID: ItemID,
        count: Int,
        meanScore: Float,
        polarityCounts: [ReviewAnalysis.Polarity: Int],
        ratingCounts: [Int: Int],
        pros: [AspectTally],
        cons: [AspectTally],
        period: Period,
        trend: [TrendPoint]
    ) {
        self.itemID = itemID
        self.count = count
        self.meanScore = meanScore
        self.polarityCounts = polarityCounts
        self.ratingCounts = ratingCounts
        self.pros = pros
        self.cons = cons
        self.period = period
        self.trend = trend
    }
}
