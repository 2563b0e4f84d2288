import AisleRecommend
import Foundation
import Testing

/// The hand-checked examples of evaluate.py's --selftest, so the two scorers agree.
@Suite struct RankingMetricsTests {
    private func rows(_ pairs: [(String, String)]) -> [Interaction] {
        pairs.enumerated().map { Interaction(user: $0.element.0, item: $0.element.1, timestamp: Double($0.offset + 1)) }
    }

    private var split: Split {
        Split(
            train: rows([
                ("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "c"), ("u3", "b"), ("u4", "a"), ("u4", "g"), ("u4", "h"),
            ]),
            valid: rows([("u1", "c"), ("u2", "d"), ("u3", "e")]),
            test: rows([("u1", "d"), ("u2", "e"), ("u3", "f")])
        )
    }

    @Test("test target: history items are dropped before the cut, a missing user scores zero")
    func testTarget() {
        let lists = ["u1": ["d", "e", "f"], "u2": ["a", "b", "g", "e"], "u4": ["g", "h", "a"]]
        let metrics = RankingMetrics(lists: lists, split: split, target: .test, cutoffs: [1, 3])
        #expect(metrics.users == 3)
        #expect(abs(metrics.value("HR", at: 1) - 1.0 / 3) < 1e-12)
        #expect(abs(metrics.value("HR", at: 3) - 2.0 / 3) < 1e-12)
        #expect(abs(metrics.value("Recall", at: 3) - 2.0 / 3) < 1e-12)
        #expect(abs(metrics.value("NDCG", at: 1) - 1.0 / 3) < 1e-12)
        #expect(abs(metrics.value("NDCG", at: 3) - 0.5) < 1e-12)
        #expect(abs(metrics.value("MRR", at: 3) - (1.0 + 1.0 / 3) / 3) < 1e-12)
    }

    @Test("valid target: history is train only")
    func validTarget() {
        let lists = ["u1": ["c", "d", "e"], "u2": ["d", "b", "e"], "u3": ["a", "c", "e"]]
        let metrics = RankingMetrics(lists: lists, split: split, target: .valid, cutoffs: [1, 3])
        #expect(abs(metrics.value("HR", at: 1) - 2.0 / 3) < 1e-12)
        #expect(abs(metrics.value("NDCG", at: 3) - 2.5 / 3) < 1e-12)
        #expect(abs(metrics.value("MRR", at: 3) - (2.0 + 1.0 / 3) / 3) < 1e-12)
    }

    @Test("several targets per user and a cold user (global protocol shape)")
    func severalTargets() {
        let split = Split(
            train: rows([("u1", "a"), ("u2", "b")]),
            valid: [],
            test: rows([("u1", "b"), ("u1", "c"), ("u3", "d")])
        )
        let metrics = RankingMetrics(lists: ["u1": ["b", "d", "c"]], split: split, target: .test, cutoffs: [1, 3])
        #expect(metrics.users == 1)
        #expect(abs(metrics.value("Recall", at: 1) - 0.5) < 1e-12)
        #expect(abs(metrics.value("Recall", at: 3) - 1.0) < 1e-12)
        #expect(abs(metrics.value("NDCG", at: 3) - 1.5 / (1.0 + 1.0 / log2(3.0))) < 1e-12)
    }
}
