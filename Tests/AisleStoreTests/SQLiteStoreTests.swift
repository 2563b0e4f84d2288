import AisleCore
import AisleStore
import GRDB
import Testing

/// What only the SQLite store promises: its file, and no row of an erased user left behind.
@Suite struct SQLiteStoreTests {
    @Test("erasure leaves no row that names the user or their device")
    func erasureLeavesNoRow() async throws {
        let directory = TemporaryDirectory.make()
        do {
            let store = try SQLiteStore.open(directory: directory)
            _ = try await store.putUsers([User(id: UserID("gone"))], at: .t0)
            _ = try await store.appendEvents([.fixture(device: "gone-phone"), .fixture(user: "gone")], receivedAt: .t0)
            _ = try await store.identify(device: DeviceID("gone-phone"), as: UserID("gone"), at: .t0, relinking: .allow)
            _ = try await store.appendEvents([.fixture(device: "gone-phone")], receivedAt: .t0)
            _ = try await store.eraseUser(UserID("gone"))
        }
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        let counts = try await database.read { db in
            [
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE id = 'gone'") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE user_id = 'gone' OR device_id = 'gone-phone'") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device_links WHERE user_id = 'gone' OR device_id = 'gone-phone'") ?? -1,
            ]
        }
        #expect(counts == [0, 0, 0])
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
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    @Test("a bulk load into an empty table drops the event indexes and builds them at the end")
    func buildsIndexes() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        let during = try await store.bulkLoad {
            _ = try await store.appendEvents(
                [.fixture(user: "u", at: .t0), .fixture(user: "u", at: .t0(plusMinutes: 5)), .fixture(device: "d")],
                receivedAt: .t0
            )
            return try await indexes(directory)
        }
        #expect(during == ["events_by_event_id"])
        #expect(try await indexes(directory) == ["events_by_anonymous_device", "events_by_event_id", "events_by_user"])
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history.count == 2)
        #expect(history[0].event.sessionID == history[1].event.sessionID)
    }

    @Test("a bulk load into a table with events keeps the indexes and continues sessions")
    func nonEmptyTable() async throws {
        let directory = TemporaryDirectory.make()
        let store = try SQLiteStore.open(directory: directory)
        _ = try await store.appendEvents([.fixture(user: "u", at: .t0)], receivedAt: .t0)
        let during = try await store.bulkLoad {
            _ = try await store.appendEvents([.fixture(user: "u", at: .t0(plusMinutes: 5))], receivedAt: .t0)
            return try await indexes(directory)
        }
        #expect(during.count == 3)
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history[0].event.sessionID == history[1].event.sessionID)
    }

    @Test("opening a folder whose bulk load died rebuilds the missing indexes")
    func recoversIndexes() async throws {
        let directory = TemporaryDirectory.make()
        do {
            _ = try SQLiteStore.open(directory: directory)
        }
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        try await database.write { db in try db.execute(sql: "DROP INDEX events_by_user; DROP INDEX events_by_anonymous_device") }
        _ = try SQLiteStore.open(directory: directory)
        #expect(try await indexes(directory).count == 3)
    }
}
