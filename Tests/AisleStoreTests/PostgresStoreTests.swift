import AisleCore
import AisleTestPostgres
import Foundation
import Testing

@testable import AisleStore

/// The PostgreSQL store's own behaviour: its URL, its migrations, an unreachable database.
@Suite struct PostgresStoreTests {
    @Test("a postgres:// URL gives host, port, user, password, database and TLS mode")
    func location() throws {
        let full = try PostgresStore.Location(url: "postgres://shop:s3cret@db.internal:6432/aisle?sslmode=require")
        #expect(full.host == "db.internal" && full.port == 6432 && full.user == "shop")
        #expect(full.password == "s3cret" && full.database == "aisle" && full.tls == .require)
        let plain = try PostgresStore.Location(url: "postgresql://aisle@127.0.0.1/shop")
        #expect(plain.port == 5432 && plain.password == nil && plain.tls == .disable)
    }

    @Test(
        "a URL without a user, host or database, with another scheme or an unknown parameter is refused by name",
        arguments: [
            ("mysql://u@h/db", "postgres://"), ("postgres://h/db", "no user"), ("postgres://u@/db", "no host"),
            ("postgres://u:pw@h:5432", "no database"), ("postgres://u@h/db?pool=3", "unknown URL parameter"),
            ("postgres://u@h/db?sslmode=verify", "sslmode must be"),
        ]
    )
    func badLocation(url: String, message: String) {
        do {
            _ = try PostgresStore.Location(url: url)
            Issue.record("\(url) was accepted")
        } catch let error as AisleError {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(!error.message.contains("pw"), "the password is not echoed")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a database nobody listens on is `unavailable` within the connect timeout, not a hang")
    func unreachable() async throws {
        let port = try PostgresTestServer.freePort()
        let error = await #expect(throws: AisleError.self) {
            _ = try await PostgresStore.connect(
                url: "postgres://aisle@127.0.0.1:\(port)/none",
                connectTimeout: .seconds(1)
            )
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:\(port)/none") == true, "\(error?.message ?? "")")
        // The connect timeout answered, not the pool's own retries giving up (which take a
        // minute): wall-clock bounds do not hold while the whole suite shares 2 cores.
        #expect(error?.message.contains("no connection within 1.0 seconds") == true, "\(error?.message ?? "")")
    }

    @Test(
        "nodes starting together migrate the schema once",
        .enabled(if: PostgresTestServer.available)
    )
    func concurrentMigrations() async throws {
        let url = try await PostgresTestServer.shared.newDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresStore.connect(url: url, connectTimeout: PostgresTestServer.connectTimeout)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        for store in stores {
            #expect(try await store.appliedMigrations() == Array(1...PostgresStore.migrations.count))
        }
        _ = try await stores[0].upsertItems([.fixture("a")], at: .t0)
        #expect(try await stores[3].item(ItemID("a"))?.title == "Down jacket")
        for store in stores { await store.close() }
    }

    static func eventIndexes(_ store: PostgresStore) async throws -> [String] {
        try await store.eventIndexNames()
    }

    @Test(
        "a bulk load into an empty log builds the event indexes at its end, and after a failed load too",
        .enabled(if: PostgresTestServer.available)
    )
    func bulkLoadIndexes() async throws {
        let url = try await PostgresTestServer.shared.newDatabase()
        let store = try await PostgresStore.connect(url: url, connectTimeout: PostgresTestServer.connectTimeout)
        let all = ["events_by_owner", "events_event_id_key", "events_pkey"]
        #expect(try await Self.eventIndexes(store) == all)
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await store.bulkLoad(
                {
                    _ = try await store.appendEvents([.fixture(user: "u", id: "a")], receivedAt: .t0)
                    #expect(try await Self.eventIndexes(store) == ["events_pkey"])
                    throw Stop()
                },
                indexing: {}
            )
        }
        #expect(try await Self.eventIndexes(store) == all)
        // The failed load's event is stored (its batch committed); its id is still found.
        #expect(try await store.appendEvents([.fixture(user: "u", id: "a")], receivedAt: .t0).duplicates == 1)
        await store.close()
        let fresh = try await PostgresStore.connect(
            url: try await PostgresTestServer.shared.newDatabase(),
            connectTimeout: PostgresTestServer.connectTimeout
        )
        var reported = false
        let loaded = try await fresh.bulkLoad(
            {
                try await fresh.appendEvents(
                    (0..<500).map { .fixture(user: "u\($0 % 7)", id: "e\($0)") },
                    receivedAt: .t0
                )
            },
            indexing: { reported = true }
        )
        #expect(loaded.accepted == 500 && reported)
        #expect(try await Self.eventIndexes(fresh) == all)
        await fresh.close()
    }

    @Test(
        "a node appending during another's bulk load: each id stored once, and a node starting meanwhile builds the indexes",
        .enabled(if: PostgresTestServer.available)
    )
    func appendsDuringBulkLoad() async throws {
        let url = try await PostgresTestServer.shared.newDatabase()
        let importer = try await PostgresStore.connect(url: url, connectTimeout: PostgresTestServer.connectTimeout)
        let node = try await PostgresStore.connect(url: url, connectTimeout: PostgresTestServer.connectTimeout)
        let outcomes = try await importer.bulkLoad(
            {
                let first = try await importer.appendEvents(
                    (0..<200).map { .fixture(user: "u\($0 % 5)", id: "e\($0)") },
                    receivedAt: .t0
                )
                // The node sees the import's ids (no index now: its read scans the table).
                let fromNode = try await node.appendEvents(
                    [.fixture(user: "x", id: "e7"), .fixture(user: "x", id: "n1")],
                    receivedAt: .t0
                )
                // A node that starts now builds the indexes before it serves.
                let late = try await PostgresStore.connect(url: url, connectTimeout: PostgresTestServer.connectTimeout)
                #expect(try await Self.eventIndexes(late).count == 3)
                await late.close()
                let second = try await importer.appendEvents(
                    [.fixture(user: "u", id: "n1"), .fixture(user: "u", id: "e8"), .fixture(user: "u", id: "e200")],
                    receivedAt: .t0
                )
                return (first, fromNode, second)
            },
            indexing: {}
        )
        #expect(outcomes.0.accepted == 200)
        #expect(outcomes.1.accepted == 1 && outcomes.1.duplicates == 1)
        // "n1" came from the node: the import's memory does not know it, the database does.
        #expect(outcomes.2.accepted == 1 && outcomes.2.duplicates == 2)
        await importer.close()
        await node.close()
    }
}
