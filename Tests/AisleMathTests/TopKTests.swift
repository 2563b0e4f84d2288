import AisleMath
import Testing

@Suite struct TopKTests {
    /// The reference: sort everything finite by (score desc, index asc) and cut.
    private func reference(_ k: Int, _ scores: [Float]) -> [ScoredIndex] {
        Array(
            scores.enumerated().filter { $0.element.isFinite }.map { ScoredIndex(index: $0.offset, score: $0.element) }
                .sorted(by: ScoredIndex.ranksBefore).prefix(k)
        )
    }

    @Test("matches a full sort, ties included", arguments: [1, 5, 20, 100])
    func matchesSort(k: Int) {
        var random = SeededNumbers(seed: UInt64(k))
        // Coarse values make many ties.
        let scores = (0..<2_000).map { _ in (random.float() * 10).rounded() }
        #expect(TopK.select(k, from: scores) == reference(k, scores))
    }

    @Test(
        "best(k, of:, by:) matches a full sort under a custom order, on both of its paths",
        arguments: [1, 7, 100, 600]
    )
    func bestMatchesSort(k: Int) {
        var random = SeededNumbers(seed: UInt64(k) + 99)
        // Many tied scores, broken by name descending: an order ScoredIndex cannot express.
        let elements = (0..<2_000).map { index in (name: "n\(index)", score: (random.float() * 10).rounded()) }
        let before = { (a: (name: String, score: Float), b: (name: String, score: Float)) in
            a.score != b.score ? a.score > b.score : a.name > b.name
        }
        let expected = Array(elements.sorted(by: before).prefix(k)).map(\.name)
        #expect(TopK.best(k, of: elements, by: before).map(\.name) == expected)
        #expect(TopK.best(0, of: elements, by: before).isEmpty)
    }

    @Test("equal scores rank by the lower index")
    func tiesByIndex() {
        let result = TopK.select(3, from: [1, 2, 2, 0, 2])
        #expect(result.map(\.index) == [1, 2, 4])
    }

    @Test("excluded (-infinity) and NaN entries never appear")
    func skipsNonFinite() {
        let result = TopK.select(5, from: [.nan, 3, -.infinity, 1, .infinity])
        #expect(result.map(\.index) == [1, 3])
    }

    @Test("k larger than the vector returns every finite entry; k = 0 returns nothing")
    func edgeSizes() {
        #expect(TopK.select(10, from: [0.5, 0.25]).count == 2)
        #expect(TopK.select(0, from: [0.5, 0.25]).isEmpty)
        #expect(TopK.select(3, from: []).isEmpty)
    }

    @Test("the parallel selection equals the serial one on a long vector")
    func parallelEqualsSerial() {
        var random = SeededNumbers(seed: 7)
        let scores = (0..<200_003).map { _ in (random.float() * 1_000).rounded() }
        let serial = TopK.select(50, from: scores)
        #expect(TopK.selectParallel(50, from: scores, parallelism: Parallelism(threads: 3)) == serial)
        #expect(serial == reference(50, scores))
    }

    @Test("the streaming heap keeps the best entries")
    func heap() {
        var heap = TopKHeap(capacity: 2)
        for (index, score) in [Float(1), 5, 3, 5, 4].enumerated() {
            heap.offer(ScoredIndex(index: index, score: score))
        }
        #expect(heap.sortedBestFirst() == [ScoredIndex(index: 1, score: 5), ScoredIndex(index: 3, score: 5)])
    }
}
