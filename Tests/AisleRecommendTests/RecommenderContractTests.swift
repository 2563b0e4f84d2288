import AisleCore
import AisleMath
import AisleRecommend
import Testing

/// Every model keeps the same promises; one suite runs them all.
@Suite struct RecommenderContractTests {
    static let specs: [ModelSpec] = [
        .popularity(.init()),
        .popularity(.init(halfLifeSeconds: 3_600)),
        .itemKNN(.init(neighbours: 5)),
        .sequence(.init()),
        .ease(.init(regularization: 10)),
        .als(.init(factors: 8, regularization: 0.1, alpha: 10, iterations: 5)),
        .transformer(SequentialModelTests.small),
    ]

    private static let log = InteractionLog(Fixtures.twoTasteLog(), extraItems: ["new"])

    private func train(_ spec: ModelSpec) throws -> any Recommender {
        try spec.train(on: Self.log, parallelism: Parallelism(threads: 2))
    }

    @Test("one finite score per catalog item, the same on every call", arguments: specs)
    func shapeAndDeterminism(spec: ModelSpec) throws {
        let model = try train(spec)
        let history = Self.log.histories[0]
        let scores = model.scores(for: history)
        #expect(scores.count == Self.log.catalog.count)
        #expect(scores.allSatisfy { $0.isFinite })
        #expect(model.scores(for: history) == scores)
        #expect(try train(spec).scores(for: history) == scores, "training is deterministic")
    }

    @Test("batch scores equal one shopper's scores, empty histories included", arguments: specs)
    func batchScores(spec: ModelSpec) throws {
        let model = try train(spec)
        let histories = Self.log.histories + [History()]
        let n = Self.log.catalog.count
        let batch = model.scores(forBatch: histories, parallelism: Parallelism(threads: 2))
        #expect(batch.count == histories.count * n)
        for (row, history) in histories.enumerated() {
            let single = model.scores(for: history)
            #expect(single.count == n)
            // A product over the batch sums in another order than one shopper's dot products.
            #expect(
                zip(batch[(row * n)..<((row + 1) * n)], single).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
            )
        }
        let blend = HybridModel(components: [
            .init(model: model, weight: 1), .init(model: try train(.sequence(.init())), weight: 0.5),
        ])
        let blended = blend.scores(forBatch: histories, parallelism: .serial)
        for (row, history) in histories.enumerated() {
            #expect(
                zip(blended[(row * n)..<((row + 1) * n)], blend.scores(for: history)).allSatisfy {
                    abs($0 - $1) <= 1e-3 * max(1, abs($1))
                }
            )
        }
    }

    @Test("ranked lists leave out the history, never repeat an item, and break ties by id", arguments: specs)
    func rankedLists(spec: ModelSpec) throws {
        let model = try train(spec)
        let history = Self.log.histories[3]
        let ranked = model.rank(history, limit: 100)
        #expect(ranked.count == Self.log.catalog.count - Set(history.items).count)
        #expect(Set(ranked.map(\.index)).count == ranked.count)
        #expect(ranked.allSatisfy { !history.items.contains(Int32($0.index)) })
        for (first, second) in zip(ranked, ranked.dropFirst()) {
            #expect(first.score > second.score || (first.score == second.score && first.index < second.index))
        }
    }

    @Test("an empty history (a new shopper) gets an answer without failing", arguments: specs)
    func emptyHistory(spec: ModelSpec) throws {
        let model = try train(spec)
        let ranked = model.rank(History(), limit: 5)
        #expect(ranked.count == 5)
    }

    @Test(
        "personal models recommend from the shopper's own taste group",
        arguments: specs.filter { $0.kind != .popularity }
    )
    func followsTaste(spec: ModelSpec) throws {
        let model = try train(spec)
        let catalog = Self.log.catalog
        let index = { (id: ItemID) in try #require(catalog.index(of: id)) }
        var likesFirstHalf = History()
        likesFirstHalf.append(item: try index(ItemID("a")), weight: 1, timestamp: 1)
        likesFirstHalf.append(item: try index(ItemID("b")), weight: 1, timestamp: 2)
        var likesSecondHalf = History()
        likesSecondHalf.append(item: try index(ItemID("v")), weight: 1, timestamp: 1)
        likesSecondHalf.append(item: try index(ItemID("w")), weight: 1, timestamp: 2)
        let first = try #require(model.rank(likesFirstHalf, limit: 1).first)
        let second = try #require(model.rank(likesSecondHalf, limit: 1).first)
        #expect(["c", "d", "e"].contains(catalog.ids[first.index].rawValue))
        #expect(["x", "y", "z"].contains(catalog.ids[second.index].rawValue))
    }

    @Test("the sequence model answers what comes right after the last item")
    func nextItem() throws {
        let model = try train(.sequence(.init(window: 1, recentItems: 1)))
        let catalog = Self.log.catalog
        var history = History()
        history.append(item: try #require(catalog.index(of: ItemID("c"))), weight: 1, timestamp: 1)
        let best = try #require(model.rank(history, limit: 1).first)
        #expect(catalog.ids[best.index].rawValue == "d")
        history.append(item: try #require(catalog.index(of: ItemID("x"))), weight: 1, timestamp: 2)
        let after = try #require(model.rank(history, limit: 1).first)
        #expect(catalog.ids[after.index].rawValue == "y", "the newest item decides")
    }

    @Test("EASE refuses a catalog above its limit instead of allocating items²")
    func easeLimit() throws {
        let rows = (0...EASEModel.maximumItems).map { Interaction(user: "u", item: "i\($0)", timestamp: 0) }
        #expect(throws: TrainingError.self) {
            try EASEModel(log: InteractionLog(rows), parallelism: .serial)
        }
    }

    @Test("ALS's score mean and deviation from the factors' moments equal those of scoring every item")
    func alsScoreStatistics() throws {
        let model = ALSModel(log: Self.log, parameters: .init(factors: 8, iterations: 5), parallelism: .serial)
        let vector = model.userVector(for: Self.log.histories[2])
        let scores = model.scores(for: Self.log.histories[2])
        let mean = scores.reduce(0, +) / Float(scores.count)
        let deviation = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(scores.count)).squareRoot()
        let (fastMean, fastDeviation) = model.scoreStatistics(of: vector)
        #expect(abs(fastMean - mean) < 1e-3 * max(1, abs(mean)))
        #expect(abs(fastDeviation - deviation) < 1e-3 * max(1, deviation))
        let some: [Int32] = [0, 3, 5]
        #expect(
            model.scores(of: some, vector: vector).enumerated().allSatisfy {
                abs($0.element - scores[Int(some[$0.offset])]) < 1e-5
            }
        )
    }

    @Test("ALS's request-time fold-in gives a vector that fits the shopper's items")
    func alsFoldIn() throws {
        let model = ALSModel(log: Self.log, parameters: .init(factors: 8, iterations: 10), parallelism: .serial)
        let vector = model.userVector(for: Self.log.histories[0])
        #expect(vector.count == 8)
        #expect(model.userVector(for: History()).allSatisfy { $0 == 0 })
        let scores = model.scores(for: Self.log.histories[0])
        let own = Self.log.histories[0].items.map { scores[Int($0)] }
        let catalog = Self.log.catalog
        let other = try #require(catalog.index(of: ItemID("z")))
        #expect(own.allSatisfy { $0 > scores[Int(other)] })
    }
}
