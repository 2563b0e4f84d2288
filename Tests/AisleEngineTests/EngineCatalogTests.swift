import AisleCore
import AisleEngine
import AisleRecommend
import AisleSearch
import Testing

/// The catalog workflow: one call reaches the store, search and the recommender.
@Suite struct EngineCatalogTests {
    @Test("an upserted item is stored and searchable at once; a deleted one is gone from both")
    func upsertAndDelete() async throws {
        let fixture = try EngineFixture()
        let stored = try await fixture.engine.upsertItems(EngineFixture.shop)
        #expect(stored.count == 5 && stored.allSatisfy { $0.updatedAt != nil })
        #expect(try await fixture.searchIDs("tent ") == ["t1"])
        #expect(try await fixture.engine.item(ItemID("t1"))?.title == "Two person tent")
        #expect(try await fixture.engine.deleteItem(ItemID("t1")))
        #expect(try await fixture.searchIDs("tent ").isEmpty)
        #expect(try await fixture.engine.item(ItemID("t1")) == nil)
        #expect(try await fixture.engine.deleteItem(ItemID("t1")) == false, "a second delete finds nothing")
    }

    @Test("an upsert that renames an item changes what search finds")
    func renameReachesSearch() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        #expect(try await fixture.searchIDs("person ") == ["t1"])
        _ = try await fixture.engine.upsertItems([
            EngineFixture.item("t1", "Ultralight shelter", category: "Outdoor > Tents")
        ])
        #expect(try await fixture.searchIDs("person ").isEmpty)
        #expect(try await fixture.searchIDs("shelter ") == ["t1"])
    }

    @Test("items page in id order")
    func paging() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let first = try await fixture.engine.items(after: nil, limit: 2).map(\.id.rawValue)
        let next = try await fixture.engine.items(after: ItemID(first[1]), limit: 10).map(\.id.rawValue)
        #expect(first == ["b1", "j1"])
        #expect(next == ["j2", "j3", "t1"])
    }

    @Test("a deleted item leaves the live lists before any training")
    func deletedLeavesLists() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append((0..<5).map { EngineFixture.event(.view, user: "u\($0)", item: "j2") })
        #expect(
            fixture.engine.trending(window: .decayed, options: ListOptions()).page.items.first?.itemID.rawValue == "j2"
        )
        _ = try await fixture.engine.deleteItem(ItemID("j2"))
        let after = fixture.engine.trending(window: .decayed, options: ListOptions()).page.items.map(\.itemID.rawValue)
        #expect(!after.contains("j2"))
    }

    @Test("without a text model, embeddings are unavailable with advice")
    func noTextModel() async throws {
        let fixture = try EngineFixture()
        #expect(fixture.engine.textModel == nil)
        #expect(throws: AisleError.self) { try fixture.engine.requireTextModel() }
        await #expect(throws: AisleError.self) { _ = try await fixture.engine.embed(["jacket"]) }
        await #expect(throws: AisleError.self) { _ = try await fixture.engine.itemEmbedding(ItemID("j1")) }
    }
}
