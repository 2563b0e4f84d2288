public import AisleMath

/// A trained model: scores every catalog item for a shopper's history.
///
/// Models keep no per-user state: a user's answer is computed from the history handed in, so an
/// event changes the next answer at once, and the same history gives the same list on every device.
/// Implementations are immutable and shared across requests without locks.
public protocol Recommender: Sendable {
    /// Which model this is, for explanations, logs and the hybrid's weights.
    var kind: ModelKind { get }
    /// The catalog scores are indexed by.
    var catalog: Catalog { get }
    /// One score per catalog item (higher is better) for a shopper with `history`. Scores of items
    /// in the history are meaningless; `rank` masks them. An empty history gets the model's
    /// non-personal answer (popularity, or all zeros).
    func scores(for history: History) -> [Float]
    /// `scores(for:)` of many shoppers, one row of `catalog.count` after another (one flat
    /// array: offline ranking, validation and blend tuning score tens of thousands of shoppers,
    /// and copying rows would cost more than scoring them). The default runs one shopper per
    /// worker; models with a matrix of item vectors override it with one product for the batch.
    func scores(forBatch histories: [History], parallelism: Parallelism) -> [Float]
}

/// The models Aisle trains.
public enum ModelKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Most interacted-with items, optionally time-decayed (trending).
    case popularity = "pop"
    /// Item-to-item cosine neighbours of the shopper's items.
    case itemKNN = "itemknn"
    /// What people interact with right after the shopper's last items.
    case sequence = "seq"
    /// EASE, the closed-form linear item-to-item model.
    case ease = "ease"
    /// Implicit-feedback matrix factorisation by alternating least squares.
    case als = "als"
    /// A causal self-attention network over the shopper's recent items (`SequentialModel`).
    case transformer = "transformer"
    /// A weighted blend of the others, weights tuned on a validation split.
    case hybrid = "hybrid"

    public var description: String { rawValue }
}

extension Recommender {
    public func scores(forBatch histories: [History], parallelism: Parallelism) -> [Float] {
        let n = catalog.count
        var rows = [Float](repeating: 0, count: histories.count * n)
        rows.withUnsafeMutableBufferPointer { buffer in
            let output = SendablePointer(buffer.baseAddress)
            parallelism.forEachRange(of: histories.count, chunk: 8) { range in
                guard let output = output.pointer else { return }
                for row in range {
                    self.scores(for: histories[row]).withUnsafeBufferPointer { scores in
                        guard let first = scores.baseAddress else { return }
                        (output + row * n).update(from: first, count: min(n, scores.count))
                    }
                }
            }
        }
        return rows
    }

    /// The best `limit` items for `history`, best first, never an item in `excluded` (the history's
    /// items when `excludeHistory`, and whatever the caller adds: hidden, out of stock). Ties go to
    /// the lower index (id order).
    public func rank(_ history: History, limit: Int, exclusion: Exclusion = .history) -> [ScoredIndex] {
        var scores = scores(for: history)
        if exclusion == .history {
            for item in history.items { scores[Int(item)] = -.infinity }
        }
        return TopK.select(limit, from: scores)
    }
}

/// Which items `rank` leaves out.
public enum Exclusion: Sendable, Equatable {
    /// Items already in the history.
    case history
    /// Nothing.
    case none
}
