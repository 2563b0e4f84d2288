import AisleCore
import AisleStore
import Testing

/// The item-embedding part of the store contract; runs against each `StoreKind`.
@Suite struct EmbeddingStoreTests {
    @Test(
        "embeddings read back exactly; an upsert of the item makes its embedding stale",
        arguments: StoreKind.allCases
    )
    func roundTripAndStaleness(kind: StoreKind) async throws {
        let store = try await kind.make()
        let stored = try await store.upsertItems([.fixture("a"), .fixture("b"), .fixture("c")], at: .t0)
        #expect(
            try await store.itemsNeedingEmbedding(model: "m", after: nil, limit: 10).map(\.id.rawValue) == [
                "a", "b", "c",
            ]
        )
        let vector: [Float] = [0.5, -0.25, .leastNonzeroMagnitude, 1e-7, 3]
        let embeddings = stored.prefix(2).map {
            ItemEmbedding(itemID: $0.id, model: "m", vector: vector, updatedAt: $0.updatedAt ?? .t0)
        }
        let ghost = ItemEmbedding(itemID: ItemID("ghost"), model: "m", vector: vector, updatedAt: .t0)
        #expect(try await store.putItemEmbeddings(embeddings + [ghost]) == 2)
        #expect(try await store.itemEmbedding(ItemID("a"), model: "m")?.vector == vector)
        #expect(try await store.itemEmbedding(ItemID("a"), model: "other") == nil)
        #expect(try await store.itemEmbedding(ItemID("ghost"), model: "m") == nil)
        #expect(try await store.itemsNeedingEmbedding(model: "m", after: nil, limit: 10).map(\.id.rawValue) == ["c"])
        #expect(
            try await store.itemsNeedingEmbedding(model: "other", after: ItemID("a"), limit: 1).map(\.id.rawValue) == [
                "b"
            ]
        )
        _ = try await store.upsertItems([.fixture("a")], at: .t0(plusMinutes: 1))
        #expect(
            try await store.itemsNeedingEmbedding(model: "m", after: nil, limit: 10).map(\.id.rawValue) == ["a", "c"]
        )
        _ = try await store.deleteItem(ItemID("c"), at: .t0(plusMinutes: 1))
        #expect(try await store.itemsNeedingEmbedding(model: "m", after: nil, limit: 10).map(\.id.rawValue) == ["a"])
    }
}
