// A recommendation list as asked and as answered, and the model's report: plain values, here
// so that every layer can name them without importing the recommender (docs/ARCHITECTURE.md).

/// One recommended item.
public struct Recommendation: Sendable, Equatable {
    /// The item id.
    public var itemID: ItemID
    /// The ranking score: higher is better; comparable within one list only.
    public var score: Float
    /// Why the item is here (with `explain`).
    public var reason: Reason?

    /// A recommendation.
    public init(itemID: ItemID, score: Float, reason: Reason? = nil) {
        self.itemID = itemID
        self.score = score
        self.reason = reason
    }
}

/// Why an item was recommended.
public struct Reason: Sendable, Equatable {
    /// The kind of reason.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// People who interacted with the listed items (the shopper's, or the page's) also did with this one.
        case similarToViewed = "similar_to_viewed"
        /// Bought or carted in the same sessions as the listed items.
        case boughtTogether = "bought_together"
        /// Popular in a category the shopper interacts with.
        case popularInCategory = "popular_in_category"
        /// Fits the shopper's taste profile (the factor model).
        case matchesProfile = "matches_profile"
        /// Shares attributes (category, brand, tags, words) with the listed items.
        case similarContent = "similar_content"
        /// Its photo looks like the listed item's (colour, texture, layout).
        case looksSimilar = "looks_similar"
        /// Popular right now.
        case trending = "trending"
    }

    /// The kind.
    public var kind: Kind
    /// The items the reason refers to (the shopper's items it is similar to, the cart items).
    public var itemIDs: [ItemID]
    /// The category, for `popular_in_category` (and `trending` within a category).
    public var category: String?

    /// A reason.
    public init(_ kind: Kind, itemIDs: [ItemID] = [], category: String? = nil) {
        self.kind = kind
        self.itemIDs = itemIDs
        self.category = category
    }
}

/// One page of a ranked list.
public struct RecommendationPage: Sendable, Equatable {
    /// The items on this page, best first.
    public var items: [Recommendation]
    /// The offset of the next page; nil on the last page.
    public var nextOffset: Int?
    /// Set when no trained model could answer and the list came from live counts instead.
    public var fallback: Fallback?

    /// A page.
    public init(items: [Recommendation], nextOffset: Int?, fallback: Fallback? = nil) {
        self.items = items
        self.nextOffset = nextOffset
        self.fallback = fallback
    }

    /// How a list was made without a trained model.
    public enum Fallback: String, Sendable, Equatable {
        /// Items by what shoppers did with them since start (then by content closeness to the
        /// shopper's items, then newest id order): the answer before the first training.
        case popularity
    }
}

/// Paging, filtering and explanation options shared by every list.
public struct ListOptions: Sendable, Equatable {
    /// Items per page.
    public var limit = 20
    /// Items to skip (from the cursor).
    public var offset = 0
    /// Only items in this category path or below it.
    public var category: String?
    /// At most this many items per top-level category on the list; nil for no limit.
    public var diversity: Int?
    /// Attach a `Reason` to each item.
    public var explain = false
    /// Item ids never to return (besides hidden and out-of-stock ones).
    public var exclude: Set<ItemID> = []
    /// Leave out items whose reviews' mean score (in [-1, 1]) is below this, once they have
    /// `minimumReviews` reviews; nil for no review filter.
    public var minReviewScore: Float?

    /// Reviews an item needs before `minReviewScore` judges it.
    public static let minimumReviews = 3

    /// The defaults: 20 items from the top, no filter.
    public init() {}

    /// The deepest a list goes (offset + limit): bounds the work per request.
    public static let maximumDepth = 1_000
}

/// What the feed is asked for: the shopper's recent events and the page they are on.
public struct FeedQuery: Sendable {
    /// The shopper's events, newest first (a signed-in user's from every device, or an anonymous
    /// device's). Read at request time, so the last click counts.
    public var events: [Event] = []
    /// The item on screen (a product page), if any: it counts as the newest view.
    public var currentItem: ItemID?
    /// Items in the cart: they count as recent carts, and their bought-together items are boosted.
    public var cartItems: [ItemID] = []
    /// The device's platform, for new shoppers' trends.
    public var platform: String?
    /// The shopper's locale (`de-DE`), for new shoppers' trends; the user's profile `locale` when
    /// not given.
    public var locale: String?
    /// Leave out items the shopper bought (default) — and, always, items already in their history.
    public var excludePurchased = true
    /// Blend weights by model name (`als`, `seq`, `itemknn`, `pop`) instead of the trained blend:
    /// an experiment variant's strategy (`VariantSettings`); nil for the trained blend.
    public var blend: [String: Float]?
    /// Paging and filters.
    public var options = ListOptions()

    /// An empty query: a new shopper, first page.
    public init() {}
}

/// How far back "trending" looks.
public enum TrendWindow: String, Sendable, Codable, CaseIterable {
    /// The last day before training's newest event.
    case day = "1d"
    /// The last 7 days.
    case week = "7d"
    /// The last 30 days.
    case month = "30d"
    /// Everything, decayed with a 7-day half-life (the default: recent and still stable).
    case decayed = "decayed"

    /// The window's length in seconds; nil for the decayed, unbounded one.
    public var seconds: Double? {
        switch self {
        case .day: 86_400
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        case .decayed: nil
        }
    }
}

/// What a training run did, for logs, `/v1/models` and the snapshot file.
public struct TrainingReport: Sendable, Equatable, Codable {
    /// Events read from the store.
    public var events = 0
    /// Positive interactions trained on.
    public var interactions = 0
    /// Shoppers (users and anonymous devices) with interactions.
    public var shoppers = 0
    /// Items in the snapshot's catalog.
    public var items = 0
    /// Baskets (sessions with carts or purchases).
    public var baskets = 0
    /// Seconds per model, by name.
    public var seconds: [String: Double] = [:]
    /// The blend weights and how they were chosen.
    public var blend: [String: Float] = [:]
    /// "tuned on N validation shoppers (NDCG@10 x)" or "defaults (...)".
    public var blendSource = ""
    /// NDCG@10 on the trainer's validation hold-out per model alone and for the blend; nil
    /// when the blend was not tuned (too little or too much data).
    public var validationNDCG: [String: Double]?
    /// The newest event sequence included.
    public var lastSequence: Int64 = 0

    /// An empty report.
    public init() {}
}

/// Whose list, or whose search, is asked for.
public enum Shopper: Sendable, Equatable {
    /// A signed-in user (events from all their devices).
    case user(UserID)
    /// A device: its linked user's list once it identified, else its own anonymous history.
    case device(DeviceID)
    /// Nobody known (a first visit without a device id).
    case anonymous
}
