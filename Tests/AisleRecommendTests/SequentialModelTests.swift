import AisleCore
import AisleMath
import Foundation
import Testing

@testable import AisleRecommend

/// The sequential recommender's promises beyond the contract every model keeps: it reads order
/// (the newest click decides), training is repeatable, and the trainer stops early on validation.
@Suite struct SequentialModelTests {
    /// Settings small enough for a test, large enough to learn the fixture's orders.
    static let small = SequentialModel.Parameters(
        dimension: 16,
        blocks: 2,
        heads: 2,
        hidden: 32,
        maxLength: 8,
        dropout: 0.1,
        learningRate: 0.01,
        batchSize: 8,
        epochs: 60,
        decayEpochs: 0
    )

    private static let log = InteractionLog(Fixtures.twoTasteLog(), extraItems: ["new"])

    private func train(_ parameters: SequentialModel.Parameters = small, threads: Int = 2) throws -> SequentialModel {
        try SequentialTrainer(parameters: parameters, parallelism: Parallelism(threads: threads)).train(on: Self.log)
            .model
    }

    private func history(_ ids: [String]) throws -> History {
        var history = History()
        for (step, id) in ids.enumerated() {
            history.append(
                item: try #require(Self.log.catalog.index(of: ItemID(id))),
                weight: 1,
                timestamp: Double(step)
            )
        }
        return history
    }

    private func best(_ model: SequentialModel, after ids: [String]) throws -> String {
        let top = try #require(model.rank(try history(ids), limit: 1).first)
        return Self.log.catalog.ids[top.index].rawValue
    }

    @Test("it answers what comes after the newest item, and the next click changes the answer at once")
    func newestClickDecides() throws {
        let model = try train()
        #expect(try best(model, after: ["a", "b"]) == "c")
        #expect(try best(model, after: ["a", "b", "c"]) == "d")
        // One more click, from the other taste group, and no retraining: the answer follows it
        // (to what comes after w: x, or y where the fixture skips x).
        #expect(try ["x", "y"].contains(best(model, after: ["a", "b", "c", "w"])))
        #expect(try best(model, after: ["v", "w", "x", "y"]) == "z")
    }

    @Test("the same seed gives the same weights; another seed other weights")
    func deterministic() throws {
        let first = try train()
        let again = try train()
        #expect(first.weights == again.weights)
        var other = Self.small
        other.seed = 7
        #expect(try train(other).weights != first.weights)
    }

    @Test("the batched scores equal the one-shopper scores")
    func batchedScores() throws {
        let model = try train()
        let histories = [try history(["a", "b"]), History(), try history(["v", "w", "x"])]
        let batched = model.scores(forBatch: histories, parallelism: Parallelism(threads: 2))
        let n = model.catalog.count
        #expect(batched.count == histories.count * n)
        for (row, history) in histories.enumerated() {
            let single = model.scores(for: history)
            #expect(
                zip(single, batched[(row * n)..<((row + 1) * n)]).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) }
            )
        }
    }

    @Test("early stopping keeps the best epoch's weights and reports every epoch")
    func earlyStopping() throws {
        var parameters = Self.small
        parameters.epochs = 30
        var reports: [SequentialTrainer.EpochReport] = []
        // A validation score that peaks at epoch 4: training stops `patience` epochs later.
        let trainer = SequentialTrainer(parameters: parameters, parallelism: .serial, patience: 3)
        var calls = 0
        let (model, bestEpoch) = try trainer.train(
            on: Self.log,
            validate: { _ in
                calls += 1
                return -abs(Double(calls) - 4)
            },
            report: { reports.append($0) }
        )
        #expect(bestEpoch == 4)
        #expect(reports.count == 7)
        #expect(reports.map(\.isBest) == [true, true, true, true, false, false, false])
        #expect(reports.allSatisfy { $0.loss.isFinite && $0.loss > 0 })
        #expect(reports.map(\.stopsAfter) == [4, 5, 6, 7, 7, 7, 7], "where training ends if nothing improves")
        #expect(reports[0].line.contains("epoch 1/30: loss ") && reports[0].line.contains("ETA at most"))
        #expect(reports[4].line.contains("stops after epoch 7 unless validation improves"))
        var fixed = parameters
        fixed.epochs = 4
        let refit = try SequentialTrainer(parameters: fixed, parallelism: .serial).train(on: Self.log).model
        #expect(refit.weights == model.weights, "the best epoch's weights are the 4-epoch run's")
    }

    @Test("a training stopped after epoch 3 continues from its checkpoint to the weights it would have reached")
    func resumesFromCheckpoint() throws {
        var parameters = Self.small
        parameters.epochs = 8
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aisle-\(UUID()).checkpoint").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = SequentialTrainer(parameters: parameters, parallelism: .serial, patience: 20)
        // A validation score that is a function of the weights, so both runs see the same scores.
        let validate = { (model: SequentialModel) in Double(model.weights.prefix(64).reduce(0, +)) }
        let (uninterrupted, uninterruptedBest) = try trainer.train(on: Self.log, validate: validate)

        var epochs = 0
        #expect(throws: CancellationError.self) {
            try trainer.train(
                on: Self.log,
                validate: validate,
                report: { _ in epochs += 1 },
                shouldStop: { epochs >= 3 },
                checkpoint: path
            )
        }
        #expect(FileManager.default.fileExists(atPath: path), "a cancelled training keeps its checkpoint")
        var resumedEpochs: [Int] = []
        let (resumed, resumedBest) = try trainer.train(
            on: Self.log,
            validate: validate,
            report: { resumedEpochs.append($0.epoch) },
            checkpoint: path
        )
        #expect(resumedEpochs == [4, 5, 6, 7, 8])
        #expect(resumed.weights == uninterrupted.weights)
        #expect(resumedBest == uninterruptedBest)
        #expect(!FileManager.default.fileExists(atPath: path), "a finished training removes its checkpoint")
    }

    @Test("a checkpoint of other settings, or a cut one, is ignored: training starts afresh")
    func foreignCheckpointIgnored() throws {
        var parameters = Self.small
        parameters.epochs = 3
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aisle-\(UUID()).checkpoint").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var epochs = 0
        var other = parameters
        other.seed = 99
        #expect(throws: CancellationError.self) {
            try SequentialTrainer(parameters: other, parallelism: .serial).train(
                on: Self.log,
                report: { _ in epochs += 1 },
                shouldStop: { epochs >= 1 },
                checkpoint: path
            )
        }
        var seen: [Int] = []
        let model = try SequentialTrainer(parameters: parameters, parallelism: .serial).train(
            on: Self.log,
            report: { seen.append($0.epoch) },
            checkpoint: path
        ).model
        #expect(seen == [1, 2, 3])
        #expect(
            model.weights
                == (try SequentialTrainer(parameters: parameters, parallelism: .serial).train(on: Self.log).model
                    .weights)
        )
        try Data("AISLETC1 cut".utf8).write(to: URL(fileURLWithPath: path))
        seen = []
        _ = try SequentialTrainer(parameters: parameters, parallelism: .serial).train(
            on: Self.log,
            report: { seen.append($0.epoch) },
            checkpoint: path
        )
        #expect(seen == [1, 2, 3])
    }

    @Test("a log with no sequence of two items is refused with a clear error")
    func nothingToLearn() {
        let log = InteractionLog([Interaction(user: "u", item: "a", timestamp: 0)])
        #expect(throws: TrainingError.noInteractions) {
            try SequentialTrainer(parameters: Self.small, parallelism: .serial).train(on: log)
        }
    }

    @Test(
        "the step size falls along a half cosine to a twentieth, then stays; settings saved before the schedule read as constant"
    )
    func learningRateSchedule() throws {
        let parameters = SequentialModel.Parameters(learningRate: 0.002, decayEpochs: 20)
        let rates = (1...30).map { parameters.learningRate(epoch: $0) }
        #expect(rates[0] == 0.002)
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(abs(rates[10] - 0.002 * 0.525) < 1e-6, "half way: the mean of the start and the floor")
        #expect(rates[20...].allSatisfy { abs($0 - 0.0001) < 1e-7 })
        #expect(SequentialModel.Parameters(decayEpochs: 0).learningRate(epoch: 50) == 0.002)

        var saved = try JSONSerialization.jsonObject(with: JSONEncoder().encode(parameters)) as? [String: Any] ?? [:]
        saved["decayEpochs"] = nil
        let old = try JSONDecoder().decode(
            SequentialModel.Parameters.self,
            from: JSONSerialization.data(withJSONObject: saved)
        )
        #expect(old.decayEpochs == 0 && old.learningRate == 0.002 && old.dimension == parameters.dimension)
    }

    @Test("candidate scores and the exact catalog mean and deviation agree with scoring every item")
    func candidateScoring() throws {
        let model = try train(Self.small.with(epochs: 5))
        let history = try history(["a", "b", "w"])
        let all = model.scores(for: history)
        let hidden = model.hidden(for: history)
        let items: [Int32] = [0, 3, Int32(all.count - 1)]
        for (item, score) in zip(items, model.scores(of: items, hidden: hidden)) {
            #expect(abs(score - all[Int(item)]) < 1e-4)
        }
        let mean = all.reduce(0, +) / Float(all.count)
        let deviation = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(all.count)).squareRoot()
        let exact = model.scoreStatistics(of: hidden)
        #expect(abs(exact.mean - mean) < 1e-3 && abs(exact.deviation - deviation) < 1e-3 * max(1, deviation))
        #expect(deviation > 0.01, "scores that differ, or the check is empty")
    }
}

extension SequentialModel.Parameters {
    fileprivate func with(epochs: Int) -> Self {
        var copy = self
        copy.epochs = epochs
        return copy
    }
}
