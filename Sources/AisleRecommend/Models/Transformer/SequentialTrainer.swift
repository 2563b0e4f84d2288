import AisleCore
public import AisleMath
import Foundation

/// Trains a `SequentialModel`: every shopper's sequence predicts, at each step, the item that came
/// next; AdamW over shuffled batches of whole sequences; optional early stopping on a validation
/// score, keeping the best epoch's weights.
public struct SequentialTrainer: Sendable {
    /// One finished epoch, for progress output.
    public struct EpochReport: Sendable {
        /// 1-based.
        public let epoch: Int
        /// The most epochs this run may take.
        public let epochs: Int
        /// Mean next-item cross-entropy over the epoch's tokens.
        public let loss: Double
        /// The validation score after the epoch, when one is measured.
        public let validation: Double?
        /// Whether this epoch's weights are the best so far (and kept).
        public let isBest: Bool
        /// Seconds the epoch took (training and validation).
        public let seconds: Double
        /// Of which training (the passes over the data and the weight updates).
        public let trainingSeconds: Double
        /// Seconds since training started.
        public let elapsedSeconds: Double
        /// The epoch early stopping ends on if validation does not improve again; nil without
        /// validation.
        public let stopsAfter: Int?

        /// At most this many seconds are left: the mean epoch so far times the epochs left.
        public var remainingSecondsAtMost: Double {
            elapsedSeconds / Double(max(1, epoch)) * Double(max(0, epochs - epoch))
        }

        /// One progress line: epoch, loss, validation score, time and what is left.
        public var line: String {
            var text = "epoch \(epoch)/\(epochs): loss \(String(format: "%.4f", loss))"
            if let validation {
                text += ", valid NDCG@10 \(String(format: "%.4f", validation))\(isBest ? " (best)" : "")"
            }
            text += " in \(String(format: "%.1f", seconds)) s (training \(String(format: "%.2f", trainingSeconds)) s)"
            if epoch < epochs {
                text += "; ETA at most \(Int(remainingSecondsAtMost.rounded())) s"
                if let stopsAfter, stopsAfter < epochs {
                    text += ", stops after epoch \(stopsAfter) unless validation improves by 0.5 %"
                }
            }
            return text
        }
    }

    /// The settings.
    public let parameters: Parameters
    /// Workers.
    public let parallelism: Parallelism
    /// Epochs without a validation gain of `minimumGain` or more before training stops.
    public let patience: Int

    public typealias Parameters = SequentialModel.Parameters

    /// With item content, the share of items whose id parts sit out each step (DropoutNet's
    /// idea): content alone must then predict them, as it must for an item nobody has bought.
    static let contentOnlyShare: Float = 0.2

    /// The relative validation gain that resets early stopping's patience (0.5 %); smaller gains
    /// still keep their epoch's weights when they are the best.
    static let minimumGain = 0.005

    public init(parameters: Parameters, parallelism: Parallelism, patience: Int = 5) {
        self.parameters = parameters
        self.parallelism = parallelism
        self.patience = max(1, patience)
    }

    /// The training sequences of `log`: each history (repeats collapsed) cut from its newest end
    /// into windows of at most `maxLength` + 1 items, so every interaction is a target once.
    static func sequences(_ log: InteractionLog, maxLength: Int) -> [[Int32]] {
        var result: [[Int32]] = []
        for history in log.histories {
            let items = Array(SequentialModel.sequence(history.items, maxLength: Int.max))
            var end = items.count
            while end >= 2 {
                result.append(Array(items[max(0, end - maxLength - 1)..<end]))
                end -= maxLength
            }
        }
        return result
    }

    /// Trains on `log`. `validate` (when given) scores a candidate model after each epoch, higher
    /// is better; the best epoch's weights are returned with its number. Without it every epoch
    /// runs and the last weights are kept.
    /// `shouldStop` is asked before every epoch; when it answers true training throws
    /// `CancellationError` (the server is shutting down or a newer run replaced this one).
    /// With `startingFrom`, training continues from that model's weights (same catalog and
    /// settings, no content) with a fresh optimiser: a refit on more data.
    /// With `content` (attributes and text of `log.catalog`'s items), item vectors fuse it with
    /// their id embeddings; the model returned has it folded in (`TransformerNetwork.folded`).
    /// With `checkpoint`, the state after every epoch is saved to that file and a training of the
    /// same settings and log continues from it (`SequentialCheckpoint`); the file is removed when
    /// training ends.
    public func train(
        on log: InteractionLog,
        content: ItemContent? = nil,
        startingFrom: SequentialModel? = nil,
        validate: ((SequentialModel) -> Double)? = nil,
        report: (EpochReport) -> Void = { _ in },
        shouldStop: () -> Bool = { false },
        checkpoint: String? = nil
    ) throws -> (model: SequentialModel, bestEpoch: Int) {
        guard log.catalog.count > 0 else { throw TrainingError.noInteractions }
        let sequences = Self.sequences(log, maxLength: parameters.maxLength)
        guard !sequences.isEmpty else { throw TrainingError.noInteractions }
        // The network splits its products between its own workers; OpenBLAS's threads beside
        // them would fight for the cores (as in the text encoder).
        let blasThreads = BLAS.threads
        BLAS.setThreads(.serial)
        defer { BLAS.setThreads(Parallelism(threads: blasThreads)) }
        if let content, content.attributes.count != log.catalog.count {
            throw TrainingError.contentMismatch(items: log.catalog.count, content: content.attributes.count)
        }
        let content = content.flatMap { $0.isEmpty ? nil : $0 }
        let layout = SequentialModel.layout(
            items: log.catalog.count,
            parameters: parameters,
            attributes: content?.attributeCount ?? 0,
            textWidth: content?.textWidth ?? 0
        )
        let network = TransformerNetwork(layout: layout)
        // Items no training sequence holds: their id parts only learned that they never came, so
        // a model serves their content parts alone.
        // An item with no content keeps its id parts either way (nothing else would rank it).
        var unseen = (0..<layout.items).map { item in
            guard let content else { return false }
            let text = content.text[(item * content.textWidth)..<((item + 1) * content.textWidth)]
            return !content.attributes[item].isEmpty || text.contains { $0 != 0 }
        }
        for sequence in sequences { for item in sequence { unseen[Int(item)] = false } }
        // What a model keeps: the weights with content folded into the item vectors.
        let contentOnly = unseen.indices.filter { unseen[$0] }.map { Int32($0) }
        // The model keeps the softmax it was trained with, resolved from the catalog's size.
        let negatives = parameters.negatives(forItems: layout.items)
        var trained = parameters
        trained.sampledNegatives = negatives
        func model(_ weights: [Float]) -> SequentialModel {
            SequentialModel(
                catalog: log.catalog,
                parameters: trained,
                weights: content.map {
                    network.folded(weights, content: $0, unseen: unseen, parallelism: parallelism)
                } ?? weights,
                contentOnlyItems: contentOnly
            )
        }
        var weights = layout.initialWeights(seed: parameters.seed)
        if let startingFrom {
            // Continuing a trained model (a refit on more data): same catalog and network, no content
            // (a model keeps its content folded in, so its weights are not this layout's).
            guard startingFrom.catalog == log.catalog, content == nil, startingFrom.layout == layout else {
                throw TrainingError.incompatibleStart
            }
            weights = startingFrom.weights
        }
        var optimizer = AdamW(
            count: layout.count,
            learningRate: parameters.learningRate,
            weightDecay: parameters.weightDecay,
            decayed: layout.decayed
        )
        var random = SplitMix64(seed: parameters.seed ^ 0x5EED_0F0D_E25A_11CE)
        var order = Array(sequences.indices)
        var best: (weights: [Float], score: Double, epoch: Int)?
        var sinceBest = 0
        var patienceScore: Double?
        var firstEpoch = 1
        var earlierSeconds = 0.0
        // A continued training is short and its start is not in the key: no checkpoint.
        let checkpoint = startingFrom == nil ? checkpoint : nil
        let key = checkpoint.map { _ in
            SequentialCheckpoint.key(
                parameters: parameters,
                patience: patience,
                items: layout.items,
                sequences: sequences,
                content: content?.digest ?? 0
            )
        }
        if let checkpoint, let key, let saved = SequentialCheckpoint.load(from: checkpoint, key: key),
            saved.weights.count == layout.count, saved.order.count == order.count
        {
            weights = saved.weights
            optimizer = AdamW(
                learningRate: parameters.learningRate,
                weightDecay: parameters.weightDecay,
                decayed: layout.decayed,
                step: saved.step,
                firstMoment: saved.firstMoment,
                secondMoment: saved.secondMoment
            )
            random = SplitMix64(seed: saved.random)
            order = saved.order.map { Int($0) }
            best = saved.best
            sinceBest = saved.sinceBest
            patienceScore = saved.patienceScore ?? saved.best?.score
            firstEpoch = saved.epoch + 1
            earlierSeconds = saved.elapsedSeconds
        }
        // Only a finished training removes its checkpoint: a cancelled one continues from it.
        func finished(_ result: (model: SequentialModel, bestEpoch: Int)) -> (model: SequentialModel, bestEpoch: Int) {
            if let checkpoint { try? FileManager.default.removeItem(atPath: checkpoint) }
            return result
        }
        // Each item's share of the targets: a sampled softmax corrects for how often its sample
        // holds each item.
        var targetShares: [Float]?
        if negatives > 0 {
            var counts = [Int](repeating: 0, count: layout.items)
            for sequence in sequences { for item in sequence.dropFirst() { counts[Int(item)] += 1 } }
            let total = Float(max(1, counts.reduce(0, +)))
            targetShares = counts.map { Float($0) / total }
        }
        var gradients = [Float](repeating: 0, count: layout.count)
        // At most `batchSize` sequences per step, fewer on a small log, so that an epoch takes
        // at least about 32 steps: a few hundred shoppers would otherwise learn in 2 steps an epoch.
        let batchSize = max(1, min(parameters.batchSize, sequences.count / 32))
        let clock = ContinuousClock()
        let trainingStart = clock.now
        let lastEpoch = max(1, parameters.epochs)
        for epoch in firstEpoch...max(firstEpoch, lastEpoch) where epoch <= lastEpoch {
            if shouldStop() { throw CancellationError() }
            let start = clock.now
            optimizer.learningRate = parameters.learningRate(epoch: epoch)
            order.shuffle(using: &random)
            var lossSum = 0.0
            var lossTokens = 0
            for first in stride(from: 0, to: order.count, by: batchSize) {
                var batch = TokenBatch()
                for index in order[first..<min(order.count, first + batchSize)] {
                    let sequence = sequences[index]
                    batch.append(sequence.dropLast(), next: sequence.dropFirst())
                }
                let candidates: TransformerNetwork.Candidates =
                    negatives > 0
                    ? .sampled(
                        (0..<negatives).map { _ in
                            Int32(truncatingIfNeeded: random.next() % UInt64(layout.items))
                        },
                        shares: targetShares
                    ) : .all
                let dropout = TransformerNetwork.Dropout(rate: parameters.dropout, seed: random.next())
                // With content, a share of items read their content alone this step (drawn from
                // the dropout seed, so runs without content draw exactly as before).
                var idDraws = SplitMix64(seed: dropout.seed ^ 0x1D_D50F)
                let withoutID =
                    content == nil
                    ? [] : (0..<layout.items).map { _ in idDraws.nextUnit() < Self.contentOnlyShare }
                for index in gradients.indices { gradients[index] = 0 }
                let loss = weights.withUnsafeBufferPointer { weightBuffer -> Double in
                    gradients.withUnsafeMutableBufferPointer { gradientBuffer -> Double in
                        guard let w = weightBuffer.baseAddress, let g = gradientBuffer.baseAddress else { return 0 }
                        return network.lossAndGradients(
                            batch,
                            candidates: candidates,
                            dropout: dropout,
                            content: content,
                            withoutID: withoutID,
                            weights: w,
                            gradients: g,
                            parallelism: parallelism
                        )
                    }
                }
                optimizer.update(&weights, gradients: gradients, parallelism: parallelism)
                lossSum += loss * Double(batch.tokenCount)
                lossTokens += batch.tokenCount
            }
            let trainingSeconds = (clock.now - start).seconds
            let score = validate?(model(weights))
            var isBest = false
            if let score {
                if score > (best?.score ?? -.infinity) {
                    best = (weights, score, epoch)
                    isBest = true
                }
                // Patience counts from the last gain worth the epochs: a slowly decayed step size
                // keeps finding gains of a few parts in a thousand for many epochs.
                if score > patienceScore.map({ $0 + Self.minimumGain * abs($0) }) ?? -.infinity {
                    patienceScore = score
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
            }
            report(
                EpochReport(
                    epoch: epoch,
                    epochs: parameters.epochs,
                    loss: lossSum / Double(max(1, lossTokens)),
                    validation: score,
                    isBest: isBest,
                    seconds: (clock.now - start).seconds,
                    trainingSeconds: trainingSeconds,
                    elapsedSeconds: earlierSeconds + (clock.now - trainingStart).seconds,
                    stopsAfter: validate == nil ? nil : epoch + patience - sinceBest
                )
            )
            if let checkpoint, let key {
                // A checkpoint is a convenience: a folder it cannot be written to does not stop
                // the training (it would only start over if cut short).
                try? SequentialCheckpoint(
                    key: key,
                    epoch: epoch,
                    weights: weights,
                    step: optimizer.step,
                    firstMoment: optimizer.firstMoment,
                    secondMoment: optimizer.secondMoment,
                    random: random.position,
                    order: order.map { Int32($0) },
                    best: best,
                    sinceBest: sinceBest,
                    patienceScore: patienceScore,
                    elapsedSeconds: earlierSeconds + (clock.now - trainingStart).seconds
                ).save(to: checkpoint)
            }
            if validate != nil, sinceBest >= patience { break }
            if validate == nil, epoch == parameters.epochs {
                return finished((model(weights), epoch))
            }
        }
        if let best {
            return finished((model(best.weights), best.epoch))
        }
        return finished((model(weights), parameters.epochs))
    }
}

extension Duration {
    /// The duration in seconds, for progress lines and reports (module-wide).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
