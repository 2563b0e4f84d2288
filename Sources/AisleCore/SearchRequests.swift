// A search as asked and as answered: plain values, here so that every layer can name them
// without importing the search engine (docs/ARCHITECTURE.md). AisleSearch ranks them.

/// How results are ordered.
public enum SearchSort: String, Sendable, CaseIterable {
    case relevance
    case priceAscending = "price_asc"
    case priceDescending = "price_desc"
    case newest
    /// Most clicked from search first (learned from behaviour), then relevance.
    case popularity
}

/// Which retrieval runs: words, meaning, or both fused.
public enum SearchMode: String, Sendable, CaseIterable {
    case lexical
    case semantic
    case hybrid
}

/// The facet counts a search can return.
public enum SearchFacet: String, Sendable, CaseIterable {
    case category
    case brand
    case price
}

/// A shopper's leanings, each in 0...1 (1: their strongest), for personal re-ranking.
public struct SearchAffinity: Sendable, Equatable {
    public var categories: [String: Float]
    /// Keyed by lower-cased brand.
    public var brands: [String: Float]

    public init(categories: [String: Float] = [:], brands: [String: Float] = [:]) {
        self.categories = categories
        self.brands = brands
    }

    public var isEmpty: Bool { categories.isEmpty && brands.isEmpty }
}

/// One search request.
public struct SearchQuery: Sendable, Equatable {
    public var text: String
    /// Only items in this category path or below it.
    public var category: String?
    /// Only this brand (case-insensitive).
    public var brand: String?
    public var minimumPrice: Double?
    public var maximumPrice: Double?
    public var inStockOnly = false
    /// Only items whose attribute has this value (case-insensitive; any element of a list).
    public var attributes: [String: String] = [:]
    public var sort = SearchSort.relevance
    public var limit = 20
    public var offset = 0
    /// Attach the matched terms and each score part to each hit.
    public var explain = false
    /// Lexical, semantic or hybrid; the semantic part needs `vector`.
    public var mode = SearchMode.lexical
    /// The query's embedding (same model as the items'), for semantic and hybrid modes.
    public var vector: [Float]?
    public var facets: Set<SearchFacet> = []
    /// The shopper's leanings, for personal re-ranking.
    public var affinity: SearchAffinity?
    /// Count this search in the query log (popular and zero-result queries).
    public var record = false
    /// Who searched (their user or device id's digest), for the query log: a query becomes an
    /// autocomplete suggestion only once enough distinct shoppers made it. Nil (no identity
    /// sent) counts towards no suggestion.
    public var shopper: ShopperDigest?

    /// Whether any filter is set.
    public var hasFilters: Bool {
        inStockOnly || category != nil || brand != nil || minimumPrice != nil || maximumPrice != nil
            || !attributes.isEmpty
    }

    public init(text: String) {
        self.text = text
    }
}

/// What a hit's score is made of (with `explain`).
public struct SearchScoreParts: Sendable, Equatable {
    /// BM25F, 0 when the words did not match.
    public var lexical: Float
    /// Cosine similarity of the item's embedding to the query's; nil without one.
    public var semantic: Float?
    /// The fused relevance (hybrid and semantic modes; the lexical score in lexical mode).
    public var relevance: Float
    /// Relative boost from the shopper's category and brand affinity.
    public var personal: Float
    /// Relative boost from past clicks on this item after the same query.
    public var clicks: Float

    public init(lexical: Float, semantic: Float?, relevance: Float, personal: Float, clicks: Float) {
        self.lexical = lexical
        self.semantic = semantic
        self.relevance = relevance
        self.personal = personal
        self.clicks = clicks
    }
}

/// One result.
public struct SearchHit: Sendable, Equatable {
    public var itemID: ItemID
    public var score: Float
    /// The index terms that matched (with `explain`), corrections and completions included.
    public var matches: [String]
    /// The score's parts (with `explain`).
    public var parts: SearchScoreParts?

    public init(itemID: ItemID, score: Float, matches: [String], parts: SearchScoreParts?) {
        self.itemID = itemID
        self.score = score
        self.matches = matches
        self.parts = parts
    }
}

/// One facet value and how many matching items have it.
public struct FacetCount: Sendable, Equatable {
    public var value: String
    public var count: Int
    /// For price buckets: the bucket's bounds (`upper` nil for the last, open one).
    public var lower: Double?
    public var upper: Double?

    public init(value: String, count: Int, lower: Double? = nil, upper: Double? = nil) {
        self.value = value
        self.count = count
        self.lower = lower
        self.upper = upper
    }
}

/// A page of results.
public struct SearchResults: Sendable, Equatable {
    public var hits: [SearchHit]
    /// Matching items after filters, across all pages.
    public var total: Int
    /// How each query term was read: corrections, completions and synonyms used.
    public var interpretation: [String: [String]]
    /// Counts per facet asked for, over all matching items.
    public var facets: [SearchFacet: [FacetCount]] = [:]

    public init(
        hits: [SearchHit],
        total: Int,
        interpretation: [String: [String]],
        facets: [SearchFacet: [FacetCount]] = [:]
    ) {
        self.hits = hits
        self.total = total
        self.interpretation = interpretation
        self.facets = facets
    }
}

/// A suggestion while typing: a popular past query or an item title.
public struct SearchSuggestion: Sendable, Equatable {
    public enum Kind: String, Sendable { case query, item }
    public var text: String
    public var kind: Kind
    /// For items.
    public var itemID: ItemID?
    /// For queries: how often shoppers searched it.
    public var searches: Int?

    public init(text: String, kind: Kind, itemID: ItemID?, searches: Int?) {
        self.text = text
        self.kind = kind
        self.itemID = itemID
        self.searches = searches
    }
}
