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
    /// and summed per shopper.
    public func scores(forBatch histories: [History], parallelism: Parallelism) -> [[Float]] {
        var totals = histories.map { _ in [Float](repeating: 0, count: catalog.count) }
        for component in components where component.weight != 0 {
            let batch = component.model.scores(forBatch: histories, parallelism: parallelism)
            let kind = component.model.kind
            let sums = totals
            totals = parallelism.map(histories.count, chunk: 8) { position in
                var total = sums[position]
                let standard = Self.standardised(batch[position], kind: kind)
                for index in total.indices { total[index] += component.weight * standard[index] }
                return total
            }
        }
        return totals
    }

    /// `scores` shifted and scaled to zero mean and unit deviation; all zeros when they are constant.
    public static func standardised(_ scores: [Float], kind: ModelKind) -> [Float] {
        var values = scores
        if kind == .popularity { values = values.map { log1p(max(0, $0)) } }
        guard !values.isEmpty else { return values }
        var sum: Double = 0
        var squares: Double = 0
        for value in values {
            sum += Double(value)
            squares += Double(value) * Double(value)
        }
        let count = Double(values.count)
        let mean = sum / count
        let deviation = (max(0, squares / count - mean * mean)).squareRoot()
        guard deviation > 1e-12 else { return [Float](repeating: 0, count: values.count) }
        let (shift, scale) = (Float(mean), Float(1 / deviation))
        return values.map { ($0 - shift) * scale }
    }
}
