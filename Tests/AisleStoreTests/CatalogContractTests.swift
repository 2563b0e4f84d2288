import AisleCore
import AisleStore
import Testing

/// The catalog's contract (`CatalogStore`), against SQLite and a real PostgreSQL server.
@Suite struct CatalogContractTests {
    @Test("an upserted item reads back field for field", arguments: StoreKind.allCases)
    func itemRoundTrip(kind: StoreKind) async throws {
        let store = try await kind.make()
        var item = Item.fixture("羽绒服-1", title: "这件羽绒服质量很好 🧥")
        item.attributes = ["sizes": .array([.string("S"), .string("M")]), "weight_g": .number(850)]
        item.tags = ["winter"]
        _ = try await store.upsertItems([item], at: .t0)
        let stored = try #require(try await store.item(item.id))
        #expect(stored.title == item.title)
        #expect(stored.attributes == item.attributes)
        #expect(stored.categories == item.categories)
        #expect(stored.tags == item.tags)
        #expect(stored.createdAt == .t0)
    }

    @Test(
        "hidden and out-of-stock flags read back, and a later upsert can clear them",
        arguments: StoreKind.allCases
    )
    func visibilityFlags(kind: StoreKind) async throws {
        let store = try await kind.make()
        var item = Item.fixture("a")
        item.hidden = true
        item.inStock = false
        _ = try await store.upsertItems([item], at: .t0)
        let stored = try #require(try await store.item(item.id))
        #expect(stored.hidden && !stored.inStock)
        _ = try await store.upsertItems([.fixture("a")], at: .t0(plusMinutes: 1))
        let cleared = try #require(try await store.item(item.id))
        #expect(!cleared.hidden && cleared.inStock)
    }

    @Test("a second upsert keeps created_at and moves updated_at", arguments: StoreKind.allCases)
    func upsertKeepsCreation(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("a")], at: .t0)
        let second = try await store.upsertItems([.fixture("a", title: "Renamed")], at: .t0(plusMinutes: 5))
        #expect(second[0].createdAt == .t0)
        #expect(second[0].updatedAt == .t0(plusMinutes: 5))
        #expect(second[0].title == "Renamed")
    }

    @Test(
        "a batch of new and stored items, one named twice: the later wins; each position reads the stored row",
        arguments: StoreKind.allCases
    )
    func batchWithRepeats(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("old")], at: .t0)
        var dated = Item.fixture("dated")
        dated.createdAt = .t0(plusMinutes: -60)
        dated.price = nil
        dated.brand = nil
        let batch: [Item] = [
            .fixture("new", title: "First"), .fixture("old", title: "Old renamed"), dated,
            .fixture("new", title: "Second"),
        ]
        let stored = try await store.upsertItems(batch, at: .t0(plusMinutes: 5))
        #expect(stored.map(\.id.rawValue) == ["new", "old", "dated", "new"])
        #expect(stored.map(\.title) == ["Second", "Old renamed", dated.title, "Second"])
        #expect(stored[1].createdAt == .t0)
        #expect(stored[2].createdAt == .t0(plusMinutes: -60))
        #expect(stored[2].price == nil && stored[2].brand == nil)
        #expect(try await store.item(ItemID("new"))?.title == "Second")
        #expect(try await store.item(ItemID("new"))?.createdAt == .t0(plusMinutes: 5))
    }

    @Test("item pages are in byte order and cover every item once", arguments: StoreKind.allCases)
    func itemPages(kind: StoreKind) async throws {
        let store = try await kind.make()
        let ids = ["b", "a", "é", "Z", "羽", "c", "10", "9"]
        _ = try await store.upsertItems(ids.map { Item.fixture($0) }, at: .t0)
        var seen: [ItemID] = []
        var cursor: ItemID?
        repeat {
            let page = try await store.items(after: cursor, limit: 3)
            seen += page.map(\.id)
            cursor = page.count == 3 ? page.last?.id : nil
        } while cursor != nil
        #expect(seen == ids.map(ItemID.init).sorted())
    }

    @Test("ids that differ only in Unicode normalization are two items", arguments: StoreKind.allCases)
    func normalizationDistinct(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems(
            [.fixture("caf\u{E9}", title: "NFC"), .fixture("cafe\u{301}", title: "NFD")],
            at: .t0
        )
        #expect(try await store.item(ItemID("caf\u{E9}"))?.title == "NFC")
        #expect(try await store.item(ItemID("cafe\u{301}"))?.title == "NFD")
        #expect(try await store.items(after: nil, limit: 10).count == 2)
    }

    @Test(
        "a deleted item is hidden from reads and lists, and deleting it again reports nothing",
        arguments: StoreKind.allCases
    )
    func deleteHidesItem(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("a"), .fixture("b")], at: .t0)
        #expect(try await store.deleteItem(ItemID("a"), at: .t0))
        #expect(try await store.item(ItemID("a")) == nil)
        #expect(try await store.items(after: nil, limit: 10).map(\.id) == [ItemID("b")])
        #expect(try await store.deleteItem(ItemID("a"), at: .t0) == false)
        #expect(try await store.deleteItem(ItemID("never"), at: .t0) == false)
        // An upsert brings it back.
        _ = try await store.upsertItems([.fixture("a")], at: .t0(plusMinutes: 1))
        #expect(try await store.item(ItemID("a")) != nil)
    }

    @Test(
        "concurrent upserts of the same items end with one row each and the last write's fields",
        arguments: StoreKind.allCases
    )
    func concurrentUpserts(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let items = (0..<20).map { Item.fixture("item-\($0)", title: "writer \(writer)") }
                    _ = try await store.upsertItems(items, at: .t0(plusMinutes: writer))
                }
            }
            try await group.waitForAll()
        }
        let stored = try await store.items(after: nil, limit: 100)
        #expect(stored.count == 20)
        #expect(Set(stored.map(\.title)).count <= 8 && stored.allSatisfy { $0.title.hasPrefix("writer ") })
        #expect(stored.allSatisfy { $0.createdAt != nil && $0.updatedAt != nil })
    }
}
