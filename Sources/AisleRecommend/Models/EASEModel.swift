public import AisleMath

/// EASE (Steck 2019): the item-to-item weight matrix B that best reconstructs each user's row from
/// their other items, in closed form: P = (XᵀX + λI)⁻¹, B = −P / diag(P), diag(B) = 0. A shopper's
/// score for j is Σ over their items h of weight(h) · B[h, j].
///
/// Strong on mid-sized catalogs; training is O(items³) and the model holds items² floats, so
/// `maximumItems` (default 50,000; 10 GB) bounds it and larger catalogs skip it.
public struct EASEModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// L2 weight λ. Larger values favour popular items and smooth sparse data.
        public var regularization: Float

        /// Parameters; λ = 300 by default (tuned on MovieLens-100K, as the peers' EASE).
        public init(regularization: Float = 300) {
            self.regularization = regularization
        }
    }

    /// The largest catalog EASE trains on.
    public static let maximumItems = 50_000

    public var kind: ModelKind { .ease }
    public let catalog: Catalog
    /// B, items × items, row h holds the weights item h gives to every item.
    public let weights: DenseMatrix

    /// Fits B on `log`. Throws `MathError` when the regularised Gram matrix cannot be inverted
    /// (λ ≤ 0 on degenerate data) and `AisleError` when the catalog exceeds `maximumItems`.
    public init(log: InteractionLog, parameters: Parameters = Parameters(), parallelism: Parallelism) throws {
        guard log.catalog.count <= Self.maximumItems else {
            throw TrainingError.catalogTooLarge(model: .ease, items: log.catalog.count, limit: Self.maximumItems)
        }
        catalog = log.catalog
        let n = log.catalog.count
        var inverse = log.matrix.gram(parallelism: parallelism)
        for index in 0..<n { inverse.values[index * n + index] += parameters.regularization }
        try BLAS.invertPositiveDefinite(&inverse)
        let diagonal = (0..<n).map { inverse.values[$0 * n + $0] }
        for row in 0..<n {
            for column in 0..<n {
                inverse.values[row * n + column] =
                    row == column ? 0 : -inverse.values[row * n + column] / diagonal[column]
            }
        }
        weights = inverse
    }

    public func scores(for history: History) -> [Float] {
        let n = catalog.count
        var scores = [Float](repeating: 0, count: n)
        let (items, itemWeights) = history.aggregated()
        weights.values.withUnsafeBufferPointer { values in
            for (item, weight) in zip(items, itemWeights) {
                let row = Int(item) * n
                for column in 0..<n { scores[column] += weight * values[row + column] }
            }
        }
        return scores
    }
}
