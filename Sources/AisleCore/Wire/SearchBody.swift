/// `GET /v1/search`: a page of results.
public struct SearchResultsBody: Codable, Sendable, Equatable {
    public struct Hit: Codable, Sendable, Equatable {
        public var itemID: String
        public var score: Double
        /// The index terms that matched, with `explain=true`.
        public var matches: [String]?

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case score, matches
        }

        public init(itemID: String, score: Double, matches: [String]?) {
            self.itemID = itemID
            self.score = score
            self.matches = matches
        }
    }

    public var data: [Hit]
    /// Matching items after filters, across all pages.
    public var total: Int
    /// Query words read as something else: typo corrections and completions of the last word.
    public var corrections: [String: [String]]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data, total, corrections
        case nextCursor = "next_cursor"
    }

    public init(data: [Hit], total: Int, corrections: [String: [String]], nextCursor: String?) {
        self.data = data
        self.total = total
        self.corrections = corrections
        self.nextCursor = nextCursor
    }
}
