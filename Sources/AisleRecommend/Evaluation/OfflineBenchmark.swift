import AisleCore
public import AisleMath
import Foundation

/// Offline evaluation on a split, with the benchmark's protocol (../shared/bench/recs/README.md):
/// tune each model on validation (fit on train, history = train), refit the best point on
/// train + valid, and rank for test (history = train + valid).
public struct OfflineBenchmark: Sendable {
    /// Which data a model is fitted on.
    public enum Fit: String, Sendable {
        /// Train only: for tuning on validation, or the "fit-train" variant.
        case train
        /// Train and validation: the headline "fit-train+valid" variant, scored on test.
        case trainAndValid = "train+valid"
    }

    /// The split.
    public let split: Split
    /// Workers for training and ranking.
    public let parallelism: Parallelism
    /// Every item of the split, so every model ranks the same catalog.
    public let catalog: Catalog
    /// List length written per user (the scorer reads the top 20).
    public let listLength: Int
    /// Attributes and text of `catalog`'s items, fused into the transformer's item vectors.
    public let content: ItemContent?
    /// How the transformer is refitted on train + valid: nil trains afresh for the best epoch
    /// count; a number continues the model tuned on train for that many epochs on train + valid,
    /// at the step size its schedule had reached (without item content only: a tuned model keeps
    /// its content folded in).
    public var transformerRefitEpochs: Int?

    /// A benchmark over `split`, ranking `catalog` (default: the split's items); `content` must
    /// describe that catalog.
    public init(
        split: Split,
        parallelism: Parallelism,
        listLength: Int = 50,
        catalog: Catalog? = nil,
        content: ItemContent? = nil
    ) {
        self.split = split
        self.parallelism = parallelism
        self.catalog = catalog ?? Catalog(split.catalogItems)
        self.listLength = listLength
        self.content = content
    }

    /// The training log for `fit`.
    public func log(_ fit: Fit) -> InteractionLog {
        InteractionLog(fit == .train ? split.train : split.train + split.valid, catalog: catalog)
    }

    /// The target the fit is scored on: validation after fitting on train, test after train + valid.
    public static func target(of fit: Fit) -> EvaluationTarget { fit == .train ? .valid : .test }

    /// Top-`listLength` lists for every user of `log`, history excluded, as raw ids.
    public func lists(_ model: any Recommender, log: InteractionLog) -> [String: [String]] {
        lists(model, log: log, users: Array(log.users.indices))
    }

    /// Top-`listLength` lists for the users at `users` (indices into `log.users`).
    func lists(_ model: any Recommender, log: InteractionLog, users: [Int]) -> [String: [String]] {
        let ranked = rankings(model, log: log, users: users, length: listLength).map { ranking in
            ranking.map { model.catalog.ids[$0].rawValue }
        }
        return Dictionary(uniqueKeysWithValues: zip(users.map { log.users[$0] }, ranked))
    }

    /// NDCG@10 of `model` (fitted on `log`) by `scorer`: a validation score in a search.
    func score(_ model: any Recommender, log: InteractionLog, scorer: IndexedNDCG) -> Double {
        scorer.score(rankings(model, log: log, users: scorer.users, length: IndexedNDCG.cutoff))
    }

    /// Top-`length` catalog indices for the users at `users`, history excluded, best first.
    func rankings(_ model: any Recommender, log: InteractionLog, users: [Int], length: Int) -> [[Int]] {
        // Shoppers in chunks: models with item vectors score a chunk in one product.
        // A hybrid holds its components' batches and their sum.
        let size = Self.scoringChunk(
            items: model.catalog.count,
            models: (model as? HybridModel).map { $0.components.count + 1 } ?? 1
        )
        return stride(from: 0, to: users.count, by: size).flatMap { first -> [[Int]] in
            let chunk = Array(users[first..<min(users.count, first + size)])
            let histories = chunk.map { log.histories[$0] }
            let n = model.catalog.count
            let scores = model.scores(forBatch: histories, parallelism: parallelism)
            return scores.withUnsafeBufferPointer { buffer in
                let rows = SendableConstPointer(buffer.baseAddress)
                return parallelism.map(chunk.count, chunk: 16) { position in
                    guard let rows = rows.pointer else { return [] }
                    return Self.best(
                        length,
                        of: UnsafeBufferPointer(start: rows + position * n, count: n),
                        skipping: Set(histories[position].items)
                    )
                }
            }
        }
    }

    /// The best `count` item indices of one shopper's `scores`, best first, never an item in
    /// `seen` (as if masked: the best `count` + `seen.count` entries, those dropped).
    static func best(_ count: Int, of scores: UnsafeBufferPointer<Float>, skipping seen: Set<Int32>) -> [Int] {
        Array(
            TopK.select(count + seen.count, from: scores).lazy.map(\.index).filter { !seen.contains(Int32($0)) }
                .prefix(count)
        )
    }

    /// Shoppers scored per batch offline: up to 256, fewer when `models` batches of the catalog's
    /// rows would pass 128 MB (256 rows of a 100k catalog are 100 MB per model).
    static func scoringChunk(items: Int, models: Int = 1) -> Int {
        max(8, min(256, (1 << 25) / max(1, items * models)))
    }

    /// Fits `spec` on `fit` and scores it on the matching target.
    public func score(_ spec: ModelSpec, fit: Fit) throws -> (model: any Recommender, metrics: RankingMetrics) {
        let log = log(fit)
        let model = try spec.train(on: log, parallelism: parallelism, content: content)
        return (model, RankingMetrics(lists: lists(model, log: log), split: split, target: Self.target(of: fit)))
    }

    /// One tried point of a search.
    public struct Trial: Sendable {
        /// The settings.
        public let spec: ModelSpec
        /// Validation NDCG@10.
        public let validNDCG: Double
        /// The model fitted on train at these settings, when the search kept it (the
        /// transformer's best epoch), so a blend need not train it again.
        public let trained: (any Recommender)?

        public init(spec: ModelSpec, validNDCG: Double, trained: (any Recommender)? = nil) {
            self.spec = spec
            self.validNDCG = validNDCG
            self.trained = trained
        }
    }

    /// Searches `kind`'s `SearchSpace` on validation by coordinate ascent: from the defaults,
    /// step one setting's value down and up (the others held) while each step scores better, go
    /// on to the next setting, and repeat until a whole round finds nothing better. Each point is fitted on
    /// train and scored once. Returns the trials, best first (ties: the order tried); the best
    /// trial keeps its fitted model, so a blend need not fit it again. The transformer's points
    /// report each epoch through `onEpoch`.
    public func tune(
        _ kind: ModelKind,
        onTrial: (Trial) -> Void = { _ in },
        onEpoch: (SequentialTrainer.EpochReport) -> Void = { _ in }
    ) throws -> [Trial] {
        let log = log(.train)
        let perItem = Double(log.interactionCount) / Double(max(1, log.catalog.count))
        guard let space = SearchSpace(for: kind, interactionsPerItem: perItem, items: log.catalog.count) else {
            return []
        }
        var trials: [Trial] = []
        var scores: [ModelSpec: Double] = [:]
        var best: (model: any Recommender, ndcg: Double)?
        let scorer = IndexedNDCG(split: split, target: .valid, log: log)
        func evaluate(_ spec: ModelSpec) throws -> Double {
            if let known = scores[spec] { return known }
            let model: any Recommender
            let ndcg: Double
            var tried = spec
            if case .transformer(let parameters) = spec {
                let tuned = try tuneEpochs(parameters, log: log, scorer: scorer, report: onEpoch)
                (tried, ndcg, model) = (tuned.spec, tuned.validNDCG, tuned.model)
            } else {
                model = try spec.train(on: log, parallelism: parallelism, content: content)
                ndcg = score(model, log: log, scorer: scorer)
            }
            scores[spec] = ndcg
            let trial = Trial(spec: tried, validNDCG: ndcg)
            onTrial(trial)
            trials.append(trial)
            if ndcg > best?.ndcg ?? -.infinity { best = (model, ndcg) }
            return ndcg
        }
        var point = space.start
        var current = try evaluate(space.spec(point))
        var improved = true
        while improved {
            improved = false
            for axis in space.axes.indices {
                // Along one setting, step down then up from the current value while each step
                // scores better (validation curves over one setting are mostly single-peaked).
                for direction in [-1, 1] {
                    var candidate = point
                    candidate[axis] += direction
                    while space.axes[axis].indices.contains(candidate[axis]) {
                        let ndcg = try evaluate(space.spec(candidate))
                        guard ndcg > current else { break }
                        (point, current, improved) = (candidate, ndcg, true)
                        candidate[axis] += direction
                    }
                }
            }
        }
        let ranked = trials.enumerated().sorted { lhs, rhs in
            lhs.element.validNDCG != rhs.element.validNDCG
                ? lhs.element.validNDCG > rhs.element.validNDCG : lhs.offset < rhs.offset
        }.map(\.element)
        guard let first = ranked.first else { return [] }
        return [Trial(spec: first.spec, validNDCG: first.validNDCG, trained: best?.model)] + ranked.dropFirst()
    }

    /// Trains the transformer on train with early stopping on validation NDCG@10; returns the
    /// settings with the best epoch count (what the refit on train + valid runs) and its score.
    public func tuneEpochs(
        _ parameters: SequentialModel.Parameters,
        report: (SequentialTrainer.EpochReport) -> Void = { _ in }
    ) throws -> (spec: ModelSpec, validNDCG: Double, model: SequentialModel) {
        let log = log(.train)
        return try tuneEpochs(
            parameters,
            log: log,
            scorer: IndexedNDCG(split: split, target: .valid, log: log),
            report: report
        )
    }

    /// `tuneEpochs` on a training log and validation scorer already built (a search's).
    func tuneEpochs(
        _ parameters: SequentialModel.Parameters,
        log: InteractionLog,
        scorer: IndexedNDCG,
        report: (SequentialTrainer.EpochReport) -> Void
    ) throws -> (spec: ModelSpec, validNDCG: Double, model: SequentialModel) {
        var bestScore = 0.0
        let trainer = SequentialTrainer(parameters: parameters, parallelism: parallelism)
        let (model, bestEpoch) = try trainer.train(
            on: log,
            content: content,
            validate: { model in
                let ndcg = score(model, log: log, scorer: scorer)
                bestScore = max(bestScore, ndcg)
                return ndcg
            },
            report: report
        )
        var tuned = parameters
        tuned.epochs = bestEpoch
        return (.transformer(tuned), bestScore, model)
    }

    /// Blend weights for `specs` tuned on validation by coordinate ascent (the best single model
    /// keeps weight 1; each other weight is tried over a fixed ladder, two rounds). Returns the
    /// weights in `specs` order and the validation NDCG@10 they reach.
    /// Also returns each model's NDCG@10 alone (`singleNDCG`, in the order of `specs`).
    public func tuneHybrid(_ specs: [ModelSpec]) throws -> (weights: [Float], validNDCG: Double, singleNDCG: [Double]) {
        let log = log(.train)
        return tuneHybrid(models: try specs.map { try $0.train(on: log, parallelism: parallelism, content: content) })
    }

    /// The same for the best trials of a search: their kept models, the others fitted again.
    public func tuneHybrid(
        trials: [Trial],
        progress: (String) -> Void = { _ in }
    ) throws -> (weights: [Float], validNDCG: Double, singleNDCG: [Double]) {
        let log = log(.train)
        let clock = ContinuousClock()
        let start = clock.now
        let models = try trials.map {
            try $0.trained ?? $0.spec.train(on: log, parallelism: parallelism, content: content)
        }
        let refitted = trials.filter { $0.trained == nil }.count
        progress(
            "blend: \(refitted) of \(trials.count) models fitted on train again in \(Self.format(clock.now - start)) s"
        )
        return tuneHybrid(models: models, progress: progress)
    }

    static func format(_ duration: Duration) -> String { String(format: "%.1f", duration.seconds) }

    /// The same for models already fitted on `log(.train)` (the serving trainer's transformer,
    /// trained once with early stopping and then served).
    public func tuneHybrid(
        models: [any Recommender],
        progress: (String) -> Void = { _ in }
    ) -> (weights: [Float], validNDCG: Double, singleNDCG: [Double]) {
        let log = log(.train)
        let clock = ContinuousClock()
        var start = clock.now
        // Only users with a validation target count; scoring the others would be wasted work.
        let scorer = IndexedNDCG(split: split, target: .valid, log: log)
        let users = scorer.users
        // Per user, only the candidates some model ranks in its top `candidateDepth` are kept,
        // with every model's standardised score: an item no model ranks that high does not
        // reach a blend's top 10, and the memory stays users × candidates, not users × catalog.
        let depth = Self.candidateDepth
        let size = Self.scoringChunk(items: catalog.count, models: models.count)
        let candidates = stride(from: 0, to: users.count, by: size).flatMap { first in
            let histories = users[first..<min(users.count, first + size)].map { log.histories[$0] }
            let batches = models.map { $0.scores(forBatch: histories, parallelism: parallelism) }
            let kinds = models.map(\.kind)
            let n = catalog.count
            return parallelism.map(histories.count, chunk: 8) { position -> BlendCandidates in
                let seen = Set(histories[position].items)
                let rows = (position * n)..<((position + 1) * n)
                var union = Set<Int>()
                for batch in batches {
                    batch.withUnsafeBufferPointer { batch in
                        union.formUnion(
                            Self.best(depth, of: UnsafeBufferPointer(rebasing: batch[rows]), skipping: seen)
                        )
                    }
                }
                let items = union.sorted()
                // Standardised as `HybridModel.standardised` would, for the kept items only.
                let scores = zip(batches, kinds).map { batch, kind -> [Float] in
                    batch.withUnsafeBufferPointer { batch in
                        let row = UnsafeBufferPointer(rebasing: batch[rows])
                        guard let (shift, scale) = HybridModel.standardisation(row, kind: kind) else {
                            return [Float](repeating: 0, count: items.count)
                        }
                        return items.map { (HybridModel.value(row[$0], kind: kind) - shift) * scale }
                    }
                }
                return BlendCandidates(items: items, scores: scores)
            }
        }
        progress("blend: candidates of \(users.count) validation shoppers in \(Self.format(clock.now - start)) s")
        start = clock.now
        var tried = 0
        func validNDCG(_ weights: [Float]) -> Double {
            tried += 1
            let ranked = parallelism.map(users.count, chunk: 16) { position -> [Int] in
                let user = candidates[position]
                var blend = [Float](repeating: 0, count: user.items.count)
                for (model, weight) in weights.enumerated() where weight != 0 {
                    let scores = user.scores[model]
                    for index in blend.indices { blend[index] += weight * scores[index] }
                }
                return TopK.select(IndexedNDCG.cutoff, from: blend).map { user.items[$0.index] }
            }
            return scorer.score(ranked)
        }
        var best = (weights: [Float](repeating: 0, count: models.count), ndcg: -1.0)
        var singles: [Double] = []
        for index in models.indices {
            var single = [Float](repeating: 0, count: models.count)
            single[index] = 1
            let ndcg = validNDCG(single)
            singles.append(ndcg)
            if ndcg > best.ndcg { best = (single, ndcg) }
        }
        let anchor = best.weights.firstIndex(of: 1) ?? 0
        let ladder: [Float] = [0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2]
        for _ in 0..<2 {
            for index in models.indices where index != anchor {
                for value in ladder where value != best.weights[index] {
                    var trial = best.weights
                    trial[index] = value
                    let ndcg = validNDCG(trial)
                    if ndcg > best.ndcg { best = (trial, ndcg) }
                }
            }
        }
        progress("blend: \(tried) weightings tried in \(Self.format(clock.now - start)) s")
        let alone = zip(models, singles).map { "\($0.kind) \(String(format: "%.4f", $1))" }.joined(separator: ", ")
        progress("blend: valid NDCG@10 \(String(format: "%.4f", best.ndcg)) blended; alone: \(alone)")
        return (best.weights, best.ndcg, singles)
    }

    /// Candidates per model and user kept while tuning a blend.
    static let candidateDepth = 300

    /// A hybrid of `specs` with `weights`, fitted on `fit`.
    public func hybrid(_ specs: [ModelSpec], weights: [Float], fit: Fit) throws -> HybridModel {
        try hybrid(trials: specs.map { Trial(spec: $0, validNDCG: 0) }, weights: weights, fit: fit)
    }

    /// A hybrid of `trials`' models with `weights`, fitted on `fit` (`model(_:fit:)`).
    public func hybrid(trials: [Trial], weights: [Float], fit: Fit) throws -> HybridModel {
        let components = try zip(trials, weights).filter { $0.1 != 0 }.map { trial, weight in
            HybridModel.Component(model: try model(trial, fit: fit), weight: weight)
        }
        return HybridModel(components: components)
    }

    /// `trial`'s model fitted on `fit`: the one the search kept when that is train; on train +
    /// valid a transformer with `transformerRefitEpochs` continues the kept one; else fitted anew.
    public func model(
        _ trial: Trial,
        fit: Fit,
        onIteration: (_ iteration: Int, _ seconds: Double) -> Void = { _, _ in }
    ) throws -> any Recommender {
        if fit == .train, let trained = trial.trained { return trained }
        if fit == .trainAndValid, content == nil, let epochs = transformerRefitEpochs,
            let tuned = trial.trained as? SequentialModel
        {
            // Continue where the schedule was: at the step size of the best epoch, held.
            var parameters = tuned.parameters
            if case .transformer(let best) = trial.spec {
                parameters.learningRate = best.learningRate(epoch: best.epochs)
            }
            parameters.decayEpochs = 0
            parameters.epochs = max(1, epochs)
            return try SequentialTrainer(parameters: parameters, parallelism: parallelism).train(
                on: log(fit),
                startingFrom: tuned,
                report: { onIteration($0.epoch, $0.seconds) }
            ).model
        }
        return try trial.spec.train(on: log(fit), parallelism: parallelism, content: content, onIteration: onIteration)
    }
}

/// One validation user's blend candidates: item indices and, per model, their standardised scores.
struct BlendCandidates: Sendable {
    let items: [Int]
    let scores: [[Float]]
}
