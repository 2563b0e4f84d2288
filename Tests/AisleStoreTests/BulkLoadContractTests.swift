import AisleCore
import AisleStore
import Testing

/// An import's load (`BulkLoadingStore.bulkLoad`) stores what a request's append would, on every
/// store: SQLite (deferred indexes) and PostgreSQL (memory and `COPY`).
@Suite struct BulkLoadContractTests {
    @Test(
        "a bulk load finds repeated ids within and across batches, continues sessions, and keeps every field",
        arguments: StoreKind.allCases
    )
    func loadMatchesAppends(kind: StoreKind) async throws {
        let store = try await kind.makeBulkLoading()
        _ = try await store.upsertItems([.fixture("i1")], at: .t0)
        var awkward = Event.fixture(.search, user: "u", item: nil, id: "q\t1", at: .t0(plusMinutes: 2))
        awkward.query = "tab\tnew\nline back\\slash \\N 羽绒服 🧥"
        awkward.context = ["note": .string("a\tb")]
        awkward.device = DeviceInfo(platform: .ios, model: "iPhone\r15", appVersion: nil)
        let (first, second) = try await store.bulkLoad(
            {
                let first = try await store.appendEvents(
                    [
                        .fixture(user: "u", id: "a", at: .t0, value: 2.5), awkward,
                        .fixture(device: "d", item: "not-in-catalog"), .fixture(user: "u", id: "a"),
                    ],
                    receivedAt: .t0
                )
                let second = try await store.appendEvents(
                    [.fixture(user: "v", id: "a"), .fixture(user: "u", id: "c", at: .t0(plusMinutes: 10))],
                    receivedAt: .t0
                )
                return (first, second)
            },
            indexing: {}
        )
        #expect(first.accepted == 3 && first.duplicates == 1 && first.unknownItems == 1)
        #expect(second.accepted == 1 && second.duplicates == 1)
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history.map { $0.event.eventID?.rawValue } == ["c", "q\t1", "a"])
        // One session: ten minutes apart at most, across the two batches.
        #expect(Set(history.map(\.event.sessionID)).count == 1)
        let stored = try #require(history.first { $0.event.eventID?.rawValue == "q\t1" }?.event)
        #expect(stored.query == awkward.query)
        #expect(stored.context == awkward.context)
        #expect(stored.device == awkward.device)
        #expect(stored.itemID == nil && stored.value == nil)
        #expect(history.last?.event.value == 2.5)
        #expect(try await store.anonymousHistory(of: DeviceID("d"), limit: 10).count == 1)
        // After the load, appends see what it stored: its ids and its sessions.
        let after = try await store.appendEvents(
            [.fixture(user: "u", id: "c"), .fixture(user: "u", id: "e", at: .t0(plusMinutes: 20))],
            receivedAt: .t0
        )
        #expect(after.accepted == 1 && after.duplicates == 1)
        let latest = try await store.history(of: UserID("u"), types: [], after: nil, limit: 1)
        #expect(latest.first?.event.sessionID == history.first?.event.sessionID)
    }
}
