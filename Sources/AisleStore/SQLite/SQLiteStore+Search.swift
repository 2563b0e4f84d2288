public import AisleCore
import Foundation
import GRDB

extension SQLiteStore {
    public func itemEmbeddings(model: String, after cursor: ItemID?, limit: Int) async throws -> [ItemEmbedding] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.item_id, e.vector, e.embedded_at FROM item_embeddings e
                    JOIN items ON items.id = e.item_id AND items.deleted_at IS NULL
                    WHERE e.model = ? AND e.item_id > ? ORDER BY e.item_id LIMIT ?
                    """,
                arguments: [model, cursor?.rawValue ?? "", limit]
            ).map { row in
                ItemEmbedding(
                    itemID: ItemID(row["item_id"] as String),
                    model: model,
                    vector: try Self.floats(row["vector"]),
                    updatedAt: Timestamp(millisecondsSinceEpoch: row["embedded_at"])
                )
            }
        }
    }

    public func addSearchActivity(_ activity: SearchActivity) async throws {
        guard !activity.isEmpty else { return }
        let (queries, clicks) = (activity.queries, activity.clicks)
        try await write { db in
            let addQuery = try db.cachedStatement(
                sql: """
                    INSERT INTO search_queries (query, searches, zero_results, last_searched_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (query) DO UPDATE SET searches = searches + excluded.searches,
                        zero_results = zero_results + excluded.zero_results,
                        last_searched_at = max(last_searched_at, excluded.last_searched_at)
                    """
            )
            for stats in queries {
                try addQuery.execute(arguments: [
                    stats.query, stats.searches, stats.zeroResults, stats.lastSearchedAt.millisecondsSinceEpoch,
                ])
            }
            let addClicks = try db.cachedStatement(
                sql: """
                    INSERT INTO search_clicks (query, item_id, clicks) VALUES (?, ?, ?)
                    ON CONFLICT (query, item_id) DO UPDATE SET clicks = clicks + excluded.clicks
                    """
            )
            for click in clicks {
                try addClicks.execute(arguments: [click.query, click.itemID.rawValue, click.clicks])
            }
            let addShopper = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO search_query_shoppers (query, shopper) VALUES (?, ?)"
            )
            for row in activity.shoppers {
                try addShopper.execute(arguments: [row.query, row.shopper.rawValue])
            }
        }
    }

    public func searchQueryShoppers(limit: Int) async throws -> [SearchQueryShopper] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.query, s.shopper FROM search_query_shoppers s
                    JOIN search_queries q ON q.query = s.query
                    ORDER BY q.searches DESC, s.query, s.shopper LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                SearchQueryShopper(query: row["query"], shopper: ShopperDigest(rawValue: row["shopper"]))
            }
        }
    }

    public func searchQueries(limit: Int) async throws -> [SearchQueryStats] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT query, searches, zero_results, last_searched_at FROM search_queries
                    ORDER BY searches DESC, query LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in
                SearchQueryStats(
                    query: row["query"],
                    searches: row["searches"],
                    zeroResults: row["zero_results"],
                    lastSearchedAt: Timestamp(millisecondsSinceEpoch: row["last_searched_at"])
                )
            }
        }
    }

    public func searchClicks(limit: Int) async throws -> [SearchClickCount] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT query, item_id, clicks FROM search_clicks ORDER BY clicks DESC, query, item_id LIMIT ?",
                arguments: [limit]
            ).map { row in
                SearchClickCount(query: row["query"], itemID: ItemID(row["item_id"] as String), clicks: row["clicks"])
            }
        }
    }

    public func searchSynonyms() async throws -> (rules: [SynonymRule], revision: Int) {
        let row = try await read { db in
            try Row.fetchOne(db, sql: "SELECT value, revision FROM settings WHERE key = 'search.synonyms'")
                .map { (text: $0["value"] as String, revision: $0["revision"] as Int) }
        }
        guard let row else { return ([], 0) }
        do {
            return (try JSONDecoder().decode([SynonymRule].self, from: Data(row.text.utf8)), row.revision)
        } catch {
            throw AisleError(code: .unavailable, message: "the stored synonym rules are unreadable: \(error)")
        }
    }

    public func setSearchSynonyms(_ rules: [SynonymRule], at now: Timestamp) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(rules), as: UTF8.self)
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO settings (key, value, updated_at, revision) VALUES ('search.synonyms', ?, ?, 1)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                        revision = settings.revision + 1
                    """,
                arguments: [text, now.millisecondsSinceEpoch]
            )
            return try Int.fetchOne(db, sql: "SELECT revision FROM settings WHERE key = 'search.synonyms'") ?? 1
        }
    }
}
