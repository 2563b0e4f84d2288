public import AisleCore
import Foundation
import PostgresNIO

/// Search's settings and activity on PostgreSQL (`SearchSettingsStore`). Counters are added in
/// the database (`searches = searches + excluded.searches`), so nodes flushing at once lose no
/// update; each flush writes its rows in key order, so two flushes never wait on each other in
/// a cycle.
extension PostgresStore: SearchSettingsStore {
    public func addSearchActivity(_ activity: SearchActivity) async throws {
        guard !activity.isEmpty else { return }
        let queries = activity.queries.sorted { $0.query < $1.query }
        let clicks = activity.clicks.sorted { ($0.query, $0.itemID.rawValue) < ($1.query, $1.itemID.rawValue) }
        let shoppers = activity.shoppers.sorted { ($0.query, $0.shopper.rawValue) < ($1.query, $1.shopper.rawValue) }
        let logger = self.logger
        try await transaction { connection in
            for stats in queries {
                try await connection.query(
                    """
                    INSERT INTO search_queries (query, searches, zero_results, last_searched_at)
                    VALUES (\(stats.query), \(stats.searches), \(stats.zeroResults),
                        \(stats.lastSearchedAt.millisecondsSinceEpoch))
                    ON CONFLICT (query) DO UPDATE SET searches = search_queries.searches + excluded.searches,
                        zero_results = search_queries.zero_results + excluded.zero_results,
                        last_searched_at = GREATEST(search_queries.last_searched_at, excluded.last_searched_at)
                    """,
                    logger: logger
                )
            }
            for click in clicks {
                try await connection.query(
                    """
                    INSERT INTO search_clicks (query, item_id, clicks)
                    VALUES (\(click.query), \(click.itemID.rawValue), \(click.clicks))
                    ON CONFLICT (query, item_id) DO UPDATE SET clicks = search_clicks.clicks + excluded.clicks
                    """,
                    logger: logger
                )
            }
            for row in shoppers {
                try await connection.query(
                    """
                    INSERT INTO search_query_shoppers (query, shopper) VALUES (\(row.query), \(row.shopper.rawValue))
                    ON CONFLICT DO NOTHING
                    """,
                    logger: logger
                )
            }
        }
    }

    public func searchQueries(limit: Int) async throws -> [SearchQueryStats] {
        let rows = try await query(
            """
            SELECT query, searches, zero_results, last_searched_at FROM search_queries
            ORDER BY searches DESC, query LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        var stats: [SearchQueryStats] = []
        for try await (query, searches, zeroResults, last) in rows.decode((String, Int, Int, Int64).self) {
            stats.append(
                SearchQueryStats(
                    query: query,
                    searches: searches,
                    zeroResults: zeroResults,
                    lastSearchedAt: Timestamp(millisecondsSinceEpoch: last)
                )
            )
        }
        return stats
    }

    public func searchQueryShoppers(limit: Int) async throws -> [SearchQueryShopper] {
        let rows = try await query(
            """
            SELECT s.query, s.shopper FROM search_query_shoppers s
            JOIN search_queries q ON q.query = s.query
            ORDER BY q.searches DESC, s.query, s.shopper LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        var shoppers: [SearchQueryShopper] = []
        for try await (query, shopper) in rows.decode((String, Int64).self) {
            shoppers.append(SearchQueryShopper(query: query, shopper: ShopperDigest(rawValue: shopper)))
        }
        return shoppers
    }

    public func searchClicks(limit: Int) async throws -> [SearchClickCount] {
        let rows = try await query(
            """
            SELECT query, item_id, clicks FROM search_clicks
            ORDER BY clicks DESC, query, item_id LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        var clicks: [SearchClickCount] = []
        for try await (query, item, count) in rows.decode((String, String, Int).self) {
            clicks.append(SearchClickCount(query: query, itemID: ItemID(item), clicks: count))
        }
        return clicks
    }

    public func searchSynonyms() async throws -> (rules: [SynonymRule], revision: Int) {
        let rows = try await query(
            "SELECT value, revision FROM settings WHERE key = 'search.synonyms'",
            logger: logger
        )
        for try await (text, revision) in rows.decode((String, Int).self) {
            do {
                return (try JSONDecoder().decode([SynonymRule].self, from: Data(text.utf8)), revision)
            } catch {
                throw AisleError(code: .unavailable, message: "the stored synonym rules are unreadable: \(error)")
            }
        }
        return ([], 0)
    }

    public func setSearchSynonyms(_ rules: [SynonymRule], at now: Timestamp) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(rules), as: UTF8.self)
        let rows = try await query(
            """
            INSERT INTO settings (key, value, updated_at, revision)
            VALUES ('search.synonyms', \(text), \(now.millisecondsSinceEpoch), 1)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                revision = settings.revision + 1
            RETURNING revision
            """,
            logger: logger
        )
        for try await revision in rows.decode(Int.self) { return revision }
        throw AisleError(code: .unavailable, message: "the synonym rules' revision was not returned")
    }
}
