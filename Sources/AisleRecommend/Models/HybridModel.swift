public import AisleMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
/// A weighted blend of trained models: each component's scores are standardised per shopper
/// (zero mean, unit deviation over the catalog) so that weights compare models, not their scales,
/// then summed with the component's weight. Weights are tuned on a validation split (`Tuner`).
///
/// Popularity enters as log(1 + score): its counts are heavy-tailed and would otherwise swamp
/// the standardisation.
public struct HybridModel: Recommender {
    /// One blended model and its weight.
    public struct Component: Sendable {
        /// The model.
        public let model: any Recommender
        /// Its weight in the blend; 0 leaves it out.
        public let weight: Float

        /// A component.
        public init(model: any Recommender, weight: Float) {
            self.model = model
            self.weight = weight
        }
    }

    public var kind: ModelKind { .hybrid }
    public let catalog: Catalog
    /// The blended models, all over the same catalog.
    public let components: [Component]

    /// A blend of `components` (at least one; every model over the same catalog).
    public init(components: [Component]) {
        precondition(!components.isEmpty, "a hybrid needs at least one model")
        let catalog = components[0].model.catalog
        precondition(components.allSatisfy { $0.model.catalog.count == catalog.count }, "one catalog for all")
        self.catalog = catalog
        self.components = components
    }

    public func scores(for history: History) -> [Float] {
        var total = [Float](repeating: 0, count: catalog.count)
        for component in components where component.weight != 0 {
            let standard = Self.standardised(component.model.scores(for: history), kind: component.model.kind)
            for index in total.indices { total[index] += component.weight * standard[index] }
        }
        return total
    }

    /// Each component's batch scores (one product for the models that have one), standardised
    /// and summed per shopper; rows as `Recommender.scores(forBatch:parallelism:)`.
    public func scores(forBatch histories: [History], parallelism: Parallelism) -> [Float] {
        let n = catalog.count
        var totals = [Float](repeating: 0, count: histories.count * n)
        for component in components where component.weight != 0 {
            let batch = component.model.scores(forBatch: histories, parallelism: parallelism)
            let (kind, weight) = (component.model.kind, component.weight)
            batch.withUnsafeBufferPointer { batch in
                totals.withUnsafeMutableBufferPointer { totals in
                    let (input, output) = (SendableConstPointer(batch.baseAddress), SendablePointer(totals.baseAddress))
                    parallelism.forEachRange(of: histories.count, chunk: 8) { rows in
                        guard let input = input.pointer, let output = output.pointer else { return }
                        for row in rows {
                            let scores = UnsafeBufferPointer(start: input + row * n, count: n)
                            let total = output + row * n
                            guard let (shift, scale) = Self.standardisation(scores, kind: kind) else { continue }
                            for index in 0..<n {
                                total[index] += weight * ((Self.value(scores[index], kind: kind) - shift) * scale)
                            }
                        }
                    }
                }
            }
        }
        return totals
    }

    /// What `standardised` subtracts and multiplies by: the mean and the inverse deviation of
    /// `scores` (after log(1 + score) for popularity); nil when they are constant (all zeros then).
    static func standardisation(_ scores: UnsafeBufferPointer<Float>, kind: ModelKind) -> (shift: Float, scale: Float)?
    {
        guard !scores.isEmpty else { return nil }
        var sum: Double = 0
        var squares: Double = 0
        for score in scores {
            let value = Double(Self.value(score, kind: kind))
            sum += value
            squares += value * value
        }
        let count = Double(scores.count)
        let mean = sum / count
        let deviation = (max(0, squares / count - mean * mean)).squareRoot()
        guard deviation > 1e-12 else { return nil }
        return (Float(mean), Float(1 / deviation))
    }

    /// A score as standardisation reads it: popularity counts through log(1 + count).
    @inline(__always)
    static func value(_ score: Float, kind: ModelKind) -> Float {
        kind == .popularity ? log1p(max(0, score)) : score
    }

    /// `scores` shifted and scaled to zero mean and unit deviation; all zeros when they are constant.
    public static func standardised(_ scores: [Float], kind: ModelKind) -> [Float] {
        guard let (shift, scale) = scores.withUnsafeBufferPointer({ standardisation($0, kind: kind) }) else {
            return [Float](repeating: 0, count: scores.count)
        }
        return scores.map { (value($0, kind: kind) - shift) * scale }
    }
}
