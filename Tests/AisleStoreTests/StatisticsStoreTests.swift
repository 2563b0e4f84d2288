import AisleCore
import AisleStore
import Testing

/// What the dashboard reads: counts and the newest events.
@Suite struct StatisticsStoreTests {
    @Test("counts: live items, users and devices wherever they show, events and reviews", arguments: StoreKind.allCases)
    func counts(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.counts() == StoreCounts(items: 0, users: 0, devices: 0, events: 0, reviews: 0))
        _ = try await store.upsertItems([.fixture("a"), .fixture("b"), .fixture("c")], at: .t0)
        _ = try await store.deleteItem(ItemID("c"), at: .t0)
        _ = try await store.putUsers([User(id: UserID("profile-only"))], at: .t0)
        _ = try await store.appendEvents(
            [
                .fixture(user: "u1", item: "a"), .fixture(user: "u1", item: "b"), .fixture(device: "guest", item: "a"),
                .fixture(device: "phone", item: "b"),
            ],
            receivedAt: .t0
        )
        _ = try await store.identify(device: DeviceID("phone"), as: UserID("u2"), at: .t0, relinking: .refuse)
        let counts = try await store.counts()
        #expect(counts.items == 2, "a deleted item is not counted")
        // profile-only, u1 (events), u2 (a linked device, its events now theirs).
        #expect(counts.users == 3)
        #expect(counts.devices == 2, "guest (anonymous events) and phone (linked)")
        #expect(counts.events == 4)
        #expect(counts.reviews == 0)
    }

    @Test("the newest events come newest first, across shoppers and writes", arguments: StoreKind.allCases)
    func newest(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.newestEvents(limit: 5).isEmpty)
        // Interleaved shoppers in one write, then two more writes.
        let first = (0..<6).map { Event.fixture(user: "u\($0 % 3)", item: "first-\($0)") }
        _ = try await store.appendEvents(first, receivedAt: .t0)
        _ = try await store.appendEvents([.fixture(device: "d", item: "second")], receivedAt: .t0)
        _ = try await store.appendEvents([.fixture(user: "u0", item: "third")], receivedAt: .t0)
        let newest = try await store.newestEvents(limit: 3)
        #expect(newest.count == 3)
        #expect(newest.map(\.sequence) == newest.map(\.sequence).sorted(by: >))
        #expect(newest.prefix(2).compactMap(\.event.itemID?.rawValue) == ["third", "second"])
        let all = try await store.newestEvents(limit: 100)
        #expect(all.count == 8)
        #expect(all.map(\.sequence) == Array(all.map(\.sequence).sorted(by: >)))
        #expect(Set(all.map(\.sequence)).count == 8)
        #expect(try await store.newestEvents(limit: 0).isEmpty)
    }
}
