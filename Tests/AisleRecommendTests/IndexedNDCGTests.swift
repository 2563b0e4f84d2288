import AisleCore
import AisleMath
import Testing

@testable import AisleRecommend

/// The searches score rankings by catalog index (`IndexedNDCG`); the figure must be the one the
/// id-based scorer (evaluate.py's twin) gives for the same lists.
@Suite struct IndexedNDCGTests {
    @Test("index and id scorers agree on both targets of both split protocols", arguments: ["loo", "global"])
    func agreesWithRankingScorer(protocolName: String) throws {
        let split = try Split(folder: Fixtures.path("split-\(protocolName)"))
        let benchmark = OfflineBenchmark(split: split, parallelism: .serial, listLength: 50)
        var scores: [Double] = []
        for fit in [OfflineBenchmark.Fit.train, .trainAndValid] {
            let log = benchmark.log(fit)
            let target = OfflineBenchmark.target(of: fit)
            let model = ItemKNNModel(log: log, parameters: .init(neighbours: 20), parallelism: .serial)
            let scorer = IndexedNDCG(split: split, target: target, log: log)
            let indexed = benchmark.score(model, log: log, scorer: scorer)
            let byID = RankingMetrics(lists: benchmark.lists(model, log: log), split: split, target: target)
                .value("NDCG", at: 10)
            #expect(abs(indexed - byID) < 1e-12, "\(protocolName) \(fit): \(indexed) against \(byID)")
            scores.append(indexed)
        }
        // Hits to agree on, not only zeros.
        #expect(scores.contains { $0 > 0 }, "\(scores)")
    }

    @Test("history items are skipped before the cut and a target user without history scores zero")
    func historyAndMissingUsers() {
        func rows(_ pairs: [(String, String)]) -> [Interaction] {
            pairs.enumerated().map { Interaction(user: $0.element.0, item: $0.element.1, timestamp: Double($0.offset)) }
        }
        let split = Split(
            train: rows([("u1", "a"), ("u1", "b"), ("u2", "a")]),
            valid: rows([("u1", "c"), ("u2", "b")]),
            test: rows([("u1", "d"), ("u2", "c"), ("u3", "a")])
        )
        let catalog = Catalog(split.catalogItems)
        // Test history is train + valid; u3 has a test target but no train history (not scored);
        // drop u2 from the log to make it a target user without a ranking.
        let log = InteractionLog(
            split.train.filter { $0.user == "u1" } + split.valid.filter { $0.user == "u1" },
            catalog: catalog
        )
        let scorer = IndexedNDCG(split: split, target: .test, log: log)
        #expect(scorer.users.count == 1)
        let index = { (id: String) in catalog.ids.firstIndex { $0.rawValue == id } ?? -1 }
        // u1: a, b and c are history, so d counts at rank 1 (NDCG 1); u2 scores 0: the mean is 0.5.
        let score = scorer.score([["a", "b", "c", "d"].map(index)])
        #expect(abs(score - 0.5) < 1e-12)
    }
}
