import AisleCore
public import AisleMath

/// Implicit-feedback matrix factorisation (Hu, Koren and Volinsky 2008) trained by alternating
/// least squares with conjugate-gradient row solves (`ImplicitLeastSquares`), multithreaded over
/// users and items.
///
/// Only item factors are kept: a shopper's vector is solved from their current history at request
/// time (the exact least-squares fold-in, O(n f² + f³)), so new events count at once and the model
/// needs no per-user memory.
public struct ALSModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// Latent dimensions. More fit more taste; time grows as factors².
        public var factors: Int
        /// L2 weight λ on every factor vector.
        public var regularization: Float
        /// Confidence slope α: an interaction of weight w has confidence 1 + α·w.
        public var alpha: Float
        /// Alternating sweeps (users then items).
        public var iterations: Int
        /// Conjugate-gradient steps per row and sweep (warm-started, so 3 is plenty).
        public var conjugateGradientSteps: Int
        /// Seed of the initial factors.
        public var seed: UInt64

        /// Parameters; the defaults are a sound start for most stores.
        public init(
            factors: Int = 64,
            regularization: Float = 0.1,
            alpha: Float = 10,
            iterations: Int = 15,
            conjugateGradientSteps: Int = 3,
            seed: UInt64 = 42
        ) {
            self.factors = factors
            self.regularization = regularization
            self.alpha = alpha
            self.iterations = iterations
            self.conjugateGradientSteps = conjugateGradientSteps
            self.seed = seed
        }
    }

    public var kind: ModelKind { .als }
    public let catalog: Catalog
    /// Settings the model was trained with.
    public let parameters: Parameters
    /// Item factors, items × factors.
    public let itemFactors: DenseMatrix
    /// `itemFactorsᵀ itemFactors + λI`, shared by every fold-in.
    public let regularizedGram: DenseMatrix
    /// The mean item factor vector (for `scoreStatistics`).
    public let factorMeans: [Float]

    /// Trains on `log`; `onIteration(i, seconds)` reports each finished sweep.
    public init(
        log: InteractionLog,
        parameters: Parameters = Parameters(),
        parallelism: Parallelism,
        onIteration: (_ iteration: Int, _ seconds: Double) -> Void = { _, _ in }
    ) {
        catalog = log.catalog
        self.parameters = parameters
        let factors = max(1, parameters.factors)
        let userConfidence = Self.confidence(log.matrix, alpha: parameters.alpha)
        let itemConfidence = userConfidence.transposed()
        var random = SplitMix64(seed: parameters.seed)
        // Small random starts, as `implicit` does: large enough to break symmetry.
        var users = DenseMatrix(rows: log.matrix.rows, columns: factors)
        var items = DenseMatrix(rows: log.matrix.columns, columns: factors)
        for index in users.values.indices { users.values[index] = random.nextUnit() * 0.01 }
        for index in items.values.indices { items.values[index] = random.nextUnit() * 0.01 }
        let clock = ContinuousClock()
        for iteration in 0..<parameters.iterations {
            let start = clock.now
            ImplicitLeastSquares.update(
                &users,
                fixed: items,
                confidence: userConfidence,
                regularization: parameters.regularization,
                conjugateGradientSteps: parameters.conjugateGradientSteps,
                parallelism: parallelism
            )
            ImplicitLeastSquares.update(
                &items,
                fixed: users,
                confidence: itemConfidence,
                regularization: parameters.regularization,
                conjugateGradientSteps: parameters.conjugateGradientSteps,
                parallelism: parallelism
            )
            onIteration(iteration + 1, (clock.now - start).seconds)
        }
        itemFactors = items
        regularizedGram = ImplicitLeastSquares.regularizedGram(items, regularization: parameters.regularization)
        factorMeans = Self.columnMeans(items)
    }

    /// A model from stored item factors (a saved snapshot).
    public init(catalog: Catalog, parameters: Parameters, itemFactors: DenseMatrix) {
        precondition(itemFactors.rows == catalog.count, "one factor row per item")
        self.catalog = catalog
        self.parameters = parameters
        self.itemFactors = itemFactors
        regularizedGram = ImplicitLeastSquares.regularizedGram(itemFactors, regularization: parameters.regularization)
        factorMeans = Self.columnMeans(itemFactors)
    }

    /// The shopper's factor vector for `history`: the exact least-squares solution with the item
    /// factors fixed. Zero for an empty history.
    public func userVector(for history: History) -> [Float] {
        let (items, weights) = history.aggregated()
        let f = itemFactors.columns
        guard !items.isEmpty else { return [Float](repeating: 0, count: f) }
        var system = regularizedGram.values
        var rightSide = [Float](repeating: 0, count: f)
        itemFactors.values.withUnsafeBufferPointer { factors in
            for (item, weight) in zip(items, weights) {
                let confidence = 1 + parameters.alpha * weight
                let y = Int(item) * f
                for a in 0..<f {
                    let ya = factors[y + a]
                    rightSide[a] += confidence * ya
                    let scaled = (confidence - 1) * ya
                    guard scaled != 0 else { continue }
                    for b in 0..<f { system[a * f + b] += scaled * factors[y + b] }
                }
            }
        }
        // Positive definite for λ > 0; with λ = 0 and few items fall back to conjugate gradient.
        if let solution = SmallSystem.solvePositiveDefinite(system, rightSide) { return solution }
        return ImplicitLeastSquares.solveRow(
            fixed: itemFactors,
            gram: regularizedGram,
            columns: items,
            confidences: weights.map { 1 + parameters.alpha * $0 },
            conjugateGradientSteps: f
        )
    }

    /// The mean and standard deviation, over every catalog item, of the scores `vector` gives:
    /// exact, from the item factors' mean and second moment, in O(factors²) instead of scoring
    /// the whole catalog (the feed then scores only its candidates).
    public func scoreStatistics(of vector: [Float]) -> (mean: Float, deviation: Float) {
        let f = itemFactors.columns
        let n = Float(max(1, itemFactors.rows))
        var mean: Float = 0
        var second: Float = 0
        let lambda = parameters.regularization
        regularizedGram.values.withUnsafeBufferPointer { gram in
            for a in 0..<f {
                var row: Float = 0
                for b in 0..<f { row += (gram[a * f + b] - (a == b ? lambda : 0)) * vector[b] }
                second += vector[a] * row
            }
        }
        for a in 0..<f { mean += factorMeans[a] * vector[a] }
        second /= n
        return (mean, max(0, second - mean * mean).squareRoot())
    }

    /// The score of each of `items` for a shopper vector.
    public func scores(of items: [Int32], vector: [Float]) -> [Float] {
        let f = itemFactors.columns
        return itemFactors.values.withUnsafeBufferPointer { factors in
            items.map { item in
                var sum: Float = 0
                let base = Int(item) * f
                for d in 0..<f { sum += factors[base + d] * vector[d] }
                return sum
            }
        }
    }

    public func scores(for history: History) -> [Float] {
        guard !history.isEmpty else { return [Float](repeating: 0, count: catalog.count) }
        return itemFactors.multiplyOnCallingThread(userVector(for: history))
    }

    /// Each shopper's vector folded in on the workers, then one product with the item factors.
    public func scores(forBatch histories: [History], parallelism: Parallelism) -> [Float] {
        let f = itemFactors.columns
        let n = catalog.count
        guard n > 0, !histories.isEmpty else { return [] }
        let vectors = parallelism.map(histories.count, chunk: 8) { userVector(for: histories[$0]) }.flatMap { $0 }
        var scores = [Float](repeating: 0, count: histories.count * n)
        vectors.withUnsafeBufferPointer { users in
            itemFactors.values.withUnsafeBufferPointer { items in
                scores.withUnsafeMutableBufferPointer { out in
                    guard let users = users.baseAddress, let items = items.baseAddress, let out = out.baseAddress
                    else { return }
                    BLAS.multiply(
                        m: histories.count,
                        n: n,
                        k: f,
                        users,
                        lda: f,
                        items,
                        ldb: f,
                        transposeB: .transposed,
                        into: out,
                        ldc: n,
                        splitting: parallelism
                    )
                }
            }
        }
        return scores
    }

    private static func columnMeans(_ matrix: DenseMatrix) -> [Float] {
        var means = [Double](repeating: 0, count: matrix.columns)
        for row in 0..<matrix.rows {
            for column in 0..<matrix.columns { means[column] += Double(matrix.values[row * matrix.columns + column]) }
        }
        return means.map { Float($0 / Double(max(1, matrix.rows))) }
    }

    private static func confidence(_ matrix: CSRMatrix, alpha: Float) -> CSRMatrix {
        CSRMatrix(
            rows: matrix.rows,
            columns: matrix.columns,
            rowStarts: matrix.rowStarts,
            columnIndices: matrix.columnIndices,
            values: matrix.values.map { 1 + alpha * $0 }
        )
    }
}
