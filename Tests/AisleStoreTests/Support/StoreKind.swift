import AisleCore
import AisleStore
import AisleTestPostgres
import Foundation
import Testing

/// Every store implementation the contract suite runs against: SQLite, and PostgreSQL (a real
/// server the tests start, `PostgresTestServer`).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteInMemory = "SQLite in memory"
    case sqliteOnDisk = "SQLite on disk"
    case postgres = "PostgreSQL"

    var testDescription: String { rawValue }

    func make(sessions: SessionPolicy = SessionPolicy()) async throws -> any Store {
        try await makeBulkLoading(sessions: sessions)
    }

    /// Every kind loads imports its own way (`BulkLoadingStore`).
    func makeBulkLoading(sessions: SessionPolicy = SessionPolicy()) async throws -> any BulkLoadingStore {
        switch self {
        case .sqliteInMemory:
            return try SQLiteStore.inMemory(sessions: sessions)
        case .sqliteOnDisk:
            return try SQLiteStore.open(directory: TemporaryDirectory.make(), sessions: sessions)
        case .postgres:
            // A long wait: the whole suite on 2 cores can keep the pool's task from running for
            // tens of seconds (CI saw the 10 s default pass before a connection was made).
            return try await PostgresStore.connect(
                url: try await PostgresTestServer.shared.newDatabase(),
                connectTimeout: PostgresTestServer.connectTimeout,
                requestTimeout: PostgresTestServer.connectTimeout,
                sessions: sessions
            )
        }
    }
}

enum TemporaryDirectory {
    /// A new empty folder under the system temporary directory.
    static func make() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

extension Timestamp {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_675_817_000)

    static func t0(plusMinutes minutes: Int) -> Timestamp {
        t0.adding(.seconds(minutes * 60))
    }
}

extension Event {
    static func fixture(
        _ type: EventType = .view,
        user: String? = nil,
        device: String? = nil,
        item: String? = "i1",
        id: String? = nil,
        at time: Timestamp = .t0,
        value: Double? = nil
    ) -> Event {
        Event(
            eventID: id.map(EventID.init),
            type: type,
            userID: user.map(UserID.init),
            deviceID: device.map(DeviceID.init),
            itemID: item.map(ItemID.init),
            value: value,
            timestamp: time
        )
    }
}

extension Item {
    static func fixture(_ id: String, title: String = "Down jacket") -> Item {
        Item(id: ItemID(id), title: title, categories: ["Clothing > Jackets"], price: 99, currency: "EUR")
    }
}
