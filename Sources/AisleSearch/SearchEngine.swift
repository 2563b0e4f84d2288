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

    /// Whether any filter is set.
    var hasFilters: Bool {
        inStockOnly || category != nil || brand != nil || minimumPrice != nil || maximumPrice != nil
    }

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
            var scored: [(slot: Int32, score: Float)]
            var matches: [Int32: [String]] = [:]
            if groups.isEmpty && !query.text.allSatisfy({ $0.isWhitespace }) {
                // Text without a single word (punctuation only): nothing to match.
                scored = []
            } else if groups.isEmpty {
                // No query text: every item, for browsing by filters and sort.
                scored = index.slotOfItem.values.map { ($0, 0) }
            } else {
                (scored, matches) = index.score(groups, explain: query.explain)
            }
            if query.hasFilters { scored.removeAll { !index.passes($0.slot, query) } }
            let wanted = min(scored.count, query.offset + query.limit)
            let ordered: [(slot: Int32, score: Float)]
            if query.sort == .relevance {
                ordered = Self.best(wanted, of: scored) { index.itemID(of: $0) }
            } else {
                ordered = scored.sorted { a, b in
                    Self.ranksBefore(
                        (index.facts(of: a.slot), a.score),
                        (index.facts(of: b.slot), b.score),
                        sort: query.sort
                    )
                }
            }
            let page = ordered.dropFirst(query.offset).prefix(query.limit).map { candidate in
                SearchHit(
                    itemID: index.facts(of: candidate.slot).itemID,
                    score: candidate.score,
                    matches: matches[candidate.slot] ?? []
                )
            }
            let total = scored.count
            return SearchResults(hits: Array(page), total: total, interpretation: interpretation)
        }
    }

    /// The best `count` candidates by score, then item id, best first: a bounded heap, so a
    /// query matching most of a large catalog does not sort all of it.
    static func best(
        _ count: Int,
        of candidates: [(slot: Int32, score: Float)],
        id: (Int32) -> ItemID
    ) -> [(slot: Int32, score: Float)] {
        guard count > 0 else { return [] }
        func before(_ a: (slot: Int32, score: Float), _ b: (slot: Int32, score: Float)) -> Bool {
            a.score != b.score ? a.score > b.score : id(a.slot) < id(b.slot)
        }
        if candidates.count <= count * 4 { return Array(candidates.sorted(by: before).prefix(count)) }
        // A min-heap (worst at the root) of the best `count` seen so far.
        var heap: [(slot: Int32, score: Float)] = []
        heap.reserveCapacity(count)
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var worst = parent
                if left < heap.count && before(heap[worst], heap[left]) { worst = left }
                if right < heap.count && before(heap[worst], heap[right]) { worst = right }
                if worst == parent { return }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
        for candidate in candidates {
            if heap.count < count {
                heap.append(candidate)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard before(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if before(candidate, heap[0]) {
                heap[0] = candidate
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }

    /// Order of results for the price and newest sorts: by the sort, then score, then item id.
    static func ranksBefore(
        _ a: (facts: SearchFacts, score: Float),
        _ b: (facts: SearchFacts, score: Float),
        sort: SearchSort
    ) -> Bool {
        switch sort {
        case .relevance: break
        case .priceAscending, .priceDescending:
            let (x, y) = (a.facts.price ?? .infinity, b.facts.price ?? .infinity)
            if x != y {
                if sort == .priceAscending { return x < y }
                // Items without a price go last in both directions.
                return x == .infinity ? false : y == .infinity ? true : x > y
            }
        case .newest:
            let (x, y) = (
                a.facts.createdAt?.millisecondsSinceEpoch ?? 0, b.facts.createdAt?.millisecondsSinceEpoch ?? 0
            )
            if x != y { return x > y }
        }
        if a.score != b.score { return a.score > b.score }
        return a.facts.itemID < b.facts.itemID
    }
}
