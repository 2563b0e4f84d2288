#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
/// Most popular items: the summed weight of each item's interactions, each decayed by its age at
/// training time when a half-life is set (then it is "trending").
///
/// The same list for everyone; the fallback for new shoppers and the baseline every other model
/// must beat.
public struct PopularityModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// Age at which an interaction counts half, in seconds; nil counts every interaction fully.
        public var halfLifeSeconds: Double?

        /// Parameters; no decay by default.
        public init(halfLifeSeconds: Double? = nil) {
            self.halfLifeSeconds = halfLifeSeconds
        }
    }

    public var kind: ModelKind { .popularity }
    public let catalog: Catalog
    /// The score of each item.
    public let popularity: [Float]

    /// Counts `log`'s interactions. O(interactions).
    public init(log: InteractionLog, parameters: Parameters = Parameters()) {
        catalog = log.catalog
        var counts = [Double](repeating: 0, count: log.catalog.count)
        let now = log.latestTimestamp
        for history in log.histories {
            for index in history.items.indices {
                var weight = Double(history.weights[index])
                if let halfLife = parameters.halfLifeSeconds, halfLife > 0 {
                    weight *= exp2(-(now - history.timestamps[index]) / halfLife)
                }
                counts[Int(history.items[index])] += weight
            }
        }
        popularity = counts.map { Float($0) }
    }

    /// A model from stored scores (a saved snapshot).
    public init(catalog: Catalog, popularity: [Float]) {
        precondition(popularity.count == catalog.count, "one score per item")
        self.catalog = catalog
        self.popularity = popularity
    }

    public func scores(for history: History) -> [Float] { popularity }
}
