/// `GET /v1/search`: a page of results.
public struct SearchResultsBody: Codable, Sendable, Equatable {
    public struct Hit: Codable, Sendable, Equatable {
        public var itemID: String
        public var score: Double
        /// The index terms that matched, with `explain=true`.
        public var matches: [String]?
        /// What the score is made of, with `explain=true`.
        public var explain: Parts?

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case score, matches, explain
        }

        public init(itemID: String, score: Double, matches: [String]?, explain: Parts? = nil) {
            self.itemID = itemID
            self.score = score
            self.matches = matches
            self.explain = explain
        }
    }

    /// A score's parts: `score = relevance × (1 + personal + clicks)`.
    public struct Parts: Codable, Sendable, Equatable {
        /// BM25F of the words (0: no word matched).
        public var lexical: Double
        /// Cosine similarity of the item's embedding to the query's (absent without one).
        public var semantic: Double?
        /// Lexical and semantic fused (hybrid), or the one used.
        public var relevance: Double
        public var personal: Double
        public var clicks: Double

        public init(lexical: Double, semantic: Double?, relevance: Double, personal: Double, clicks: Double) {
            self.lexical = lexical
            self.semantic = semantic
            self.relevance = relevance
            self.personal = personal
            self.clicks = clicks
        }
    }

    /// One facet value and its count; price buckets also give their bounds.
    public struct FacetValue: Codable, Sendable, Equatable {
        public var value: String
        public var count: Int
        public var min: Double?
        public var max: Double?

        public init(value: String, count: Int, min: Double? = nil, max: Double? = nil) {
            self.value = value
            self.count = count
            self.min = min
            self.max = max
        }
    }

    public var data: [Hit]
    /// Matching items after filters, across all pages.
    public var total: Int
    /// Query words read as something else: typo corrections, synonyms and completions of the last word.
    public var corrections: [String: [String]]
    /// `lexical`, `semantic` or `hybrid`: what ran.
    public var mode: String
    /// Counts per facet asked for (`facets=category,brand,price`).
    public var facets: [String: [FacetValue]]?
    public var nextCursor: String?
    /// The shopper's variant, when the request named an experiment (`experiment=ID`).
    public var experiment: AssignmentBody?

    enum CodingKeys: String, CodingKey {
        case data, total, corrections, mode, facets, experiment
        case nextCursor = "next_cursor"
    }

    public init(
        data: [Hit],
        total: Int,
        corrections: [String: [String]],
        mode: String,
        facets: [String: [FacetValue]]?,
        nextCursor: String?
    ) {
        self.data = data
        self.total = total
        self.corrections = corrections
        self.mode = mode
        self.facets = facets
        self.nextCursor = nextCursor
    }
}

/// `GET /v1/autocomplete`: suggestions for what is typed so far.
public struct AutocompleteBody: Codable, Sendable, Equatable {
    public struct Suggestion: Codable, Sendable, Equatable {
        public var text: String
        /// `query` (a popular past search) or `item` (a matching item's title).
        public var kind: String
        public var itemID: String?
        /// For queries: how often shoppers searched it.
        public var searches: Int?

        enum CodingKeys: String, CodingKey {
            case text, kind, searches
            case itemID = "item_id"
        }

        public init(text: String, kind: String, itemID: String?, searches: Int?) {
            self.text = text
            self.kind = kind
            self.itemID = itemID
            self.searches = searches
        }
    }

    public var data: [Suggestion]

    public init(data: [Suggestion]) {
        self.data = data
    }
}

/// `GET /v1/search/zero-results`: queries that found nothing, most frequent first.
public struct ZeroResultsBody: Codable, Sendable, Equatable {
    public struct Query: Codable, Sendable, Equatable {
        public var query: String
        public var zeroResults: Int
        public var searches: Int
        public var lastSearchedAt: TimestampBody

        enum CodingKeys: String, CodingKey {
            case query, searches
            case zeroResults = "zero_results"
            case lastSearchedAt = "last_searched_at"
        }

        public init(query: String, zeroResults: Int, searches: Int, lastSearchedAt: TimestampBody) {
            self.query = query
            self.zeroResults = zeroResults
            self.searches = searches
            self.lastSearchedAt = lastSearchedAt
        }
    }

    public var data: [Query]

    public init(data: [Query]) {
        self.data = data
    }
}

/// `PUT`/`GET /v1/search/synonyms`: the whole rule set.
public struct SynonymsBody: Codable, Sendable, Equatable {
    public var rules: [SynonymRule]

    public init(rules: [SynonymRule]) {
        self.rules = rules
    }
}

extension SearchResultsBody {
    /// A page of results as the API answers it: scores rounded to 4 places, matched terms and
    /// score parts only with `explain`, facets only when asked for.
    public init(
        _ results: SearchResults,
        mode: SearchMode,
        facets asked: Set<SearchFacet>,
        explain: Bool,
        nextCursor: String?
    ) {
        func rounded(_ value: Float) -> Double { (Double(value) * 10_000).rounded() / 10_000 }
        self.init(
            data: results.hits.map { hit in
                Hit(
                    itemID: hit.itemID.rawValue,
                    score: rounded(hit.score),
                    matches: explain ? hit.matches : nil,
                    explain: hit.parts.map { parts in
                        Parts(
                            lexical: rounded(parts.lexical),
                            semantic: parts.semantic.map(rounded),
                            relevance: rounded(parts.relevance),
                            personal: rounded(parts.personal),
                            clicks: rounded(parts.clicks)
                        )
                    }
                )
            },
            total: results.total,
            corrections: results.interpretation,
            mode: mode.rawValue,
            facets: asked.isEmpty
                ? nil
                : Dictionary(
                    uniqueKeysWithValues: results.facets.map { facet, values in
                        (
                            facet.rawValue,
                            values.map { FacetValue(value: $0.value, count: $0.count, min: $0.lower, max: $0.upper) }
                        )
                    }
                ),
            nextCursor: nextCursor
        )
    }
}

extension AutocompleteBody {
    public init(_ suggestions: [SearchSuggestion]) {
        self.init(
            data: suggestions.map {
                Suggestion(text: $0.text, kind: $0.kind.rawValue, itemID: $0.itemID?.rawValue, searches: $0.searches)
            }
        )
    }
}

extension ZeroResultsBody {
    public init(_ queries: [SearchQueryStats]) {
        self.init(
            data: queries.map {
                Query(
                    query: $0.query,
                    zeroResults: $0.zeroResults,
                    searches: $0.searches,
                    lastSearchedAt: TimestampBody($0.lastSearchedAt)
                )
            }
        )
    }
}
