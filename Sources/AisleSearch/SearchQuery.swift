public import AisleCore

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
}

/// One result.
public struct SearchHit: Sendable, Equatable {
    public var itemID: ItemID
    public var score: Float
    /// The index terms that matched (with `explain`), corrections and completions included.
    public var matches: [String]
    /// The score's parts (with `explain`).
    public var parts: SearchScoreParts?
}

/// One facet value and how many matching items have it.
public struct FacetCount: Sendable, Equatable {
    public var value: String
    public var count: Int
    /// For price buckets: the bucket's bounds (`upper` nil for the last, open one).
    public var lower: Double?
    public var upper: Double?
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
}

/// The engine's tunable weights (docs/SEARCH.md explains each and how they were tuned).
public struct SearchTuning: Sendable, Equatable {
    /// Share of the semantic part in hybrid relevance (the lexical part has the rest).
    public var semanticWeight: Float = 0.15
    /// Similarity mapped to 0 when the semantic part is scaled for fusion (the nearest item's
    /// maps to 1); the semantic list holds nothing below it.
    public var semanticFloor: Float = 0.2
    /// Similarity an item found by meaning alone (no word matched) needs to be a result, in
    /// hybrid and semantic modes: below it, the nearest items of a query the catalog cannot
    /// answer (`snorkel` in a clothing shop) are unrelated. Per model
    /// (`SemanticCalibration`, `calibrate(forModel:)`); the threshold and margin default to
    /// all-MiniLM-L6-v2's.
    public var semanticThreshold: Float = 0.27
    /// How far below the query's nearest item a meaning-only match may be.
    public var semanticMargin: Float = 0.15
    /// Whether queries with Chinese, Japanese or Korean text may match by meaning alone (false
    /// for an English model, whose similarities for them are noise).
    public var semanticReadsCJK = true
    /// Weight of a function word (`for`, `the`, 的, 了: `FunctionWords`) against other query
    /// words (1): they hold a query together but say little of what is wanted.
    public var functionWordWeight: Float = 0.7
    /// How many of the nearest items the semantic list holds.
    public var semanticDepth = 100
    /// Up to this many item vectors the nearest are found by an exact scan; beyond, by an HNSW
    /// graph (approximate).
    public var exactSearchLimit = 200_000
    /// Beam width (ef) of HNSW searches.
    public var graphSearchBeam = 200
    /// Build the HNSW graph on its own thread from a copy of the vectors (searches scan exactly
    /// until it is in place); false builds it inside the call that crosses the limit.
    public var buildsGraphInBackground = true
    /// The largest personal boost (a fraction of relevance).
    public var personalWeight: Float = 0.15
    /// The largest boost from clicks after the same query.
    public var clickWeight: Float = 0.2
    /// Clicks at which the click boost reaches its cap.
    public var clickSaturation = 20
    /// Distinct shoppers (user or device ids) whose search for a query must have found
    /// something before autocomplete suggests it to everyone: one shopper, or a few, can
    /// neither plant a suggestion nor have their own words shown to strangers.
    public var suggestionMinimumShoppers = 5

    public init() {}
}
