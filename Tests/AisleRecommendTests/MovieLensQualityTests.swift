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
