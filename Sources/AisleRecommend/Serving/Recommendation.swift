public import AisleCore

/// One recommended item.
public struct Recommendation: Sendable, Equatable {
    /// The item id.
    public var itemID: String
    /// The ranking score: higher is better; comparable within one list only.
    public var score: Float
    /// Why the item is here (with `explain`).
    public var reason: Reason?

    /// A recommendation.
    public init(itemID: String, score: Float, reason: Reason? = nil) {
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
        /// Popular right now.
        case trending = "trending"
    }

    /// The kind.
    public var kind: Kind
    /// The items the reason refers to (the shopper's items it is similar to, the cart items).
    public var itemIDs: [String]
    /// The category, for `popular_in_category` (and `trending` within a category).
    public var category: String?

    /// A reason.
    public init(_ kind: Kind, itemIDs: [String] = [], category: String? = nil) {
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
