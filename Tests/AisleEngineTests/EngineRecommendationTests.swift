import AisleCore
import AisleEngine
import AisleRecommend
import AisleStore
import Synchronization
import Testing

/// Recommendations through the engine: live lists before a model, the model's stamp after.
@Suite struct EngineRecommendationTests {
    /// Enough interactions for a model: 12 shoppers, each into one of two groups of items.
    static func history() -> [Event] {
        var events: [Event] = []
        for shopper in 0..<12 {
            let items = shopper % 2 == 0 ? ["j1", "j2", "j3"] : ["b1", "t1"]
            for (offset, item) in items.enumerated() {
                events.append(
                    EngineFixture.event(.view, user: "u\(shopper)", item: item, secondsAgo: Int64(600 - offset))
                )
                events.append(
                    EngineFixture.event(.purchase, user: "u\(shopper)", item: item, secondsAgo: Int64(500 - offset))
                )
            }
        }
        return events
    }

    @Test("before any model the feed comes from live popularity, says so, and is never empty")
    func fallbackFeed() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let empty = try await fixture.engine.feed(for: .user(UserID("new")), query: FeedQuery())
        #expect(empty.modelTrainedAt == nil && empty.page.fallback == .popularity)
        #expect(empty.page.items.count == 5, "no events yet: every item, still a list")
        try await fixture.append((0..<3).map { EngineFixture.event(.purchase, user: "u\($0)", item: "b1") })
        let popular = try await fixture.engine.feed(for: .user(UserID("new")), query: FeedQuery())
        #expect(popular.page.items.first?.itemID.rawValue == "b1")
        #expect(fixture.engine.modelStatus().trainedAt == nil)
    }

    @Test("while a training runs its status names the step it is at; after, none")
    func trainingStep() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(Self.history())
        let engine = fixture.engine
        let seen = Mutex<[(line: String, step: String?, training: Bool)]>([])
        _ = try await engine.train { line in
            let status = engine.modelStatus()
            seen.withLock { $0.append((line, status.trainingStep, status.training)) }
        }
        let steps = seen.withLock { $0 }
        #expect(!steps.isEmpty)
        #expect(steps.allSatisfy { $0.training && $0.step == $0.line }, "\(steps)")
        #expect(engine.modelStatus().trainingStep == nil && !engine.modelStatus().training)
    }

    @Test("after training, every list carries the training time of the model that made it")
    func trainedStamp() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(Self.history())
        let status = try await fixture.engine.train()
        let trainedAt = try #require(status.trainedAt)
        #expect(status.report.interactions > 0 && !status.training)
        let feed = try await fixture.engine.feed(for: .user(UserID("u0")), query: FeedQuery())
        #expect(feed.modelTrainedAt == trainedAt && feed.page.fallback == nil)
        let similar = try fixture.engine.similar(to: ItemID("j1"), options: ListOptions())
        #expect(similar.modelTrainedAt == trainedAt)
        #expect(!similar.page.items.isEmpty && !similar.page.items.contains { $0.itemID.rawValue == "j1" })
        let together = try fixture.engine.boughtTogether(with: ItemID("j1"), options: ListOptions())
        #expect(together.modelTrainedAt == trainedAt)
        #expect(fixture.engine.trending(window: .decayed, options: ListOptions()).modelTrainedAt == trainedAt)
    }

    @Test("a shopper's feed leans to what shoppers like them bought and leaves out their purchases")
    func personalFeed() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(Self.history())
        _ = try await fixture.engine.train()
        try await fixture.append([EngineFixture.event(.purchase, user: "fresh", item: "j1", secondsAgo: 10)])
        let feed = try await fixture.engine.feed(for: .user(UserID("fresh")), query: FeedQuery())
        let ids = feed.page.items.map(\.itemID.rawValue)
        #expect(!ids.contains("j1"), "purchases are left out by default")
        #expect(Set(ids.prefix(2)) == ["j2", "j3"])
    }

    @Test("similar to an item the model does not know is not found")
    func unknownItem() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(Self.history())
        _ = try await fixture.engine.train()
        #expect(throws: AisleError.self) { _ = try fixture.engine.similar(to: ItemID("nope"), options: ListOptions()) }
    }

    @Test("a training without interactions is no model yet: lists stay on live popularity")
    func trainingOnNothing() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let status = try await fixture.engine.train()
        #expect(status.trainedAt == nil && status.report.interactions == 0)
        let feed = try await fixture.engine.feed(for: .anonymous, query: FeedQuery())
        #expect(feed.modelTrainedAt == nil && feed.page.fallback == .popularity && feed.page.items.count == 5)
    }

    @Test("a device's feed before it identifies is its own; after, its user's")
    func deviceFeedFollowsIdentity() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(Self.history())
        _ = try await fixture.engine.train()
        try await fixture.append([EngineFixture.event(.purchase, device: "d1", item: "b1", secondsAgo: 5)])
        let anonymous = try await fixture.engine.feed(for: .device(DeviceID("d1")), query: FeedQuery())
        #expect(!anonymous.page.items.map(\.itemID.rawValue).contains("b1"))
        #expect(anonymous.page.items.first?.itemID.rawValue == "t1", "bought with b1 by the shoppers like d1")
        _ = try await fixture.engine.identify(device: DeviceID("d1"), as: UserID("u0"), relinking: .refuse)
        let linked = try await fixture.engine.feed(for: .device(DeviceID("d1")), query: FeedQuery())
        let user = try await fixture.engine.feed(for: .user(UserID("u0")), query: FeedQuery())
        #expect(linked.page.items.map(\.itemID) == user.page.items.map(\.itemID))
    }
}
