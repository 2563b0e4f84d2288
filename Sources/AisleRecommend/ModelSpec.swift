public import AisleMath

/// A model and its settings: what to train. Also the unit of hyper-parameter search.
public enum ModelSpec: Sendable, Equatable, Hashable, CustomStringConvertible {
    case popularity(PopularityModel.Parameters)
    case itemKNN(ItemKNNModel.Parameters)
    case sequence(SequenceModel.Parameters)
    case ease(EASEModel.Parameters)
    case als(ALSModel.Parameters)
    case transformer(SequentialModel.Parameters)

    /// The model kind.
    public var kind: ModelKind {
        switch self {
        case .popularity: .popularity
        case .itemKNN: .itemKNN
        case .sequence: .sequence
        case .ease: .ease
        case .als: .als
        case .transformer: .transformer
        }
    }

    /// Trains the model on `log`. Throws `TrainingError` or `MathError` when it cannot.
    /// `content` (of `log.catalog`'s items) is fused into the transformer's item vectors; the
    /// other models read behaviour only.
    public func train(
        on log: InteractionLog,
        parallelism: Parallelism,
        content: ItemContent? = nil,
        onIteration: (_ iteration: Int, _ seconds: Double) -> Void = { _, _ in }
    ) throws -> any Recommender {
        switch self {
        case .popularity(let parameters): PopularityModel(log: log, parameters: parameters)
        case .itemKNN(let parameters): ItemKNNModel(log: log, parameters: parameters, parallelism: parallelism)
        case .sequence(let parameters): SequenceModel(log: log, parameters: parameters, parallelism: parallelism)
        case .ease(let parameters): try EASEModel(log: log, parameters: parameters, parallelism: parallelism)
        case .als(let parameters):
            ALSModel(log: log, parameters: parameters, parallelism: parallelism, onIteration: onIteration)
        case .transformer(let parameters):
            try SequentialTrainer(parameters: parameters, parallelism: parallelism).train(
                on: log,
                content: content,
                report: { onIteration($0.epoch, $0.seconds) }
            ).model
        }
    }

    /// The settings, as `name(key=value, ...)`.
    public var description: String {
        switch self {
        case .popularity(let p): "pop(half_life_days=\(p.halfLifeSeconds.map { String($0 / 86_400) } ?? "none"))"
        case .itemKNN(let p): "itemknn(neighbours=\(p.neighbours))"
        case .sequence(let p):
            "seq(window=\(p.window), step_decay=\(p.stepDecay), recent=\(p.recentItems), recency_decay=\(p.recencyDecay))"
        case .ease(let p): "ease(lambda=\(p.regularization))"
        case .als(let p):
            "als(factors=\(p.factors), reg=\(p.regularization), alpha=\(p.alpha), iterations=\(p.iterations))"
        case .transformer(let p):
            "transformer(dim=\(p.dimension), blocks=\(p.blocks), heads=\(p.heads), hidden=\(p.hidden), max_len=\(p.maxLength), dropout=\(p.dropout), lr=\(p.learningRate), batch=\(p.batchSize), epochs=\(p.epochs), negatives=\(p.sampledNegatives), seed=\(p.seed))"
        }
    }

    /// The default settings of `kind` (nil for the hybrid, which is built from the others).
    public static func defaults(for kind: ModelKind) -> ModelSpec? {
        switch kind {
        case .popularity: .popularity(.init())
        case .itemKNN: .itemKNN(.init())
        case .sequence: .sequence(.init())
        case .ease: .ease(.init())
        case .als: .als(.init())
        case .transformer: .transformer(.init())
        case .hybrid: nil
        }
    }

    /// The points searched on a validation split for `kind`, about as wide as the peers' grids in
    /// ../shared/bench/recs/PEERS.md.
    public static func grid(for kind: ModelKind) -> [ModelSpec] {
        switch kind {
        case .popularity:
            return [nil, 7.0, 30.0, 180.0].map { days in .popularity(.init(halfLifeSeconds: days.map { $0 * 86_400 })) }
        case .itemKNN:
            return [10, 20, 50, 100, 200, 400].map { .itemKNN(.init(neighbours: $0)) }
        case .sequence:
            var points: [ModelSpec] = []
            for window in [1, 3, 5, 10] {
                for stepDecay: Float in [0.5, 0.8] where window > 1 || stepDecay == 0.5 {
                    for recent in [1, 3, 5, 10] {
                        for recency: Float in [0.5, 0.7, 0.9] where recent > 1 || recency == 0.5 {
                            points.append(
                                .sequence(
                                    .init(
                                        window: window,
                                        stepDecay: stepDecay,
                                        recentItems: recent,
                                        recencyDecay: recency
                                    )
                                )
                            )
                        }
                    }
                }
            }
            return points
        case .ease:
            return [10, 50, 100, 200, 300, 500, 1000, 2000, 5000].map { .ease(.init(regularization: $0)) }
        case .als:
            var points: [ModelSpec] = []
            for factors in [32, 64, 128] {
                for regularization: Float in [0.01, 0.1, 1, 10] {
                    for alpha: Float in [1, 10, 40] {
                        points.append(
                            .als(.init(factors: factors, regularization: regularization, alpha: alpha, iterations: 15))
                        )
                    }
                }
            }
            return points
        case .transformer:
            // Epochs are an upper bound: tuning stops each point early on validation and keeps
            // the best epoch count for the refit.
            // One point: each costs a full training, and dropout 0.5 beat 0.2 clearly on
            // Beauty's validation part (0.0722 against 0.0652, docs/RECOMMENDATIONS.md).
            return [.transformer(.init())]
        case .hybrid:
            return []
        }
    }
}
