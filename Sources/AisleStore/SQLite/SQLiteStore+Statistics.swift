public import AisleCore
import Foundation
import GRDB

extension SQLiteStore {
    public func counts() async throws -> StoreCounts {
        try await read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            // Users and devices are counted where they show: profiles, event owners ("u:" and
            // "d:" block owners, by range so the owner index serves it) and device links.
            return StoreCounts(
                items: try count("SELECT COUNT(*) FROM items WHERE deleted_at IS NULL"),
                users: try count(
                    """
                    SELECT COUNT(*) FROM (
                        SELECT id FROM users
                        UNION SELECT DISTINCT substr(owner, 3) FROM event_blocks WHERE owner >= 'u:' AND owner < 'u;'
                        UNION SELECT user_id FROM device_links)
                    """
                ),
                devices: try count(
                    """
                    SELECT COUNT(*) FROM (
                        SELECT device_id FROM device_links
                        UNION SELECT DISTINCT substr(owner, 3) FROM event_blocks WHERE owner >= 'd:' AND owner < 'd;')
                    """
                ),
                events: try count("SELECT COALESCE(SUM(count), 0) FROM event_blocks"),
                reviews: try count("SELECT COUNT(*) FROM reviews")
            )
        }
    }

    public func newestEvents(limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            // Blocks hold runs of events in arrival order: the newest blocks hold the newest.
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT first_seq, owner, attributed, events, count FROM event_blocks ORDER BY first_seq DESC"
                )
            )
            var found: [BlockEvent] = []
            var oldestTaken = Int64.max
            while let row = try rows.next() {
                let first: Int64 = row[0]
                // Every event of a block is at least its first sequence: once `limit` events
                // newer than this block's newest-possible are held, no older block can add one.
                if found.count >= limit, first + Int64(EventBlockWriter.maxEventsPerBlock) < oldestTaken { break }
                found += try Self.decode(row)
                found.sort { $0.sequence > $1.sequence }
                if found.count > limit { found.removeLast(found.count - limit) }
                oldestTaken = found.last?.sequence ?? .max
            }
            return try found.map { try $0.stored() }
        }
    }
}
