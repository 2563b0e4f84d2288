import AisleCore
import AisleEngine
import AisleMath
import AisleRecommend
import AisleSearch
import AisleStore

/// An engine over a fresh in-memory SQLite store, no text model, driven in-process: no
/// sockets, no sleeps.
struct EngineFixture {
    let engine: Engine
    let store: any Store

    init(configure: (inout AisleConfiguration) -> Void = { _ in }) throws {
        var configuration = AisleConfiguration()
        configure(&configuration)
        store = try SQLiteStore.inMemory()
        let recommendations = RecommendationService(
            store: store,
            settings: RecommendationService.Settings(parallelism: Parallelism(threads: 2), snapshotPath: nil),
            initial: .empty(at: .now())
        )
        engine = Engine(configuration: configuration, store: store, recommendations: recommendations)
    }

    /// A second engine over `store`, as after a restart.
    init(sharing store: any Store) {
        self.store = store
        let recommendations = RecommendationService(
            store: store,
            settings: RecommendationService.Settings(parallelism: Parallelism(threads: 2), snapshotPath: nil),
            initial: .empty(at: .now())
        )
        engine = Engine(configuration: AisleConfiguration(), store: store, recommendations: recommendations)
    }

    static func item(
        _ id: String,
        _ title: String,
        category: String = "Clothing > Jackets",
        brand: String? = nil
    ) -> Item {
        Item(id: ItemID(id), title: title, categories: [category], brand: brand, price: 50)
    }

    /// The outdoor shop most tests use: three jackets, boots, a tent.
    static let shop = [
        item("j1", "Waterproof rain jacket", brand: "Fjellby"),
        item("j2", "Down jacket", brand: "Aurora"),
        item("j3", "Fleece jacket", brand: "Fjellby"),
        item("b1", "Leather hiking boots", category: "Shoes > Boots", brand: "Stigen"),
        item("t1", "Two person tent", category: "Outdoor > Tents", brand: "Aurora"),
    ]

    static func event(
        _ type: EventType,
        user: String? = nil,
        device: String? = nil,
        item: String? = nil,
        id: String? = nil,
        query: String? = nil,
        secondsAgo: Int64 = 60
    ) -> Event {
        Event(
            eventID: id.map { EventID($0) },
            type: type,
            userID: user.map { UserID($0) },
            deviceID: device.map { DeviceID($0) },
            itemID: item.map { ItemID($0) },
            query: query,
            timestamp: Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - secondsAgo * 1000)
        )
    }

    /// Appends events as the ingest key would (devices link only when unclaimed).
    @discardableResult
    func append(_ events: [Event]) async throws -> AppendOutcome {
        try await engine.appendEvents(events, linking: .unclaimed(only: nil))
    }

    /// Item ids of a search's hits, best first.
    func searchIDs(_ text: String, shopper: Shopper? = nil) async throws -> [String] {
        var query = SearchQuery(text: text)
        query.record = false
        return try await engine.search(query, shopper: shopper).results.hits.map(\.itemID.rawValue)
    }
}
