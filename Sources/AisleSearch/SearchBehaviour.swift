import AisleCore

/// What shoppers searched and clicked: popular queries (for autocomplete), queries that found
/// nothing (for the admin), and clicks after a query (a capped boost for those items the next
/// time someone searches the same words). Counts live here; the server persists the changes
/// (`drainChanges`) and restores them at start. Not thread-safe by itself: the engine locks it.
struct SearchBehaviour {
    private(set) var queries: [String: SearchQueryStats] = [:]
    private var clicks: [String: [ItemID: Int]] = [:]
    /// Clicks from search per item, over all queries (the popularity sort).
    private(set) var clicksPerItem: [ItemID: Int] = [:]
    private var changedQueries: [String: SearchQueryStats] = [:]
    private var changedClicks: [String: [ItemID: Int]] = [:]
    /// Queries that found something, in order, for prefix lookups; rebuilt after changes.
    private var sortedQueries: [String] = []
    private var sortedQueriesStale = false

    /// Distinct queries kept in memory; past it the least searched half is forgotten.
    static let queryCapacity = 100_000
    /// (Query, item) click counts waiting for the store, at most.
    static let pendingClickCapacity = 500_000
    /// Longest query kept, in characters.
    static let maximumQueryLength = 200

    /// The form queries are counted under: folded like index text, single spaces, trimmed.
    static func normalise(_ text: String) -> String {
        let folded = SearchAnalyzer.fold(text)
        return String(folded.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(maximumQueryLength))
    }

    mutating func recordSearch(_ text: String, found: Bool, at time: Timestamp) {
        let query = Self.normalise(text)
        guard !query.isEmpty else { return }
        let one = SearchQueryStats(query: query, searches: 1, zeroResults: found ? 0 : 1, lastSearchedAt: time)
        let before = queries[query]
        // A query that found something for the first time becomes a suggestion.
        if found && (before.map { $0.searches == $0.zeroResults } ?? true) { sortedQueriesStale = true }
        queries[query] = Self.adding(one, to: before)
        changedQueries[query] = Self.adding(one, to: changedQueries[query])
        if queries.count > Self.queryCapacity { forgetRareQueries() }
    }

    /// Counts a click; only after a query searched here (the query log is bounded, so the
    /// clicks are too, and a client cannot plant clicks for queries nobody made).
    mutating func recordClick(_ text: String, item: ItemID) {
        let query = Self.normalise(text)
        guard !query.isEmpty, queries[query] != nil else { return }
        clicks[query, default: [:]][item, default: 0] += 1
        changedClicks[query, default: [:]][item, default: 0] += 1
        clicksPerItem[item, default: 0] += 1
    }

    /// Clicks on each item after `text`.
    func clicks(after text: String) -> [ItemID: Int] {
        clicks[Self.normalise(text)] ?? [:]
    }

    /// Past queries that found something and start with `prefix` (normalised), most searched first.
    mutating func popularQueries(startingWith prefix: String, limit: Int) -> [SearchQueryStats] {
        let prefix = Self.normalise(prefix)
        guard !prefix.isEmpty, limit > 0 else { return [] }
        if sortedQueriesStale {
            sortedQueries = queries.values.filter { $0.searches > $0.zeroResults }.map(\.query).sorted()
            sortedQueriesStale = false
        }
        var low = 0
        var high = sortedQueries.count
        while low < high {
            let middle = (low + high) / 2
            if sortedQueries[middle] < prefix { low = middle + 1 } else { high = middle }
        }
        // Every match is weighed (the most searched may sort last), keeping the best `limit`.
        var best: [SearchQueryStats] = []
        var index = low
        while index < sortedQueries.count, sortedQueries[index].hasPrefix(prefix) {
            if let stats = queries[sortedQueries[index]],
                best.count < limit
                    || (stats.searches, best[best.count - 1].query) > (best[best.count - 1].searches, stats.query)
            {
                best.append(stats)
                best.sort { ($0.searches, $1.query) > ($1.searches, $0.query) }
                if best.count > limit { best.removeLast() }
            }
            index += 1
        }
        return best
    }

    /// Queries that found nothing, most often first.
    func zeroResultQueries(limit: Int) -> [SearchQueryStats] {
        Array(
            queries.values.filter { $0.zeroResults > 0 }
                .sorted { ($0.zeroResults, $1.query) > ($1.zeroResults, $0.query) }
                .prefix(limit)
        )
    }

    /// The counts added since the last call (to add to the stored ones), and forgets them.
    mutating func drainChanges() -> (queries: [SearchQueryStats], clicks: [SearchClickCount]) {
        let queryChanges = Array(changedQueries.values)
        let clickChanges = changedClicks.flatMap { query, items in
            items.map { SearchClickCount(query: query, itemID: $0.key, clicks: $0.value) }
        }
        changedQueries = [:]
        changedClicks = [:]
        return (queryChanges, clickChanges)
    }

    /// Puts drained changes back (their store write failed). While the store keeps failing,
    /// the pending changes stay bounded: past `queryCapacity` queries or `pendingClickCapacity`
    /// click counts, the least searched or clicked are dropped. Returns how many were dropped.
    @discardableResult
    mutating func requeue(_ changes: (queries: [SearchQueryStats], clicks: [SearchClickCount])) -> Int {
        for stats in changes.queries {
            changedQueries[stats.query] = Self.adding(stats, to: changedQueries[stats.query])
        }
        for click in changes.clicks {
            changedClicks[click.query, default: [:]][click.itemID, default: 0] += click.clicks
        }
        var dropped = 0
        if changedQueries.count > Self.queryCapacity {
            let kept = changedQueries.values.sorted { ($0.searches, $0.query) > ($1.searches, $1.query) }
                .prefix(Self.queryCapacity)
            dropped += changedQueries.count - kept.count
            changedQueries = Dictionary(uniqueKeysWithValues: kept.map { ($0.query, $0) })
        }
        let pendingClicks = changedClicks.values.reduce(0) { $0 + $1.count }
        if pendingClicks > Self.pendingClickCapacity {
            let kept = changedClicks.flatMap { query, items in items.map { (query, $0.key, $0.value) } }
                .sorted { ($0.2, $0.0, $0.1.rawValue) > ($1.2, $1.0, $1.1.rawValue) }
                .prefix(Self.pendingClickCapacity)
            dropped += pendingClicks - kept.count
            changedClicks = [:]
            for (query, item, count) in kept { changedClicks[query, default: [:]][item] = count }
        }
        return dropped
    }

    /// Loads stored counts (at start), adding to any recorded meanwhile.
    mutating func restore(queries stored: [SearchQueryStats], clicks storedClicks: [SearchClickCount]) {
        for stats in stored { queries[stats.query] = Self.adding(stats, to: queries[stats.query]) }
        for click in storedClicks {
            clicks[click.query, default: [:]][click.itemID, default: 0] += click.clicks
            clicksPerItem[click.itemID, default: 0] += click.clicks
        }
        sortedQueriesStale = true
        if queries.count > Self.queryCapacity { forgetRareQueries() }
    }

    /// `stats` added to `existing` (counts summed, the later time kept).
    static func adding(_ stats: SearchQueryStats, to existing: SearchQueryStats?) -> SearchQueryStats {
        guard var sum = existing else { return stats }
        sum.searches += stats.searches
        sum.zeroResults += stats.zeroResults
        sum.lastSearchedAt = max(sum.lastSearchedAt, stats.lastSearchedAt)
        return sum
    }

    /// Keeps the most searched half (the store keeps everything).
    private mutating func forgetRareQueries() {
        let kept = queries.values.sorted { ($0.searches, $0.lastSearchedAt) > ($1.searches, $1.lastSearchedAt) }
            .prefix(Self.queryCapacity / 2)
        queries = Dictionary(uniqueKeysWithValues: kept.map { ($0.query, $0) })
        clicks = clicks.filter { queries[$0.key] != nil }
        sortedQueriesStale = true
    }
}
