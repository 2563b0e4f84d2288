import AisleCore
import AisleEngine
import AisleRecommend
import Testing

/// The sequential Transformer in the served feed: trained with the snapshot, validated before it
/// gets a weight, answering from the newest click with no retraining, explained by its attention.
@Suite struct EngineSequentialTests {
    /// 24 items walked in order: shopper k views s(k), s(k+1), … s(k+5) (mod 24). What comes next
    /// is the next item; nothing order-free learns that as sharply.
    static let items = (0..<24).map { EngineFixture.item("s\($0)", "Step \($0)") }

    static func walks() -> [Event] {
        var events: [Event] = []
        for shopper in 0..<240 {
            for step in 0..<6 {
                let item = "s\((shopper + step) % 24)"
                events.append(
                    EngineFixture.event(.view, user: "w\(shopper)", item: item, secondsAgo: Int64(6_000 - step * 60))
                )
            }
        }
        return events
    }

    @Test("the trained snapshot validates the transformer, and a feed on it follows the newest click at once")
    func followsNewestClick() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(Self.items)
        try await fixture.append(Self.walks())
        let status = try await fixture.engine.train()
        let validation = try #require(status.report.validationNDCG)
        let transformer = try #require(validation["transformer"], "validated: \(validation)")
        #expect(transformer > 0.5, "next-in-order is learnable: \(validation)")
        #expect(status.report.seconds["transformer"] != nil)

        var query = FeedQuery()
        query.blend = ["transformer": 1]
        query.options.explain = true
        try await fixture.append([
            EngineFixture.event(.view, user: "new", item: "s3", secondsAgo: 30),
            EngineFixture.event(.view, user: "new", item: "s4", secondsAgo: 20),
        ])
        let first = try await fixture.engine.feed(for: .user(UserID("new")), query: query)
        #expect(first.page.items.first?.itemID == ItemID("s5"))
        let reason = try #require(first.page.items.first?.reason)
        #expect(reason.kind == .similarToViewed && reason.itemIDs.contains(ItemID("s4")), "\(reason)")

        try await fixture.append([EngineFixture.event(.view, user: "new", item: "s16", secondsAgo: 10)])
        let after = try await fixture.engine.feed(for: .user(UserID("new")), query: query)
        #expect(after.page.items.first?.itemID == ItemID("s17"), "the newest click decides, with no retraining")
        #expect(after.modelTrainedAt == first.modelTrainedAt)
    }
}
