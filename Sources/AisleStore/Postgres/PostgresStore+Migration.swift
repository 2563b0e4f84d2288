public import AisleCore
import Foundation
import PostgresNIO

/// Filling an empty shared store from an embedded one, for `aisle migrate`
/// (`MigrationDestination`): events go in with `COPY` as they were, indexes are built once at
/// the end.
extension PostgresStore: MigrationDestination {
    public func isEmptyForMigration() async throws -> Bool {
        try await query(
            """
            SELECT NOT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM items)
                AND NOT EXISTS (SELECT 1 FROM users)
            """,
            logger: logger
        ).collect().first?.decode(Bool.self) ?? false
    }

    public func beginMigratedEvents() async throws {
        try await dropEventIndexes()
    }

    public func loadMigratedEvents(_ events: [MigratedEvent]) async throws {
        guard !events.isEmpty else { return }
        var rows = EventRows()
        for event in events {
            rows.append(
                event.stored.event,
                sequence: event.stored.sequence,
                owner: event.owner,
                receivedAt: event.stored.receivedAt
            )
        }
        let (logger, loaded) = (self.logger, rows)
        try await transaction { connection in try await loaded.copy(connection, logger: logger) }
    }

    public func finishMigratedEvents(indexing: () -> Void) async throws {
        try await query(
            "UPDATE event_counter SET last = GREATEST(last, (SELECT COALESCE(MAX(seq), 0) FROM events))",
            logger: logger
        )
        indexing()
        try await ensureEventIndexes()
    }
}
