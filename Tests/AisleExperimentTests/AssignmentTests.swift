import AisleExperiment
import Testing

@Suite struct AssignmentTests {
    @Test("1M ids split within 0.2 percentage points of the weights", arguments: [[1.0, 1.0], [20, 30, 50], [1, 9]])
    func split(weights: [Double]) throws {
        var counts = [Int](repeating: 0, count: weights.count)
        let users = 1_000_000
        for user in 0..<users {
            let variant = try #require(
                Assignment.variant(experiment: "checkout-copy", unit: "u\(user)", weights: weights)
            )
            counts[variant] += 1
        }
        let total = weights.reduce(0, +)
        for (count, weight) in zip(counts, weights) {
            let share = Double(count) / Double(users)
            #expect(abs(share - weight / total) < 0.002, "share \(share) for weight \(weight) of \(total)")
        }
    }

    @Test("assignment is a pure function of the ids: these values hold on every node and after every restart")
    func pinned() {
        // If this changes, every running experiment would reshuffle its shoppers. The values
        // were computed independently (the same hash in Python) and pinned.
        #expect(Assignment.point(experiment: "exp", unit: "u1") == 0.3466046544923155)
        #expect(Assignment.point(experiment: "exp", unit: "u2") == 0.12743250657726857)
        #expect(Assignment.point(experiment: "exp", unit: "顾客") == 0.21983886652124507)
        #expect(Assignment.point(experiment: "exp", unit: "device-7f3a") == 0.47651426555645227)
        #expect(Assignment.variant(experiment: "exp", unit: "u1", weights: [1, 1]) == 0)
        #expect(Assignment.variant(experiment: "exp", unit: "device-7f3a", weights: [1, 1]) == 0)
        #expect(Assignment.variant(experiment: "exp", unit: "u1", weights: [1, 2]) == 1)
    }

    @Test("experiments split independently: a shopper's variant in one says nothing about another")
    func independence() throws {
        var both = [[Int]](repeating: [0, 0], count: 2)
        for user in 0..<100_000 {
            let a = try #require(Assignment.variant(experiment: "banner", unit: "u\(user)", weights: [1, 1]))
            let b = try #require(Assignment.variant(experiment: "ranking", unit: "u\(user)", weights: [1, 1]))
            both[a][b] += 1
        }
        for row in both {
            for count in row { #expect(abs(Double(count) / 100_000 - 0.25) < 0.005, "\(both)") }
        }
    }

    @Test("the id pair is separated: (\"ab\", \"c\") and (\"a\", \"bc\") hash apart")
    func separated() {
        #expect(Assignment.point(experiment: "ab", unit: "c") != Assignment.point(experiment: "a", unit: "bc"))
    }

    @Test("weights of zero never get anyone; no positive weight gets nil")
    func zeroWeights() {
        for user in 0..<1_000 {
            #expect(Assignment.variant(experiment: "e", unit: "u\(user)", weights: [0, 1, 0]) == 1)
        }
        #expect(Assignment.variant(experiment: "e", unit: "u", weights: [0, 0]) == nil)
        #expect(Assignment.variant(experiment: "e", unit: "u", weights: []) == nil)
    }
}
