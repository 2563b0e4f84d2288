public import AisleCore
import Foundation
import GRDB

/// Reading the embedded store whole, for `aisle migrate` (`MigrationSource`).
extension SQLiteStore: MigrationSource {
    public func migratedEvents(after cursor: Int64?, limit: Int) async throws -> (
        events: [MigratedEvent], next: Int64?
    ) {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT first_seq, owner, attributed, events FROM event_blocks
                    WHERE first_seq > ? ORDER BY first_seq LIMIT ?
                    """,
                arguments: [cursor ?? Int64.min, max(1, limit)]
            )
            var events: [MigratedEvent] = []
            for row in rows {
                let owner: String = row[1]
                for event in try Self.decode(row) {
                    events.append(MigratedEvent(owner: owner, stored: try event.stored()))
                }
            }
            return (events, rows.count < max(1, limit) ? nil : rows.last.map { $0[0] as Int64 })
        }
    }

    public func allDeviceLinks() async throws -> [DeviceLink] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT device_id, user_id, linked_at FROM device_links ORDER BY device_id").map {
                row in
                DeviceLink(
                    deviceID: DeviceID(row[0] as String),
                    userID: UserID(row[1] as String),
                    linkedAt: Timestamp(millisecondsSinceEpoch: row[2])
                )
            }
        }
    }

    public func allKeyHashes() async throws -> [(scope: String, hash: String)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT scope, hash FROM api_keys ORDER BY scope").map { ($0[0], $0[1]) }
        }
    }

    public func embeddingModels() async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT model FROM item_embeddings ORDER BY model")
        }
    }

    public func allOrders() async throws -> [Order] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM orders ORDER BY id").map(Self.order)
        }
    }
}
