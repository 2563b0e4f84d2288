import AisleMath
import AisleRecommend
import Testing

/// Quality on the real MovieLens-100K log with the benchmark protocol (loo, fit train+valid,
/// scored on test). Reference values are the peers' in ../shared/bench/recs/PEERS.md.
@Suite(.enabled(if: Fixtures.hasMovieLens, "needs ../shared/data/ml-100k beside the checkout"))
struct MovieLensQualityTests {
    private static func benchmark() throws -> OfflineBenchmark {
        OfflineBenchmark(
            split: Split(try InteractionFile.read(Fixtures.movieLensPath), protocol: .leaveLastOut),
            parallelism: .machine
        )
    }

    @Test("EASE λ=300 scores what the peers' numpy EASE scores (NDCG@10 0.0416)")
    func easeMatchesNumpy() throws {
        let metrics = try Self.benchmark().score(.ease(.init(regularization: 300)), fit: .trainAndValid).metrics
        #expect(abs(metrics.value("NDCG", at: 10) - 0.0416) < 0.001)
        #expect(abs(metrics.value("Recall", at: 10) - 0.0880) < 0.002)
    }

    @Test("most-popular scores what the peers' most-popular scores (NDCG@10 0.0253)")
    func popularityMatchesPeers() throws {
        let metrics = try Self.benchmark().score(.popularity(.init()), fit: .trainAndValid).metrics
        #expect(abs(metrics.value("NDCG", at: 10) - 0.0253) < 0.0005)
    }

    @Test("the sequence model with default settings beats the best peer (BPR, NDCG@10 0.0451)")
    func sequenceBeatsBestPeer() throws {
        let metrics = try Self.benchmark().score(.sequence(.init()), fit: .trainAndValid).metrics
        #expect(metrics.value("NDCG", at: 10) > 0.0451 * 1.05)
    }
}

/// The validation search: its spaces, and coordinate ascent against the exhaustive grid.
@Suite struct SearchSpaceTests {
    @Test("the spaces hold the grids the search used to try in full (inapplicable settings collapsed)")
    func gridSizes() {
        let sizes = ModelKind.allCases.map { ($0, ModelSpec.grid(for: $0).count) }
        #expect(
            sizes.map(\.1)
                == ModelKind.allCases.map { kind in
                    switch kind {
                    case .popularity: 4
                    case .itemKNN: 6
                    case .sequence: 70
                    case .ease: 9
                    case .als: 36
                    case .transformer: 1
                    case .hybrid: 0
                    }
                },
            "\(sizes)"
        )
        for kind in ModelKind.allCases where kind != .hybrid {
            let space = SearchSpace(for: kind)
            #expect(space.map { ModelSpec.grid(for: kind).contains($0.spec($0.start)) } == true)
        }
    }

    @Test("EASE starts near 5 × the mean interactions per item; a large catalog keeps that one point")
    func easeStart() throws {
        func start(perItem: Double, items: Int = 1_000) throws -> [ModelSpec] {
            let space = try #require(SearchSpace(for: .ease, interactionsPerItem: perItem, items: items))
            return [space.spec(space.start)] + (space.axes[0].count == 1 ? [] : [space.spec([space.axes[0].count - 1])])
        }
        #expect(try start(perItem: 58)[0] == .ease(.init(regularization: 300)))
        #expect(try start(perItem: 12)[0] == .ease(.init(regularization: 50)))
        #expect(try start(perItem: 500)[0] == .ease(.init(regularization: 2000)))
        #expect(try start(perItem: 12).count == 2, "a small catalog keeps the whole axis")
        #expect(try start(perItem: 12, items: 20_000) == [.ease(.init(regularization: 50))])
        #expect(SearchSpace(for: .ease)?.spec([4]) == .ease(.init()), "without a log: the defaults")
    }

    @Test(
        "coordinate ascent tries a fraction of the grid and lands on a point as good as the grid's best on MovieLens",
        .enabled(if: Fixtures.hasMovieLens, "needs ../shared/data/ml-100k beside the checkout")
    )
    func ascentMatchesGrid() throws {
        let benchmark = OfflineBenchmark(
            split: Split(try InteractionFile.read(Fixtures.movieLensPath), protocol: .leaveLastOut),
            parallelism: .machine
        )
        let trials = try benchmark.tune(.sequence)
        let best = try #require(trials.first)
        #expect(best.trained != nil, "the best point keeps its fitted model")
        #expect(trials.count < ModelSpec.grid(for: .sequence).count / 2, "\(trials.count) points tried")
        #expect(zip(trials, trials.dropFirst()).allSatisfy { $0.validNDCG >= $1.validNDCG }, "best first")
        // The exhaustive grid's best, for comparison: the ascent may stop on a local best, but
        // not one far below.
        let gridBest =
            try ModelSpec.grid(for: .sequence).map { try benchmark.score($0, fit: .train).metrics }
            .map { $0.value("NDCG", at: 10) }.max() ?? 0
        #expect(best.validNDCG >= gridBest * 0.97, "ascent \(best.validNDCG), grid \(gridBest)")
    }
}
