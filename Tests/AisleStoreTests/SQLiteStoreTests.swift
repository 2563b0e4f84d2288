import AisleCore
import AisleStore
import Foundation
import GRDB
import Testing

/// What only the SQLite store promises: its file, and no row of an erased user left behind.
@Suite struct SQLiteStoreTests {
    @Test("erasure leaves no row that names the user or their device, nor their event ids")
    func erasureLeavesNoRow() async throws {
        let directory = TemporaryDirectory.make()
        do {
            let store = try SQLiteStore.open(directory: directory)
            _ = try await store.putUsers([User(id: UserID("gone"))], at: .t0)
            _ = try await store.appendEvents(
                [
                    .fixture(device: "gone-phone", id: "g1"), .fixture(user: "gone", id: "g2"),
                    .fixture(user: "stays", id: "s1"),
                ],
                receivedAt: .t0
            )
            _ = try await store.identify(device: DeviceID("gone-phone"), as: UserID("gone"), at: .t0, relinking: .allow)
            _ = try await store.appendEvents([.fixture(device: "gone-phone", id: "g3")], receivedAt: .t0)
            let erased = try await store.eraseUser(UserID("gone"))
            #expect(erased.events == 3)
            // The ids are free again: a new event with one of them is stored.
            #expect(try await store.appendEvents([.fixture(user: "new", id: "g1")], receivedAt: .t0).accepted == 1)
            #expect(try await store.appendEvents([.fixture(user: "stays", id: "s1")], receivedAt: .t0).duplicates == 1)
        }
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        let counts = try await database.read { db in
            [
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE id = 'gone'") ?? -1,
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM event_blocks WHERE owner IN ('u:gone', 'd:gone-phone')
                            OR instr(events, CAST('gone' AS BLOB)) > 0
                        """
                ) ?? -1,
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM device_links WHERE user_id = 'gone' OR device_id = 'gone-phone'"
                ) ?? -1,
                // Only "s1" and the new "g1" are left in the event-id index.
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_ids WHERE event_id NOT IN ('s1', 'g1')") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_ids") ?? -1,
            ]
        }
        #expect(counts == [0, 0, 0, 0, 2])
    }

    @Test("data survives reopening the folder")
    func reopen() async throws {
        let directory = TemporaryDirectory.make()
        do {
            let store = try SQLiteStore.open(directory: directory)
            _ = try await store.appendEvents([.fixture(user: "u", id: "e1")], receivedAt: .t0)
        }
        let reopened = try SQLiteStore.open(directory: directory)
        #expect(try await reopened.history(of: UserID("u"), types: [], after: nil, limit: 10).count == 1)
        #expect(try await reopened.appendEvents([.fixture(user: "u", id: "e1")], receivedAt: .t0).duplicates == 1)
    }

    @Test("once writes pause, the maintenance loop copies the WAL into the database and empties it")
    func maintenanceEmptiesTheWAL() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        let events = (0..<2000).map { Event.fixture(user: "u\($0 % 300)", id: "w\($0)") }
        _ = try await store.appendEvents(events, receivedAt: .t0)
        let wal = directory + "/aisle.sqlite-wal"
        func walBytes() throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? -1
        }
        #expect(try walBytes() > 0)
        let maintenance = Task { await store.runMaintenance() }
        // Two quiet passes of 250 ms are needed; allow ten seconds on a busy machine.
        var waited = Duration.zero
        while try walBytes() > 0, waited < .seconds(10) {
            try await Task.sleep(for: .milliseconds(100))
            waited += .milliseconds(100)
        }
        maintenance.cancel()
        await maintenance.value
        #expect(try walBytes() == 0)
        // Nothing was lost: the database file alone holds every event now.
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        let stored = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT SUM(count) FROM event_blocks") ?? -1
        }
        #expect(stored == 2000)
        #expect(try await store.appendEvents([.fixture(user: "u1", id: "w1")], receivedAt: .t0).duplicates == 1)
    }

    @Test("a second process-level lock on the folder is refused with advice")
    func folderLock() throws {
        let directory = TemporaryDirectory.make()
        let lock = try DataDirectoryLock(directory: directory)
        #expect(throws: AisleError.self) { try DataDirectoryLock(directory: directory) }
        withExtendedLifetime(lock) {}
    }
}

@Suite struct SQLiteBulkLoadTests {
    func indexes(_ directory: String) async throws -> [String] {
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        return try await database.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_blocks' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        }
    }

    @Test("a bulk load into an empty log drops the owner index, keeps event ids in memory, and writes both at the end")
    func buildsIndexes() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        let during = try await store.bulkLoad {
            let first = try await store.appendEvents(
                [
                    .fixture(user: "u", id: "a", at: .t0), .fixture(user: "u", id: "b", at: .t0(plusMinutes: 5)),
                    .fixture(device: "d"),
                ],
                receivedAt: .t0
            )
            #expect(first.accepted == 3)
            // Duplicates are found during the load, in this write and in the next.
            let second = try await store.appendEvents(
                [.fixture(user: "v", id: "a"), .fixture(user: "v", id: "c"), .fixture(user: "v", id: "c")],
                receivedAt: .t0
            )
            #expect(second.accepted == 1 && second.duplicates == 2)
            return try await indexes(directory)
        }
        #expect(during == [])
        #expect(try await indexes(directory) == ["event_blocks_by_owner"])
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history.count == 2)
        #expect(history[0].event.sessionID == history[1].event.sessionID)
        // After the load, the written index finds the ids.
        #expect(
            try await store.appendEvents([.fixture(user: "w", id: "b"), .fixture(user: "w", id: "c")], receivedAt: .t0)
                .duplicates == 2
        )
    }

    @Test("erasing a user takes their bulk-loaded event ids out of the hash index")
    func erasureOfBulkLoadedIDs() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        _ = try await store.bulkLoad {
            try await store.appendEvents(
                [.fixture(user: "gone", id: "b1"), .fixture(user: "stays", id: "b2")],
                receivedAt: .t0
            )
        }
        #expect(try await store.eraseUser(UserID("gone")).events == 1)
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        #expect(
            try await database.read { db in
                try Int.fetchOne(db, sql: "SELECT SUM(length(entries)) / 16 FROM event_id_buckets")
            } == 1
        )
        let again = try await store.appendEvents(
            [.fixture(user: "new", id: "b1"), .fixture(user: "new", id: "b2")],
            receivedAt: .t0
        )
        #expect(again.rows == [.accepted, .duplicate])
    }

    @Test("a bulk load into a log with events keeps the indexes and continues sessions")
    func nonEmptyTable() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        _ = try await store.appendEvents([.fixture(user: "u", at: .t0)], receivedAt: .t0)
        let during = try await store.bulkLoad {
            _ = try await store.appendEvents([.fixture(user: "u", at: .t0(plusMinutes: 5))], receivedAt: .t0)
            return try await indexes(directory)
        }
        #expect(during.count == 1)
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history[0].event.sessionID == history[1].event.sessionID)
    }

    @Test("opening a folder whose bulk load died rebuilds the owner index and the event-id index")
    func recoversIndexes() async throws {
        let directory = TemporaryDirectory.make()
        do {
            let store = try SQLiteStore.open(directory: directory)
            _ = try await store.appendEvents([.fixture(user: "u", id: "kept")], receivedAt: .t0)
        }
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        try await database.write { db in
            // What a load that died leaves: no owner index, no ids indexed, the marker set.
            try db.execute(
                sql: """
                    DROP INDEX event_blocks_by_owner; DELETE FROM event_id_buckets;
                    INSERT INTO settings (key, value, updated_at) VALUES ('bulk_load_running', '1', 0);
                    """
            )
        }
        let store = try SQLiteStore.open(directory: directory)
        #expect(try await indexes(directory) == ["event_blocks_by_owner"])
        #expect(try await store.appendEvents([.fixture(user: "u", id: "kept")], receivedAt: .t0).duplicates == 1)
        #expect(
            try await database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM settings WHERE key = 'bulk_load_running'")
            } == 0
        )
    }
}
