import AisleCore
import AisleEngine
import AisleRecommend
import AisleSearch
import AisleStore
import Foundation
import Testing

/// Events and identity: appended once, feeding search's click learning and the live lists.
@Suite struct EngineEventsTests {
    @Test("a click that names its search lifts that item for the query; a retried batch counts once")
    func searchClicks() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        var query = SearchQuery(text: "jacket ")
        query.explain = true
        query.record = true
        _ = try await fixture.engine.search(query)
        let click = EngineFixture.event(.click, user: "u1", item: "j3", id: "click-1", query: "jacket")
        let first = try await fixture.append([click])
        let retry = try await fixture.append([click])
        #expect(first.accepted == 1 && retry.duplicates == 1)
        query.record = false
        let hits = try await fixture.engine.search(query).results.hits
        #expect(hits.first?.itemID.rawValue == "j3")
        let clicks = try #require(hits.first?.parts?.clicks)
        #expect(abs(clicks - 0.2 * log(2) / log(21)) < 0.0001, "one click, not two")
    }

    @Test("a click without a query, or for an unknown item, lifts nothing")
    func clicksWithoutQuery() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        var query = SearchQuery(text: "jacket ")
        query.explain = true
        _ = try await fixture.engine.search(query)
        let outcome = try await fixture.append([
            EngineFixture.event(.click, user: "u1", item: "j3"),
            EngineFixture.event(.click, user: "u1", item: "nope", query: "jacket"),
        ])
        #expect(outcome.unknownItems == 1)
        query.record = false
        let hits = try await fixture.engine.search(query).results.hits
        #expect(hits.allSatisfy { ($0.parts?.clicks ?? 0) == 0 })
    }

    @Test("identify makes a device's events its user's, and the device's history is the user's")
    func identify() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append([EngineFixture.event(.view, device: "d1", item: "j1")])
        let outcome = try await fixture.engine.identify(device: DeviceID("d1"), as: UserID("u1"), relinking: .refuse)
        #expect(outcome.eventsAttributed == 1 && outcome.previousUser == nil)
        #expect(try await fixture.engine.linkedUser(of: DeviceID("d1")) == UserID("u1"))
        let history = try await fixture.engine.history(of: UserID("u1"), types: [], after: nil, limit: 10)
        #expect(history.map(\.event.itemID?.rawValue) == ["j1"])
        await #expect(throws: AisleError.self, "another user may not take the device with .refuse") {
            _ = try await fixture.engine.identify(device: DeviceID("d1"), as: UserID("u2"), relinking: .refuse)
        }
    }

    @Test("an event carrying a user and an unclaimed device links the device as identify would")
    func linkingOnIngest() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append([EngineFixture.event(.view, user: "u1", device: "d1", item: "j1")])
        #expect(try await fixture.engine.linkedUser(of: DeviceID("d1")) == UserID("u1"))
        try await fixture.append([EngineFixture.event(.view, user: "u2", device: "d1", item: "j2")])
        #expect(try await fixture.engine.linkedUser(of: DeviceID("d1")) == UserID("u1"), "claimed: not moved")
        try await fixture.engine.appendEvents(
            [EngineFixture.event(.view, user: "u3", device: "d2", item: "j2")],
            linking: .none
        )
        #expect(try await fixture.engine.linkedUser(of: DeviceID("d2")) == nil)
    }

    @Test("a batch appends each event once, counts unknown items, and feeds the live lists")
    func batchFeedsLiveLists() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let events = [
            EngineFixture.event(.purchase, user: "u1", item: "t1", id: "e1"),
            EngineFixture.event(.purchase, user: "u2", item: "t1", id: "e2"),
            EngineFixture.event(.purchase, user: "u2", item: "t1", id: "e2"),
            EngineFixture.event(.view, user: "u3", item: "gone", id: "e3"),
        ]
        let outcome = try await fixture.append(events)
        // An event for an item not in the catalog is kept (the item may come later) and counted.
        #expect(outcome.accepted == 3 && outcome.duplicates == 1 && outcome.unknownItems == 1)
        let trending = fixture.engine.trending(window: .decayed, options: ListOptions())
        #expect(trending.page.items.first?.itemID.rawValue == "t1" && trending.page.fallback == .popularity)
    }
}
