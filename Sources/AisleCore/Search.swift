/// How often shoppers searched for one query and how often it found nothing.
public struct SearchQueryStats: Sendable, Equatable {
    /// The query as normalised for counting (folded, single spaces).
    public var query: String
    public var searches: Int
    public var zeroResults: Int
    public var lastSearchedAt: Timestamp

    public init(query: String, searches: Int, zeroResults: Int, lastSearchedAt: Timestamp) {
        self.query = query
        self.searches = searches
        self.zeroResults = zeroResults
        self.lastSearchedAt = lastSearchedAt
    }
}

/// Clicks on one item after one (normalised) query.
public struct SearchClickCount: Sendable, Equatable {
    public var query: String
    public var itemID: ItemID
    public var clicks: Int

    public init(query: String, itemID: ItemID, clicks: Int) {
        self.query = query
        self.itemID = itemID
        self.clicks = clicks
    }
}

/// A synonym rule: two-way (every word finds the others) or one-way (`from` finds `to`, not back).
public struct SynonymRule: Sendable, Equatable, Codable {
    /// Two-way: the words of one meaning.
    public var synonyms: [String]?
    /// One-way: the word typed.
    public var from: String?
    /// One-way: the words it also finds.
    public var to: [String]?

    public init(synonyms: [String]) {
        self.synonyms = synonyms
    }

    public init(from: String, to: [String]) {
        self.from = from
        self.to = to
    }
}
