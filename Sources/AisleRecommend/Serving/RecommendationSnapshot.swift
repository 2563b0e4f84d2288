public import AisleCore
public import AisleMath

/// Everything serving needs, trained in one run and immutable after: the catalog with its facts,
/// trends, the item-to-item, next-item, bought-together and factor models, the content index, and
/// the blend weights of the personal feed. Training builds a new one off the request path; the
/// server swaps it in whole, so a request sees one consistent snapshot.
public final class RecommendationSnapshot: Sendable {
    /// When training finished.
    public let trainedAt: Timestamp
    /// Summary of the run (counts, per-model seconds, blend weights).
    public let report: TrainingReport
    /// The items the models know, in id order.
    public let catalog: Catalog
    /// Facts per catalog index, as they were at training time (the live overlay corrects them).
    public let facts: [ItemFacts]
    /// Trend counts per window, by catalog index.
    public let trends: [TrendWindow: [Float]]
    /// Popularity per platform (7-day half-life), for new shoppers on that platform.
    public let segmentTrends: [String: [Float]]
    /// Co-interaction neighbours: "similar items" and a feed component.
    public let similar: ItemKNNModel
    /// Next-item transitions: the session signal of the feed.
    public let next: SequenceModel
    /// Basket co-occurrence neighbours: "bought together".
    public let boughtTogether: ItemKNNModel
    /// Factor model for the feed; nil when there was too little data.
    public let factors: ALSModel?
    /// The sequential Transformer for the feed; nil when it was not trained (too little data to
    /// validate it, or switched off).
    public let sequential: SequentialModel?
    /// Content similarity over the catalog's attributes.
    public let content: ContentIndex
    /// The feed blend: component weights by model kind.
    public let blend: [ModelKind: Float]
    /// Whether each item may be recommended (in stock and not hidden at training time), by
    /// index: read on every request without touching the facts' arrays and strings.
    public let recommendable: [Bool]
    /// The decayed trend, standardised as the feed blends it (computed once, not per request).
    public let standardTrend: [Float]
    /// The most trending recommendable items (up to 2,000): with the neighbours of the shopper's
    /// items, the candidates the feed scores with the factor model.
    public let trendHead: [Int32]
    /// The platform trends, standardised the same way.
    public let standardSegmentTrends: [String: [Float]]

    /// Assembles a snapshot from its parts (training or a saved file).
    public init(
        trainedAt: Timestamp,
        report: TrainingReport,
        catalog: Catalog,
        facts: [ItemFacts],
        trends: [TrendWindow: [Float]],
        segmentTrends: [String: [Float]],
        similar: ItemKNNModel,
        next: SequenceModel,
        boughtTogether: ItemKNNModel,
        factors: ALSModel?,
        sequential: SequentialModel? = nil,
        blend: [ModelKind: Float]
    ) {
        precondition(facts.count == catalog.count, "one fact per catalog item")
        self.trainedAt = trainedAt
        self.report = report
        self.catalog = catalog
        self.facts = facts
        self.trends = trends
        self.segmentTrends = segmentTrends
        self.similar = similar
        self.next = next
        self.boughtTogether = boughtTogether
        self.factors = factors
        self.sequential = sequential
        self.content = ContentIndex(facts: facts)
        self.blend = blend
        self.recommendable = facts.map(\.recommendable)
        self.standardTrend = HybridModel.standardised(trends[.decayed] ?? [], kind: .popularity)
        var maskedTrend = trends[.decayed] ?? []
        for index in maskedTrend.indices where !(index < facts.count && facts[index].recommendable) {
            maskedTrend[index] = -.infinity
        }
        self.trendHead = TopK.select(2_000, from: maskedTrend).map { Int32($0.index) }
        self.standardSegmentTrends = segmentTrends.mapValues { HybridModel.standardised($0, kind: .popularity) }
    }

    /// A snapshot that knows nothing: what the server serves before its first training.
    public static func empty(at time: Timestamp) -> RecommendationSnapshot {
        let catalog = Catalog([String]())
        let lists = NeighbourLists([[ScoredIndex]]())
        return RecommendationSnapshot(
            trainedAt: time,
            report: TrainingReport(),
            catalog: catalog,
            facts: [],
            trends: Dictionary(uniqueKeysWithValues: TrendWindow.allCases.map { ($0, [Float]()) }),
            segmentTrends: [:],
            similar: ItemKNNModel(catalog: catalog, similar: lists),
            next: SequenceModel(catalog: catalog, parameters: .init(), next: lists),
            boughtTogether: ItemKNNModel(catalog: catalog, similar: lists),
            factors: nil,
            blend: [:]
        )
    }

    /// The trend scores of `window`.
    public func trend(_ window: TrendWindow) -> [Float] {
        trends[window] ?? [Float](repeating: 0, count: catalog.count)
    }
}
