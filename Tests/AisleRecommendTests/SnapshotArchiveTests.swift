import AisleCore
import AisleMath
import Foundation
import Testing

@testable import AisleRecommend

/// A snapshot survives its file: the Transformer's weights come back exactly, files without one
/// (switched off, or written before it existed) still load, and a cut file is refused.
@Suite struct SnapshotArchiveTests {
    /// 240 shoppers walking 24 items in order (enough held-out shoppers to validate the Transformer).
    static func input() -> TrainingInput {
        var input = TrainingInput()
        // Two shelves, and one item nobody has bought yet (served by the transformer on content).
        input.add(
            (0..<24).map {
                Item(id: ItemID("s\($0)"), title: "Step \($0)", categories: [$0 % 2 == 0 ? "Shoes" : "Socks"])
            }
                + [Item(id: ItemID("new"), title: "New shoe", categories: ["Shoes"])]
        )
        var events: [InteractionEvent] = []
        for shopper in 0..<240 {
            for step in 0..<6 {
                events.append(
                    InteractionEvent(
                        sequence: Int64(events.count + 1),
                        type: .view,
                        userID: UserID("w\(shopper)"),
                        deviceID: nil,
                        itemID: ItemID("s\((shopper + step) % 24)"),
                        value: nil,
                        sessionID: nil,
                        platform: nil,
                        timestamp: Timestamp(
                            millisecondsSinceEpoch: Int64(1_000_000 + shopper * 10_000 + step * 60_000)
                        )
                    )
                )
            }
        }
        input.add(events)
        return input
    }

    private static func snapshot(transformer: Bool) throws -> RecommendationSnapshot {
        var settings = SnapshotTrainer.Settings(parallelism: Parallelism(threads: 2))
        if !transformer { settings.transformer = nil }
        return try SnapshotTrainer(settings: settings).train(input(), at: Timestamp(millisecondsSinceEpoch: 9_000_000))
    }

    @Test("the transformer's settings and weights come back exactly, and score the same")
    func roundTrip() throws {
        let snapshot = try Self.snapshot(transformer: true)
        let sequential = try #require(snapshot.sequential)
        let loaded = try SnapshotArchive.decode(try SnapshotArchive.encode(snapshot), source: "test")
        let back = try #require(loaded.sequential)
        #expect(back.parameters == sequential.parameters)
        #expect(back.weights == sequential.weights)
        #expect(sequential.contentOnlyItems == [try #require(snapshot.catalog.index(of: ItemID("new")))])
        #expect(back.contentOnlyItems == sequential.contentOnlyItems)
        var history = History()
        history.append(item: try #require(snapshot.catalog.index(of: ItemID("s3"))), weight: 1, timestamp: 1)
        #expect(back.scores(for: history) == sequential.scores(for: history))
    }

    @Test("a snapshot without the transformer loads without one")
    func withoutTransformer() throws {
        let snapshot = try Self.snapshot(transformer: false)
        #expect(snapshot.sequential == nil)
        #expect(snapshot.report.validationNDCG?["transformer"] == nil)
        let loaded = try SnapshotArchive.decode(try SnapshotArchive.encode(snapshot), source: "test")
        #expect(loaded.sequential == nil)
        #expect(loaded.catalog.count == 25, "24 walked items and one never bought")
    }

    @Test("a file cut inside the transformer's weights is refused, not half-loaded")
    func truncated() throws {
        let data = try SnapshotArchive.encode(try Self.snapshot(transformer: true))
        #expect(throws: AisleError.self) {
            try SnapshotArchive.decode(data.prefix(data.count - 100), source: "cut")
        }
    }
}
