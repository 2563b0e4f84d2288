public import AisleCore
public import AisleMath
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Trains a `RecommendationSnapshot` from a `TrainingInput`: every model, the trends, and the feed
/// blend (weights tuned on a leave-last-out validation sample when there is enough data).
public struct SnapshotTrainer: Sendable {
    /// Settings of one run.
    public struct Settings: Sendable {
        /// Workers.
        public var parallelism: Parallelism
        /// Factor model settings.
        public var factors = ALSModel.Parameters(factors: 64, regularization: 1, alpha: 10, iterations: 15)
        /// Co-interaction neighbours per item.
        public var neighbours = 50
        /// Next-item settings.
        public var sequence = SequenceModel.Parameters()
        /// Tune the blend on every interaction when there are at most this many (tuning trains
        /// every model twice); above it, on the interactions of a sample of shoppers holding about
        /// `tuningSampleInteractions` (the weights tuned there are served with models fitted on
        /// everything, and the Transformer is the one trained on the sample).
        public var tuneBlendUpTo = 2_000_000
        /// Interactions in the shopper sample the blend is tuned on above `tuneBlendUpTo`.
        public var tuningSampleInteractions = 500_000
        /// Shoppers sampled for blend validation.
        public var validationShoppers = 2_000
        /// Age at which an interaction counts half in the models, in seconds (relative to the
        /// newest event); nil counts every interaction fully. Trends decay on their own.
        public var interactionHalfLifeSeconds: Double?
        /// The sequential Transformer's settings (nil: not trained). It is trained only when the
        /// blend is tuned: on the validation sample's training part, stopped early on its
        /// held-out shoppers, so its weight in the feed is measured, never assumed.
        public var transformer: SequentialModel.Parameters? = SequentialModel.Parameters(epochs: 60)
        /// Held-out shoppers (with 3+ interactions) needed before the Transformer is trained:
        /// on fewer, its validation score is too noisy to earn it a weight, and a network fitted
        /// to a few dozen shoppers adds noise to the feed.
        public var transformerMinimumShoppers = 200
        /// Where the Transformer's training saves its state after every epoch, so that a
        /// training cut short (a restart, a killed `aisle train`) continues when the next one
        /// reads the same events; nil saves nothing.
        public var transformerCheckpointPath: String?
        /// The blend used when it is not tuned.
        public var defaultBlend: [ModelKind: Float] = [.als: 1, .sequence: 1, .itemKNN: 0.5, .popularity: 0.1]

        /// Settings with `parallelism` workers and defaults elsewhere.
        public init(parallelism: Parallelism) {
            self.parallelism = parallelism
        }
    }

    /// The settings.
    public let settings: Settings

    /// A trainer.
    public init(settings: Settings) {
        self.settings = settings
    }

    /// Trains every model on `input`. `progress` receives one line per step (for logs).
    /// `shouldStop` is asked before each stage (log, trends, each model, the blend); when it
    /// answers true the training throws `CancellationError`.
    public func train(
        _ input: TrainingInput,
        at now: Timestamp,
        progress: (String) -> Void = { _ in },
        shouldStop: () -> Bool = { false }
    ) throws -> RecommendationSnapshot {
        let clock = ContinuousClock()
        var report = TrainingReport()
        report.events = input.eventsRead
        report.interactions = input.interactions.count
        report.lastSequence = input.lastSequence
        func timed<T>(_ name: String, _ work: () throws -> T) throws -> T {
            if shouldStop() { throw CancellationError() }
            let start = clock.now
            let result = try work()
            let elapsed = clock.now - start
            let seconds = elapsed.seconds
            report.seconds[name] = seconds
            progress("\(name): \(String(format: "%.2f", seconds)) s")
            return result
        }

        let log = try timed("log") {
            InteractionLog(
                Self.decayed(input.interactions, halfLife: settings.interactionHalfLifeSeconds),
                extraItems: input.items.keys.map(\.rawValue)
            )
        }
        let catalog = log.catalog
        report.shoppers = log.users.count
        report.items = catalog.count
        progress("log: \(input.interactions.count) interactions, \(log.users.count) shoppers, \(catalog.count) items")
        let facts = catalog.ids.map { input.items[$0] ?? .unknown }
        let trends = try timed("trends") { Self.trends(log) }
        let platforms = try timed("platforms") {
            Self.segmentTrends(input, catalog: catalog, latest: log.latestTimestamp)
        }
        let parallelism = settings.parallelism
        let similar = try timed("itemknn") {
            ItemKNNModel(log: log, parameters: .init(neighbours: settings.neighbours), parallelism: parallelism)
        }
        let next = try timed("seq") { SequenceModel(log: log, parameters: settings.sequence, parallelism: parallelism) }
        let basketLog = InteractionLog(input.baskets, catalog: catalog)
        report.baskets = basketLog.users.count
        let boughtTogether = try timed("bought_together") {
            ItemKNNModel(log: basketLog, parameters: .init(neighbours: settings.neighbours), parallelism: parallelism)
        }
        let factors: ALSModel? =
            log.users.isEmpty
            ? nil
            : try timed("als") {
                ALSModel(log: log, parameters: settings.factors, parallelism: parallelism) { iteration, seconds in
                    if iteration % 5 == 0 || iteration == settings.factors.iterations {
                        progress(
                            "als: iteration \(iteration)/\(settings.factors.iterations) (\(String(format: "%.2f", seconds)) s)"
                        )
                    }
                }
            }
        // Above the limit the blend is tuned on a sample of whole shoppers: tuning fits every
        // model again, and the Transformer's epochs grow with the interactions it reads.
        let tuningInput =
            input.interactions.count <= settings.tuneBlendUpTo
            ? input.interactions
            : ShopperSample.interactions(of: input.interactions, about: settings.tuningSampleInteractions)
        let sampled = tuningInput.count < input.interactions.count
        if sampled {
            progress("blend: tuned on a sample of shoppers holding \(tuningInput.count) of the interactions")
        }
        let validation = ValidationSample.split(tuningInput, shoppers: settings.validationShoppers)
        let benchmark = OfflineBenchmark(split: validation, parallelism: parallelism, catalog: catalog)
        let tunesBlend = validation.valid.count >= 50
        let sequential: SequentialModel? =
            tunesBlend && validation.valid.count >= settings.transformerMinimumShoppers
            ? try settings.transformer.map { parameters in
                try timed("transformer") {
                    // Only never-bought items are served on content alone as extra candidates.
                    var bought = [Bool](repeating: false, count: catalog.count)
                    for history in log.histories { for item in history.items { bought[Int(item)] = true } }
                    return try trainSequential(
                        parameters,
                        benchmark: benchmark,
                        content: Self.content(catalog: catalog, facts: facts),
                        progress: progress,
                        shouldStop: shouldStop
                    ).keepingContentOnly { !bought[Int($0)] }
                }
            } : nil
        let blend = try timed("blend") {
            try chooseBlend(
                validation: validation,
                benchmark: benchmark,
                hasFactors: factors != nil,
                sequential: sequential,
                sampled: sampled,
                report: &report
            )
        }
        report.blend = Dictionary(uniqueKeysWithValues: blend.map { ($0.key.rawValue, $0.value) })
        progress("blend: \(report.blendSource)")
        return RecommendationSnapshot(
            trainedAt: now,
            report: report,
            catalog: catalog,
            facts: facts,
            trends: trends,
            segmentTrends: platforms,
            similar: similar,
            next: next,
            boughtTogether: boughtTogether,
            factors: factors,
            sequential: sequential,
            blend: blend
        )
    }

    /// The Transformer trained on the validation sample's training part (everything but the
    /// held-out shoppers' last interactions), stopped when validation NDCG@10 stops improving;
    /// the best epoch's weights are served.
    private func trainSequential(
        _ parameters: SequentialModel.Parameters,
        benchmark: OfflineBenchmark,
        content: ItemContent?,
        progress: (String) -> Void,
        shouldStop: () -> Bool
    ) throws -> SequentialModel {
        let log = benchmark.log(.train)
        let scorer = IndexedNDCG(split: benchmark.split, target: .valid, log: log)
        let trainer = SequentialTrainer(parameters: parameters, parallelism: settings.parallelism, patience: 3)
        if let content, !content.isEmpty {
            progress("transformer: item vectors fuse \(content.attributeCount) category and brand values")
        }
        return try trainer.train(
            on: log,
            content: content,
            validate: { model in
                benchmark.score(model, log: log, scorer: scorer)
            },
            report: { epoch in progress("transformer: " + epoch.line) },
            shouldStop: shouldStop,
            checkpoint: settings.transformerCheckpointPath
        ).model
    }

    /// The transformer's item content from the catalog: each item's category paths (every level)
    /// and brand as attributes, so items of one shelf or maker share part of their vectors.
    static func content(catalog: Catalog, facts: [ItemFacts]) -> ItemContent? {
        let attributes = zip(catalog.ids, facts).map { id, facts in
            (id, facts.tokens.filter { $0.hasPrefix("category:") || $0.hasPrefix("brand:") })
        }
        return try? ItemContent(catalog: catalog, attributes: Dictionary(uniqueKeysWithValues: attributes), text: [:])
    }

    /// `interactions` with each weight halved per `halfLife` seconds of age before the newest one.
    static func decayed(_ interactions: [Interaction], halfLife: Double?) -> [Interaction] {
        guard let halfLife, halfLife > 0, let latest = interactions.map(\.timestamp).max() else { return interactions }
        return interactions.map { row in
            var row = row
            row.weight *= Float(exp2(-(latest - row.timestamp) / halfLife))
            return row
        }
    }

    /// Trend scores per window, relative to the log's newest interaction.
    static func trends(_ log: InteractionLog) -> [TrendWindow: [Float]] {
        var result: [TrendWindow: [Float]] = [:]
        let latest = log.latestTimestamp
        for window in TrendWindow.allCases {
            var counts = [Float](repeating: 0, count: log.catalog.count)
            for history in log.histories {
                for index in history.items.indices {
                    let age = latest - history.timestamps[index]
                    let weight = history.weights[index]
                    if let seconds = window.seconds {
                        if age <= seconds { counts[Int(history.items[index])] += weight }
                    } else {
                        counts[Int(history.items[index])] += weight * Float(exp2(-age / (7 * 86_400)))
                    }
                }
            }
            result[window] = counts
        }
        return result
    }

    /// 7-day trends per segment of shoppers: `platform:ios` (the event's platform) and `locale:de`
    /// (the user's profile locale), for new shoppers of that segment.
    static func segmentTrends(_ input: TrainingInput, catalog: Catalog, latest: Double) -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (interaction, platform) in zip(input.interactions, input.platforms) {
            guard let item = catalog.index(of: ItemID(interaction.item)) else { continue }
            let weight = interaction.weight * Float(exp2(-(latest - interaction.timestamp) / (7 * 86_400)))
            var segments: [String] = []
            if !platform.isEmpty { segments.append("platform:" + platform) }
            if let locale = input.locales[interaction.user] { segments.append("locale:" + locale) }
            for segment in segments {
                result[segment, default: [Float](repeating: 0, count: catalog.count)][Int(item)] += weight
            }
        }
        return result
    }

    /// Tunes the feed blend on a validation sample: each sampled shopper's last interaction is held
    /// out, the models are fitted on the rest, and the weights that rank the held-out items best
    /// (NDCG@10) win (above `tuneBlendUpTo`, on the shopper sample). Falls back to the default
    /// blend when fewer than 50 shoppers can be held out.
    private func chooseBlend(
        validation split: Split,
        benchmark: OfflineBenchmark,
        hasFactors: Bool,
        sequential: SequentialModel?,
        sampled: Bool,
        report: inout TrainingReport
    ) throws -> [ModelKind: Float] {
        var defaults = settings.defaultBlend
        if !hasFactors { defaults[.als] = nil }
        guard split.valid.count >= 50 else {
            report.blendSource = "defaults (only \(split.valid.count) shoppers with 3+ interactions)"
            return defaults
        }
        let kinds: [ModelKind] =
            hasFactors ? [.als, .sequence, .itemKNN, .popularity] : [.sequence, .itemKNN, .popularity]
        let specs: [ModelSpec] = kinds.map { kind in
            switch kind {
            case .als: .als(settings.factors)
            case .sequence: .sequence(settings.sequence)
            case .itemKNN: .itemKNN(.init(neighbours: settings.neighbours))
            default: .popularity(.init(halfLifeSeconds: 7 * 86_400))
            }
        }
        let log = benchmark.log(.train)
        var models = try specs.map { try $0.train(on: log, parallelism: settings.parallelism) }
        var names = kinds
        if let sequential {
            models.append(sequential)
            names.append(.transformer)
        }
        let (weights, ndcg, singles) = benchmark.tuneHybrid(models: models)
        let sample =
            sampled ? " of a sample of shoppers holding \(split.train.count + split.valid.count) interactions" : ""
        report.blendSource =
            "tuned on \(split.valid.count) validation shoppers\(sample) (NDCG@10 \(String(format: "%.4f", ndcg)))"
        var quality = Dictionary(uniqueKeysWithValues: zip(names.map(\.rawValue), singles))
        quality["blend"] = ndcg
        report.validationNDCG = quality
        return Dictionary(uniqueKeysWithValues: zip(names, weights).filter { $0.1 != 0 })
    }
}

/// The shoppers a large log's blend is tuned on.
enum ShopperSample {
    /// The interactions (in their order) of every k-th shopper of the id-sorted list, k chosen
    /// so that they hold about `target` interactions: the same sample run to run, and whole
    /// histories, so each sampled shopper's sequence reads as it does in the feed.
    static func interactions(of interactions: [Interaction], about target: Int) -> [Interaction] {
        guard interactions.count > target, target > 0 else { return interactions }
        let shoppers = IDOrder.sorted(Array(Set(interactions.map(\.user))))
        let step = max(1, Int((Double(interactions.count) / Double(target)).rounded(.up)))
        let kept = Set(stride(from: 0, to: shoppers.count, by: step).map { shoppers[$0] })
        return interactions.filter { kept.contains($0.user) }
    }
}

/// The validation split the trainer tunes the blend on.
enum ValidationSample {
    /// Holds out the last interaction of up to `shoppers` shoppers with 3+ interactions (picked
    /// evenly over the id-sorted list, so the sample is the same run to run).
    static func split(_ interactions: [Interaction], shoppers: Int) -> Split {
        var last: [String: Int] = [:]
        var counts: [String: Int] = [:]
        for (index, row) in interactions.enumerated() {
            counts[row.user, default: 0] += 1
            if let kept = last[row.user], interactions[kept].timestamp > row.timestamp { continue }
            last[row.user] = index
        }
        let eligible = IDOrder.sorted(counts.filter { $0.value >= 3 }.map(\.key))
        let step = max(1, eligible.count / max(1, shoppers))
        let sampled = stride(from: 0, to: eligible.count, by: step).prefix(shoppers).map { eligible[$0] }
        let heldOut = Set(sampled.compactMap { last[$0] })
        var train: [Interaction] = []
        var valid: [Interaction] = []
        for (index, row) in interactions.enumerated() {
            if heldOut.contains(index) { valid.append(row) } else { train.append(row) }
        }
        // A held-out item the shopper also has in train is no target; the scorer drops it.
        return Split(train: train, valid: valid, test: [])
    }
}
