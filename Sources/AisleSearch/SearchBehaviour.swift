import AisleCore

/// What shoppers searched and clicked: popular queries (for autocomplete, once made by enough
/// distinct shoppers), queries that found nothing (for the admin), and clicks after a query (a capped boost for those items the next
/// time someone searches the same words). Counts live here; the server persists the changes
/// (`drainChanges`) and restores them at start. Not thread-safe by itself: the engine locks it.
struct SearchBehaviour {
    private(set) var queries: [String: SearchQueryStats] = [:]
    /// Distinct shoppers whose search for a query found something, at most `minimumShoppers`
    /// per query (past that, more make no difference to whether it is suggested).
    private var shoppers: [String: Set<ShopperDigest>] = [:]
    private var changedShoppers: [SearchQueryShopper] = []
    /// Distinct shoppers a query needs before autocomplete suggests it.
    let minimumShoppers: Int
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

    init(minimumShoppers: Int = 5) {
        self.minimumShoppers = max(minimumShoppers, 1)
    }

    /// The form queries are counted under: folded like index text, single spaces, trimmed.
    static func normalise(_ text: String) -> String {
        let folded = SearchAnalyzer.fold(text)
        return String(folded.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(maximumQueryLength))
    }

    /// Counts a search of `text` by `shopper` (nil: a search without a shopper's identity,
    /// which counts in the log but towards no suggestion).
    mutating func recordSearch(_ text: String, found: Bool, by shopper: ShopperDigest?, at time: Timestamp) {
        let query = Self.normalise(text)
        guard !query.isEmpty else { return }
        let one = SearchQueryStats(query: query, searches: 1, zeroResults: found ? 0 : 1, lastSearchedAt: time)
        queries[query] = Self.adding(one, to: queries[query])
        changedQueries[query] = Self.adding(one, to: changedQueries[query])
        if found, let shopper, SuggestionPolicy.mayShow(query), shoppers[query, default: []].count < minimumShoppers,
            shoppers[query, default: []].insert(shopper).inserted
        {
            changedShoppers.append(SearchQueryShopper(query: query, shopper: shopper))
            // Reaching the bar makes it a suggestion.
            if shoppers[query, default: []].count == minimumShoppers { sortedQueriesStale = true }
        }
        if queries.count > Self.queryCapacity { forgetRareQueries() }
    }

    /// Whether autocomplete may show `query` (normalised) to everyone: it found something for
    /// at least `minimumShoppers` distinct shoppers and does not look like personal data.
    func isSuggestable(_ query: String) -> Bool {
        guard let stats = queries[query], stats.searches > stats.zeroResults else { return false }
        return (shoppers[query]?.count ?? 0) >= minimumShoppers && SuggestionPolicy.mayShow(query)
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

    /// Past queries that start with `prefix` (normalised) and may be suggested (`isSuggestable`),
    /// most searched first.
    mutating func popularQueries(startingWith prefix: String, limit: Int) -> [SearchQueryStats] {
        let prefix = Self.normalise(prefix)
        guard !prefix.isEmpty, limit > 0 else { return [] }
        if sortedQueriesStale {
            sortedQueries = queries.keys.filter(isSuggestable).sorted()
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
    func topQueries(limit: Int) -> [SearchQueryStats] {
        Array(queries.values.sorted { ($0.searches, $1.query) > ($1.searches, $0.query) }.prefix(limit))
    }

    func zeroResultQueries(limit: Int) -> [SearchQueryStats] {
        Array(
            queries.values.filter { $0.zeroResults > 0 }
                .sorted { ($0.zeroResults, $1.query) > ($1.zeroResults, $0.query) }
                .prefix(limit)
        )
    }

    /// The counts added since the last call (to add to the stored ones), and forgets them.
    mutating func drainChanges() -> SearchActivity {
        let queryChanges = Array(changedQueries.values)
        let clickChanges = changedClicks.flatMap { query, items in
            items.map { SearchClickCount(query: query, itemID: $0.key, clicks: $0.value) }
        }
        let shopperChanges = changedShoppers
        changedQueries = [:]
        changedClicks = [:]
        changedShoppers = []
        return SearchActivity(queries: queryChanges, clicks: clickChanges, shoppers: shopperChanges)
    }

    /// Puts drained changes back (their store write failed). While the store keeps failing,
    /// the pending changes stay bounded: past `queryCapacity` queries or `pendingClickCapacity`
    /// click counts, the least searched or clicked are dropped (and shoppers past
    /// `queryCapacity` × `minimumShoppers`). Returns how many were dropped.
    @discardableResult
    mutating func requeue(_ changes: SearchActivity) -> Int {
        for stats in changes.queries {
            changedQueries[stats.query] = Self.adding(stats, to: changedQueries[stats.query])
        }
        for click in changes.clicks {
            changedClicks[click.query, default: [:]][click.itemID, default: 0] += click.clicks
        }
        changedShoppers = changes.shoppers + changedShoppers
        var dropped = 0
        // Each query holds at most `minimumShoppers` shoppers, so this bounds them as the
        // query capacity bounds the queries; the newest are dropped first.
        let shopperCapacity = Self.queryCapacity * minimumShoppers
        if changedShoppers.count > shopperCapacity {
            dropped += changedShoppers.count - shopperCapacity
            changedShoppers.removeLast(changedShoppers.count - shopperCapacity)
        }
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
    mutating func restore(_ stored: SearchActivity) {
        for stats in stored.queries { queries[stats.query] = Self.adding(stats, to: queries[stats.query]) }
        for row in stored.shoppers where queries[row.query] != nil {
            if shoppers[row.query, default: []].count < minimumShoppers {
                shoppers[row.query, default: []].insert(row.shopper)
            }
        }
        let storedClicks = stored.clicks
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
        shoppers = shoppers.filter { queries[$0.key] != nil }
        sortedQueriesStale = true
    }
}
