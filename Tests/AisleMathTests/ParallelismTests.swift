import AisleMath
import Testing

@Suite struct ParallelismTests {
    @Test("map returns every index's value in order, whatever the thread count", arguments: [1, 2, 5])
    func mapInOrder(threads: Int) {
        let values = Parallelism(threads: threads).map(1_001, chunk: 7) { $0 * 3 }
        #expect(values == (0..<1_001).map { $0 * 3 })
    }

    @Test("mapRanges covers 0..<count with disjoint ranges; an empty job does nothing")
    func ranges() {
        let values = Parallelism(threads: 2).mapRanges(100, chunk: 9) { range in range.map { _ in range.lowerBound } }
        #expect(values.count == 100)
        #expect(Set(values).count == 12)
        #expect(Parallelism(threads: 2).map(0) { $0 }.isEmpty)
        #expect(Parallelism(threads: 0).threads == 1)
    }
}
