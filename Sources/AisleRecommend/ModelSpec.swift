public import AisleMath
import Foundation

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
            "transformer(dim=\(p.dimension), blocks=\(p.blocks), heads=\(p.heads), hidden=\(p.hidden), max_len=\(p.maxLength), dropout=\(p.dropout), lr=\(p.learningRate), batch=\(p.batchSize), epochs=\(p.epochs), negatives=\(p.sampledNegatives.map(String.init) ?? "auto"), seed=\(p.seed)\(p.decayEpochs > 0 ? ", decay=\(p.decayEpochs)" : ""))"
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

    /// Every point of `kind`'s search space (see `SearchSpace`), in order: what an exhaustive
    /// search would try.
    public static func grid(for kind: ModelKind) -> [ModelSpec] {
        SearchSpace(for: kind)?.grid ?? []
    }
}

/// The settings a validation search may try for one model kind: axes of values (about as wide as
/// the peers' grids in ../shared/bench/recs/PEERS.md), the point it starts from (the defaults)
/// and how a point becomes settings. `OfflineBenchmark.tune` walks it by coordinate ascent rather
/// than trying every combination: on an 18k-item set the full grids cost most of the hybrid's time.
public struct SearchSpace: Sendable {
    /// Values of each setting, in order.
    public let axes: [[Double]]
    /// Index on each axis of the starting point.
    public let start: [Int]
    private let make: @Sendable ([Double]) -> ModelSpec

    /// The settings at `indices` (one per axis).
    public func spec(_ indices: [Int]) -> ModelSpec {
        make(zip(axes, indices).map { $0[$1] })
    }

    /// Every combination, duplicates (points that differ only in a setting that does not apply)
    /// removed, in order.
    public var grid: [ModelSpec] {
        var points: [[Int]] = [[]]
        for axis in axes { points = points.flatMap { point in axis.indices.map { point + [$0] } } }
        var seen = Set<ModelSpec>()
        return points.map(spec).filter { seen.insert($0).inserted }
    }

    /// The space of `kind`; nil for the hybrid (built from the others). `interactionsPerItem`
    /// (the training log's mean) moves EASE's start to about 5 × it: its best λ grows with how
    /// heavily items are bought (300 on MovieLens-100K at 58 per item, 50 on Amazon Sports at 12),
    /// and each point it walks past costs a cubic fit. Above `largeCatalog` `items`, EASE's space
    /// is that start alone: a fit of 18k items takes 40 s on 2 cores, and on Sports the start was
    /// the best of the whole grid (docs/RECOMMENDATIONS.md).
    public init?(for kind: ModelKind, interactionsPerItem: Double? = nil, items: Int? = nil) {
        switch kind {
        case .popularity:
            // -1: no half-life (all-time counts).
            self.init(axes: [[-1, 7, 30, 180]], start: [0]) { values in
                .popularity(.init(halfLifeSeconds: values[0] < 0 ? nil : values[0] * 86_400))
            }
        case .itemKNN:
            self.init(axes: [[10, 20, 50, 100, 200, 400]], start: [2]) { values in
                .itemKNN(.init(neighbours: Int(values[0])))
            }
        case .sequence:
            // The step decay applies only to windows past 1 item, the recency decay only to more
            // than 1 recent item.
            self.init(axes: [[1, 3, 5, 10], [0.5, 0.8], [1, 3, 5, 10], [0.5, 0.7, 0.9]], start: [2, 0, 2, 1]) {
                values in
                let window = Int(values[0])
                let recent = Int(values[2])
                return .sequence(
                    .init(
                        window: window,
                        stepDecay: window > 1 ? Float(values[1]) : 0.5,
                        recentItems: recent,
                        recencyDecay: recent > 1 ? Float(values[3]) : 0.5
                    )
                )
            }
        case .ease:
            let lambdas: [Double] = [10, 50, 100, 200, 300, 500, 1000, 2000, 5000]
            // Nearest on a log scale; the defaults' 300 without a log.
            let start =
                interactionsPerItem.flatMap { perItem in
                    lambdas.indices.min {
                        abs(log(lambdas[$0] / (5 * perItem))) < abs(log(lambdas[$1] / (5 * perItem)))
                    }
                } ?? 4
            let large = (items ?? 0) > Self.largeCatalog
            self.init(axes: [large ? [lambdas[start]] : lambdas], start: [large ? 0 : start]) { values in
                .ease(.init(regularization: Float(values[0])))
            }
        case .als:
            self.init(axes: [[32, 64, 128], [0.01, 0.1, 1, 10], [1, 10, 40]], start: [1, 1, 1]) { values in
                .als(
                    .init(
                        factors: Int(values[0]),
                        regularization: Float(values[1]),
                        alpha: Float(values[2]),
                        iterations: 15
                    )
                )
            }
        case .transformer:
            // One point: each costs a full training (stopped early on validation; the best
            // epoch count is what the refit runs), and dropout 0.5 beat 0.2 clearly on Beauty's
            // validation part (0.0722 against 0.0652, docs/RECOMMENDATIONS.md).
            self.init(axes: [[0]], start: [0]) { _ in .transformer(.init()) }
        case .hybrid:
            return nil
        }
    }

    /// Catalogs above this many items search EASE at its start point only.
    public static let largeCatalog = 16_384

    init(axes: [[Double]], start: [Int], make: @escaping @Sendable ([Double]) -> ModelSpec) {
        precondition(axes.count == start.count && zip(axes, start).allSatisfy { $0.indices.contains($1) })
        self.axes = axes
        self.start = start
        self.make = make
    }
}
