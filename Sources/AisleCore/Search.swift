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

/// A shopper as the query log counts them: a stable 64-bit digest (FNV-1a) of their user or
/// device id, never the id itself, so the log can tell shoppers apart without holding who they
/// are. A user and a device are different shoppers even when linked.
public struct ShopperDigest: Sendable, Hashable {
    /// The digest as SQLite stores an integer.
    public var rawValue: Int64

    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    public init(user: UserID) {
        self.init(kind: "user", id: user.rawValue)
    }

    public init(device: DeviceID) {
        self.init(kind: "device", id: device.rawValue)
    }

    private init(kind: String, id: String) {
        // FNV-1a: stable across processes and builds (Swift's Hasher is seeded per process).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array(kind.utf8) + [0] + Array(id.utf8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        rawValue = Int64(bitPattern: hash)
    }
}

/// One distinct shopper whose search for a (normalised) query found something: what makes a
/// query a suggestion once enough shoppers made it.
public struct SearchQueryShopper: Sendable, Hashable {
    public var query: String
    public var shopper: ShopperDigest

    public init(query: String, shopper: ShopperDigest) {
        self.query = query
        self.shopper = shopper
    }
}

/// Query-log changes for the store to add up: search counts, clicks after searches, and the
/// shoppers newly seen for a query.
public struct SearchActivity: Sendable, Equatable {
    public var queries: [SearchQueryStats]
    public var clicks: [SearchClickCount]
    public var shoppers: [SearchQueryShopper]

    public init(queries: [SearchQueryStats] = [], clicks: [SearchClickCount] = [], shoppers: [SearchQueryShopper] = [])
    {
        self.queries = queries
        self.clicks = clicks
        self.shoppers = shoppers
    }

    /// Nothing to store.
    public var isEmpty: Bool { queries.isEmpty && clicks.isEmpty && shoppers.isEmpty }
}
