import Foundation

/// The JSON shape of a review: `POST /v1/items/{id}/reviews`, rows of `POST /v1/reviews:batch`
/// (which name their `item_id`) and responses (which add the analysis). Only `text` is required
/// on input; unknown fields are rejected.
public struct ReviewBody: Codable, Sendable, Equatable {
    public var id: String?
    public var itemID: String?
    public var userID: String?
    public var rating: Int?
    public var text: String?
    public var language: String?
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?
    public var analysis: ReviewAnalysisBody?
    /// Whether a request carried `analysis` (which only Aisle may set), even a malformed one.
    var analysisSent = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case itemID = "item_id"
        case userID = "user_id"
        case rating, text, language
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case analysis
    }

    /// Longest review text accepted, in UTF-8 bytes.
    public static let maxTextBytes = 20_000

    public init(
        id: String? = nil,
        itemID: String? = nil,
        userID: String? = nil,
        rating: Int? = nil,
        text: String? = nil,
        language: String? = nil,
        createdAt: TimestampBody? = nil,
        updatedAt: TimestampBody? = nil,
        analysis: ReviewAnalysisBody? = nil
    ) {
        self.id = id
        self.itemID = itemID
        self.userID = userID
        self.rating = rating
        self.text = text
        self.language = language
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.analysis = analysis
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        itemID = try container.decodeIfPresent(String.self, forKey: .itemID)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        rating = try container.decodeIfPresent(Int.self, forKey: .rating)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        createdAt = try container.decodeIfPresent(TimestampBody.self, forKey: .createdAt)
        updatedAt = try container.decodeIfPresent(TimestampBody.self, forKey: .updatedAt)
        // Read leniently: a request that sends any analysis is refused by `validated` with
        // one clear message, not with the first field its made-up analysis lacks.
        analysisSent = container.contains(.analysis)
        analysis = try? container.decodeIfPresent(ReviewAnalysisBody.self, forKey: .analysis)
    }

    /// The response shape of a stored review.
    public init(_ review: Review) {
        self.init(
            id: review.id.rawValue,
            itemID: review.itemID.rawValue,
            userID: review.userID?.rawValue,
            rating: review.rating,
            text: review.text,
            language: review.analysis.language.rawValue,
            createdAt: review.createdAt.map(TimestampBody.init),
            updatedAt: review.updatedAt.map(TimestampBody.init),
            analysis: ReviewAnalysisBody(review.analysis)
        )
    }

    /// Checks every field. `pathItemID` is the item from the URL, which a body `item_id` must
    /// match; batch rows must name their item. Without an `id`, the review's id is derived from
    /// its item, user and text, so a retried POST stores the review once.
    public func validated(pathItemID: String? = nil) throws(AisleError) -> ReviewSubmission {
        let rawItemID: String
        switch (pathItemID, itemID) {
        case (let path?, let body?) where !path.utf8.elementsEqual(body.utf8):
            throw .invalid(
                "item_id",
                "the body's item_id \"\(body.prefix(64))\" differs from the URL's \"\(path.prefix(64))\""
            )
        case (let path?, _): rawItemID = path
        case (nil, let body?): rawItemID = body
        case (nil, nil): throw .invalid("item_id", "\"item_id\" is required")
        }
        let item = try ItemID(validating: rawItemID, field: "item_id")
        let user = try userID.map { (raw) throws(AisleError) in try UserID(validating: raw, field: "user_id") }
        guard let text else { throw .invalid("text", "\"text\" is required") }
        let checkedText = try Validate.text(text, field: "text", maxBytes: Self.maxTextBytes)
        if let rating, !(1...5).contains(rating) {
            throw .invalid("rating", "rating is a whole number of stars from 1 to 5, got \(rating)")
        }
        let declared: TextLanguage? = try language.map { (code) throws(AisleError) in
            guard let known = TextLanguage(rawValue: code.lowercased()) else {
                throw .invalid(
                    "language",
                    "language is \"en\", \"zh\" or \"und\" (or leave it out to detect it), got \"\(code.prefix(16))\""
                )
            }
            return known
        }
        if updatedAt != nil { throw .invalid("updated_at", "updated_at is set by Aisle and cannot be sent") }
        if analysis != nil || analysisSent {
            throw .invalid("analysis", "analysis is made by Aisle and cannot be sent")
        }
        let reviewID =
            try id.map { (raw) throws(AisleError) in try ReviewID(validating: raw, field: "id") }
            ?? Self.derivedID(item: item, user: user, text: checkedText)
        return ReviewSubmission(
            id: reviewID,
            itemID: item,
            userID: user,
            rating: rating,
            text: checkedText,
            language: declared,
            createdAt: createdAt?.timestamp
        )
    }

    /// "r-" and FNV-1a (64-bit, hex) of item, user and text, each followed by a zero byte.
    static func derivedID(item: ItemID, user: UserID?, text: String) -> ReviewID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in [item.rawValue, user?.rawValue ?? "", text] {
            for byte in part.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return ReviewID("r-" + String(repeating: "0", count: 16 - hex.count) + hex)
    }
}

extension ReviewBody: BatchElement {
    public static var batchKey: String { "reviews" }
}

/// A score on the wire: three decimals, so 0.1400000006 reads 0.14.
func wireScore(_ value: Float) -> Double {
    (Double(value) * 1000).rounded() / 1000
}

/// The analysis of one review, as responses carry it.
public struct ReviewAnalysisBody: Codable, Sendable, Equatable {
    public struct AspectBody: Codable, Sendable, Equatable {
        public var aspect: String
        public var polarity: String
        public var score: Double
        public var span: String
    }

    public var language: String
    public var polarity: String
    public var score: Double
    public var intensity: String
    public var aspects: [AspectBody]

    public init(_ analysis: ReviewAnalysis) {
        language = analysis.language.rawValue
        polarity = analysis.polarity.rawValue
        score = wireScore(analysis.score)
        intensity = analysis.intensity.rawValue
        aspects = analysis.aspects.map {
            AspectBody(
                aspect: $0.aspect.rawValue,
                polarity: $0.polarity.rawValue,
                score: wireScore($0.score),
                span: $0.span
            )
        }
    }
}

/// `GET /v1/items/{id}/review-summary`.
public struct ReviewSummaryBody: Codable, Sendable, Equatable {
    public struct RatingsBody: Codable, Sendable, Equatable {
        /// Reviews with a rating.
        public var count: Int
        /// Mean stars, nil without ratings.
        public var average: Double?
        /// "1" … "5" → reviews.
        public var distribution: [String: Int]
    }

    public struct AspectBody: Codable, Sendable, Equatable {
        public var aspect: String
        public var count: Int
        public var mentions: Int
        public var snippet: String
        public var reviewID: String

        enum CodingKeys: String, CodingKey {
            case aspect, count, mentions, snippet
            case reviewID = "review_id"
        }
    }

    public struct TrendBody: Codable, Sendable, Equatable {
        public var start: TimestampBody
        public var count: Int
        public var averageScore: Double

        enum CodingKeys: String, CodingKey {
            case start, count
            case averageScore = "average_score"
        }
    }

    public var itemID: String
    public var reviewCount: Int
    public var averageScore: Double
    /// positive / negative / neutral / mixed → reviews (reviews of polarity `unknown` are left out).
    public var polarity: [String: Int]
    public var ratings: RatingsBody
    public var pros: [AspectBody]
    public var cons: [AspectBody]
    public var trendPeriod: String
    public var trend: [TrendBody]

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case reviewCount = "review_count"
        case averageScore = "average_score"
        case polarity, ratings, pros, cons
        case trendPeriod = "trend_period"
        case trend
    }

    public init(_ summary: ReviewSummary) {
        itemID = summary.itemID.rawValue
        reviewCount = summary.count
        averageScore = wireScore(summary.meanScore)
        polarity = Dictionary(
            uniqueKeysWithValues: ReviewAnalysis.Polarity.allCases.filter(\.isClaim).map {
                ($0.rawValue, summary.polarityCounts[$0] ?? 0)
            }
        )
        let rated = summary.ratingCounts.values.reduce(0, +)
        let stars = summary.ratingCounts.reduce(0) { $0 + $1.key * $1.value }
        ratings = RatingsBody(
            count: rated,
            average: rated > 0 ? (Double(stars) / Double(rated) * 100).rounded() / 100 : nil,
            distribution: Dictionary(uniqueKeysWithValues: (1...5).map { (String($0), summary.ratingCounts[$0] ?? 0) })
        )
        func body(_ tally: ReviewSummary.AspectTally) -> AspectBody {
            AspectBody(
                aspect: tally.aspect.rawValue,
                count: tally.count,
                mentions: tally.mentions,
                snippet: tally.snippet,
                reviewID: tally.reviewID.rawValue
            )
        }
        pros = summary.pros.map(body)
        cons = summary.cons.map(body)
        trendPeriod = summary.period.rawValue
        trend = summary.trend.map {
            TrendBody(start: TimestampBody($0.start), count: $0.count, averageScore: wireScore($0.meanScore))
        }
    }
}

/// `GET /v1/reviews/overview`: every item's newest reviews summarised together, and the items
/// reviewed worst.
public struct ReviewOverviewBody: Codable, Sendable, Equatable {
    public struct ItemSentimentBody: Codable, Sendable, Equatable {
        public var itemID: String
        public var reviewCount: Int
        public var averageScore: Double

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case reviewCount = "review_count"
            case averageScore = "average_score"
        }

        public init(itemID: String, reviewCount: Int, averageScore: Double) {
            self.itemID = itemID
            self.reviewCount = reviewCount
            self.averageScore = averageScore
        }
    }

    /// How many of the newest reviews the summary read (at most 20,000).
    public var reviewsRead: Int
    /// As an item's summary, over all items (`item_id` is `*`): `cons` are the aspects
    /// criticised most, `trend` the mean score per period.
    public var summary: ReviewSummaryBody
    /// Items with 3 or more reviews, lowest mean score first.
    public var worstItems: [ItemSentimentBody]

    enum CodingKeys: String, CodingKey {
        case reviewsRead = "reviews_read"
        case summary
        case worstItems = "worst_items"
    }

    public init(reviewsRead: Int, summary: ReviewSummaryBody, worstItems: [ItemSentimentBody]) {
        self.reviewsRead = reviewsRead
        self.summary = summary
        self.worstItems = worstItems
    }
}
