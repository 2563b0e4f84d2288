import AisleCore
import AisleEngine
import AisleMath
import AisleRecommend
import AisleStore
import Testing

/// Consent: no personalization means exactly the trending list; no tracking means no stored
/// events, from the user's own id or from their linked devices.
@Suite struct EngineConsentTests {
    static func trained() async throws -> EngineFixture {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(EngineRecommendationTests.history())
        _ = try await fixture.engine.train()
        return fixture
    }

    @Test("without personalization the feed is exactly trending with the same filters, for the user and their devices")
    func feedIsTrending() async throws {
        let fixture = try await Self.trained()
        var query = FeedQuery()
        query.options.limit = 3
        query.options.category = "Clothing"
        let personal = try await fixture.engine.feed(for: .user(UserID("u0")), query: query)
        let trending = fixture.engine.trending(window: .decayed, options: query.options)
        _ = try await fixture.engine.setConsent(of: UserID("u0"), personalization: false, tracking: nil)
        let consented = try await fixture.engine.feed(for: .user(UserID("u0")), query: query)
        #expect(consented.page.items.map(\.itemID) == trending.page.items.map(\.itemID))
        #expect(consented.page.items.map(\.score) == trending.page.items.map(\.score))
        #expect(
            personal.page.items.map(\.itemID) != consented.page.items.map(\.itemID),
            "u0 bought j1: it was left out"
        )
        _ = try await fixture.engine.identify(device: DeviceID("phone"), as: UserID("u0"), relinking: .refuse)
        let device = try await fixture.engine.feed(for: .device(DeviceID("phone")), query: query)
        #expect(device.page.items.map(\.itemID) == trending.page.items.map(\.itemID))
        _ = try await fixture.engine.setConsent(of: UserID("u0"), personalization: true, tracking: nil)
        #expect(try await fixture.engine.feed(for: .user(UserID("u0")), query: query).page == personal.page)
    }

    @Test("without tracking the user's events are answered not tracked and not stored; others' are")
    func noTracking() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.identify(device: DeviceID("tablet"), as: UserID("quiet"), relinking: .refuse)
        let consent = try await fixture.engine.setConsent(of: UserID("quiet"), personalization: nil, tracking: false)
        #expect(consent.personalization && !consent.tracking, "the other setting is kept")
        let outcome = try await fixture.append([
            EngineFixture.event(.view, user: "quiet", item: "j1"),
            EngineFixture.event(.view, user: "loud", item: "j1"),
            EngineFixture.event(.view, device: "tablet", item: "j2"),
            EngineFixture.event(.view, device: "stranger", item: "j2"),
        ])
        #expect(outcome.rows == [.notTracked, .accepted, .notTracked, .accepted])
        #expect(try await fixture.engine.history(of: UserID("quiet"), types: [], after: nil, limit: 10).isEmpty)
        #expect(try await fixture.engine.history(of: UserID("loud"), types: [], after: nil, limit: 10).count == 1)
        _ = try await fixture.engine.setConsent(of: UserID("quiet"), personalization: nil, tracking: true)
        #expect(try await fixture.append([EngineFixture.event(.view, user: "quiet", item: "j1")]).accepted == 1)
    }

    @Test("without personalization search is not re-ranked for the user")
    func searchNotPersonal() async throws {
        let fixture = try await Self.trained()
        _ = try await fixture.engine.setConsent(of: UserID("u1"), personalization: false, tracking: nil)
        let anonymous = try await fixture.engine.search(SearchQuery(text: "jacket boots tent"))
        let user = try await fixture.engine.search(SearchQuery(text: "jacket boots tent"), shopper: .user(UserID("u1")))
        #expect(user.results.hits.map(\.itemID) == anonymous.results.hits.map(\.itemID))
        #expect(user.results.hits.map(\.score) == anonymous.results.hits.map(\.score))
    }

    @Test("consent is everything until set, survives a new engine on the same store, and goes with erasure")
    func lifecycle() async throws {
        let fixture = try EngineFixture()
        #expect(try await fixture.engine.consent(of: UserID("u")) == .granted)
        _ = try await fixture.engine.setConsent(of: UserID("u"), personalization: false, tracking: false)
        let again = Engine(
            configuration: fixture.engine.configuration,
            store: fixture.store,
            recommendations: RecommendationService(
                store: fixture.store,
                settings: .init(parallelism: .serial, snapshotPath: nil),
                initial: .empty(at: .now())
            )
        )
        let read = try await again.consent(of: UserID("u"))
        #expect(!read.personalization && !read.tracking && read.updatedAt != nil)
        #expect(try await again.append([EngineFixture.event(.view, user: "u", item: "j1")]).rows == [.notTracked])
        _ = try await again.eraseUser(UserID("u"))
        #expect(try await again.consent(of: UserID("u")) == .granted)
        #expect(try await again.append([EngineFixture.event(.view, user: "u", item: "j1")]).rows == [.accepted])
    }
}

extension Engine {
    fileprivate func append(_ events: [Event]) async throws -> AppendOutcome {
        try await appendEvents(events, linking: .unclaimed(only: nil))
    }
}
