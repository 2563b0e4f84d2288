import AisleCore
import AisleEngine
import AisleStore
import Testing

/// Users: profiles, devices, history, erasure.
@Suite struct EngineUsersTests {
    @Test("profiles are stored and read back; unknown users are nil")
    func profiles() async throws {
        let fixture = try EngineFixture()
        let stored = try await fixture.engine.putUsers([
            User(id: UserID("u1"), attributes: ["locale": .string("de-DE")])
        ])
        #expect(stored.first?.attributes["locale"] == .string("de-DE"))
        #expect(try await fixture.engine.user(UserID("u1"))?.attributes["locale"] == .string("de-DE"))
        #expect(try await fixture.engine.user(UserID("u2")) == nil)
    }

    @Test("history pages newest first, filtered by type")
    func history() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append([
            EngineFixture.event(.view, user: "u1", item: "j1", secondsAgo: 30),
            EngineFixture.event(.purchase, user: "u1", item: "j2", secondsAgo: 20),
            EngineFixture.event(.view, user: "u1", item: "j3", secondsAgo: 10),
        ])
        let page = try await fixture.engine.history(of: UserID("u1"), types: [], after: nil, limit: 2)
        #expect(page.map(\.event.itemID?.rawValue) == ["j3", "j2"])
        let rest = try await fixture.engine.history(
            of: UserID("u1"),
            types: [],
            after: HistoryCursor(after: try #require(page.last)),
            limit: 10
        )
        #expect(rest.map(\.event.itemID?.rawValue) == ["j1"])
        let purchases = try await fixture.engine.history(of: UserID("u1"), types: [.purchase], after: nil, limit: 10)
        #expect(purchases.map(\.event.itemID?.rawValue) == ["j2"])
    }

    @Test("erasing a user removes the profile, events from every device, links and reviews")
    func erasure() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        _ = try await fixture.engine.putUsers([User(id: UserID("u1"))])
        try await fixture.append([
            EngineFixture.event(.view, device: "d1", item: "j1"),
            EngineFixture.event(.view, user: "u1", item: "j2"),
            EngineFixture.event(.view, user: "u2", item: "j3"),
        ])
        _ = try await fixture.engine.identify(device: DeviceID("d1"), as: UserID("u1"), relinking: .refuse)
        _ = try await fixture.engine.writeReview(
            ReviewSubmission(id: ReviewID("r1"), itemID: ItemID("j1"), userID: UserID("u1"), text: "Good."),
            existing: .createOnly
        )
        let erased = try await fixture.engine.eraseUser(UserID("u1"))
        #expect(erased == UserErasure(profiles: 1, events: 2, devices: 1, reviews: 1))
        #expect(try await fixture.engine.user(UserID("u1")) == nil)
        #expect(try await fixture.engine.history(of: UserID("u1"), types: [], after: nil, limit: 10).isEmpty)
        #expect(try await fixture.engine.devices(of: UserID("u1")).isEmpty)
        #expect(try await fixture.engine.review(ReviewID("r1")) == nil)
        #expect(try await fixture.engine.history(of: UserID("u2"), types: [], after: nil, limit: 10).count == 1)
        #expect(try await fixture.engine.eraseUser(UserID("u1")).isEmpty)
    }
}
