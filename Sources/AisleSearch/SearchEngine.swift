public import AisleCore
import Synchronization

/// How results are ordered.
public enum SearchSort: String, Sendable, CaseIterable {
    case relevance
    case priceAscending = "price_asc"
    case priceDescending = "price_desc"
    case newest
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
    public var sort = SearchSort.relevance
    public var limit = 20
    public var offset = 0
    /// Attach the matched terms to each hit.
    public var explain = false

    public init(text: String) {
        self.text = text
    }
}

/// One result.
public struct SearchHit: Sendable, Equatable {
    public var itemID: ItemID
    public var score: Float
    /// The index terms that matched (with `explain`), corrections and completions included.
    public var matches: [String]
}

/// A page of results.
public struct SearchResults: Sendable, Equatable {
    public var hits: [SearchHit]
    /// Matching items after filters, across all pages.
    public var total: Int
    /// How each query term was read: corrections and completions used.
    public var interpretation: [String: [String]]
}

/// The catalog's search index, safe to share: changes and reads take turns on one lock.
public final class SearchEngine: Sendable {
    private let index = Mutex(SearchIndex())

    /// Weight of a typo correction against the term as typed: an exact match ranks first.
    static let correctionWeight: Float = 0.6
    /// Weight of another form of the word (`jackets` for `jacket`).
    static let formWeight: Float = 0.95
    /// Weight of a completion of the last, unfinished term.
    static let completionWeight: Float = 0.9
    /// Completions tried for the last term.
    static let completionLimit = 30

    public init() {}

    /// Items indexed.
    public var count: Int { index.withLock { $0.count } }

    /// Indexes (or re-indexes) items; hidden ones are taken out.
    public func upsert(_ items: [Item]) {
        index.withLock { index in
            for item in items { index.upsert(item) }
        }
    }

    /// Takes an item out; false when it was not indexed.
    @discardableResult
    public func remove(_ id: ItemID) -> Bool {
        index.withLock { $0.remove(id) }
    }

    /// The page of results for `query`.
    public func search(_ query: SearchQuery) -> SearchResults {
        index.withLock { index in
            let terms = index.analyzer.terms(query.text)
            var groups: [[(term: String, weight: Float, idfCap: String?)]] = []
            var interpretation: [String: [String]] = [:]
            let lastIsOpen = !(query.text.last.map { $0.isWhitespace || $0.isPunctuation } ?? true)
            for (position, term) in terms.enumerated() {
                var group: [(term: String, weight: Float, idfCap: String?)] = [(term.text, 1, nil)]
                if !term.isCJK {
                    let otherForms = (index.forms[SearchAnalyzer.stem(term.text)] ?? []).filter { $0 != term.text }
                    group += otherForms.map { ($0, Self.formWeight, nil) }
                    if index.documentFrequency[term.text] == nil && otherForms.isEmpty {
                        let corrections = index.corrections(of: term.text)
                        group += corrections.map { ($0, Self.correctionWeight, nil) }
                        if !corrections.isEmpty { interpretation[term.text] = corrections }
                    }
                    if position == terms.count - 1 && lastIsOpen && term.text.count >= 2 {
                        let completions = index.completions(of: term.text, limit: Self.completionLimit)
                        group += completions.map { ($0, Self.completionWeight, term.text) }
                        if !completions.isEmpty { interpretation[term.text, default: []] += completions }
                    }
                }
                groups.append(group)
            }
            let scored: [(slot: Int32, score: Float, matches: [String])]
            if groups.isEmpty && !query.text.allSatisfy({ $0.isWhitespace }) {
                // Text without a single word (punctuation only): nothing to match.
                scored = []
            } else if groups.isEmpty {
                // No query text: every item, for browsing by filters and sort.
                scored = index.slotOfItem.values.map { ($0, 0, []) }
            } else {
                scored = index.score(groups, explain: query.explain).map { ($0.key, $0.value.score, $0.value.matches) }
            }
            var hits: [(facts: SearchFacts, hit: SearchHit)] = []
            for candidate in scored {
                let facts = index.facts(of: candidate.slot)
                guard Self.passes(facts, query) else { continue }
                hits.append(
                    (facts, SearchHit(itemID: facts.itemID, score: candidate.score, matches: candidate.matches))
                )
            }
            hits.sort { Self.ranksBefore($0, $1, sort: query.sort) }
            let page = hits.dropFirst(query.offset).prefix(query.limit).map(\.hit)
            return SearchResults(hits: Array(page), total: hits.count, interpretation: interpretation)
        }
    }

    static func passes(_ facts: SearchFacts, _ query: SearchQuery) -> Bool {
        if query.inStockOnly && !facts.inStock { return false }
        if let category = query.category,
            !facts.categories.contains(where: { $0 == category || $0.hasPrefix(category + " > ") })
        {
            return false
        }
        if let brand = query.brand, facts.brand?.lowercased() != brand.lowercased() { return false }
        if let minimum = query.minimumPrice, (facts.price ?? -1) < minimum { return false }
        if let maximum = query.maximumPrice, (facts.price ?? .infinity) > maximum { return false }
        return true
    }

    /// Order of results: by the sort, then score, then item id (stable pages).
    static func ranksBefore(
        _ a: (facts: SearchFacts, hit: SearchHit),
        _ b: (facts: SearchFacts, hit: SearchHit),
        sort: SearchSort
    ) -> Bool {
        switch sort {
        case .relevance: break
        case .priceAscending, .priceDescending:
            let (x, y) = (a.facts.price ?? .infinity, b.facts.price ?? .infinity)
            if x != y {
                return sort == .priceAscending ? x < y : (x == .infinity ? false : y == .infinity ? true : x > y)
            }
        case .newest:
            let (x, y) = (
                a.facts.createdAt?.millisecondsSinceEpoch ?? 0, b.facts.createdAt?.millisecondsSinceEpoch ?? 0
            )
            if x != y { return x > y }
        }
        if a.hit.score != b.hit.score { return a.hit.score > b.hit.score }
        return a.hit.itemID < b.hit.itemID
    }
}
