import AisleCore
import AisleMath
import Testing

@testable import AisleRecommend

/// Above `tuneBlendUpTo` interactions the blend is tuned, and the Transformer trained, on a
/// sample of whole shoppers instead of falling back to fixed weights.
@Suite struct TuningSampleTests {
    private static func rows(shoppers: Int, each: Int) -> [Interaction] {
        (0..<shoppers).flatMap { shopper in
            (0..<each).map { step in
                Interaction(
                    user: "u\(shopper)",
                    item: "i\((shopper + step) % 50)",
                    timestamp: Double(shopper * 100 + step)
                )
            }
        }
    }

    @Test("the sample keeps whole histories of evenly spread shoppers, about the size asked, the same every run")
    func wholeShoppers() {
        let all = Self.rows(shoppers: 1_000, each: 6)
        let sample = ShopperSample.interactions(of: all, about: 1_500)
        let shoppers = Set(sample.map(\.user))
        #expect(shoppers.count == 250)
        #expect(sample.count == 1_500)
        for shopper in shoppers { #expect(sample.filter { $0.user == shopper }.count == 6) }
        #expect(ShopperSample.interactions(of: all, about: 1_500) == sample)
        #expect(ShopperSample.interactions(of: all, about: 10_000) == all, "a small log is its own sample")
    }

    @Test("a log above the limit is tuned on the sample, with the Transformer in the blend")
    func largeLogTunesOnSample() throws {
        var settings = SnapshotTrainer.Settings(parallelism: Parallelism(threads: 2))
        // 1,440 interactions: above the limit, sampled down to every second shopper.
        settings.tuneBlendUpTo = 1_000
        settings.tuningSampleInteractions = 720
        settings.transformerMinimumShoppers = 50
        settings.transformer?.epochs = 5
        var lines: [String] = []
        let snapshot = try SnapshotTrainer(settings: settings).train(
            SnapshotArchiveTests.input(),
            at: Timestamp(millisecondsSinceEpoch: 9_000_000),
            progress: { lines.append($0) }
        )
        #expect(
            snapshot.report.blendSource.contains("sample of shoppers holding 720 interactions"),
            "\(snapshot.report.blendSource)"
        )
        #expect(lines.contains { $0.contains("tuned on a sample of shoppers holding 720") })
        let sequential = try #require(snapshot.sequential)
        // Items the sample missed but others bought come through the other models' candidates;
        // only the never-bought one is served on content alone as an extra candidate.
        #expect(sequential.contentOnlyItems == [try #require(snapshot.catalog.index(of: ItemID("new")))])
        #expect(snapshot.report.validationNDCG?["transformer"] != nil)
        // The served models still read every shopper.
        #expect(snapshot.report.shoppers == 240)
    }
}
