public import AisleMath

/// Item-to-item collaborative filtering: two items are similar when the same users interact with
/// both (cosine of their user vectors). A shopper's score for item j is the sum of j's similarity
/// to each item in their history, weighted by that entry's weight.
///
/// Serves "similar items" directly, and the feed for shoppers with a few interactions.
public struct ItemKNNModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// Neighbours kept per item. Fewer is sharper and smaller; more helps long histories.
        /// Memory grows as items × neighbours × 8 bytes.
        public var neighbours: Int

        /// Parameters; 50 neighbours by default.
        public init(neighbours: Int = 50) {
            self.neighbours = neighbours
        }
    }

    public var kind: ModelKind { .itemKNN }
    public let catalog: Catalog
    /// Each item's most similar items, best first, with their cosine similarity.
    public let similar: NeighbourLists

    /// Computes the similarities from `log`. O(Σᵤ nᵤ²) time, O(items) scratch per worker.
    public init(log: InteractionLog, parameters: Parameters = Parameters(), parallelism: Parallelism) {
        catalog = log.catalog
        let matrix = log.matrix
        var squaredNorms = [Float](repeating: 0, count: matrix.columns)
        for slot in 0..<matrix.entryCount {
            squaredNorms[Int(matrix.columnIndices[slot])] += matrix.values[slot] * matrix.values[slot]
        }
        let norms = squaredNorms.map { $0.squareRoot() }
        let keep = max(1, parameters.neighbours)
        let lists = Cooccurrence.mapRows(of: matrix, parallelism: parallelism) { item, row, touched in
            var heap = TopKHeap(capacity: keep)
            for other in touched where Int(other) != item {
                let denominator = norms[item] * norms[Int(other)]
                guard denominator > 0 else { continue }
                heap.offer(ScoredIndex(index: Int(other), score: row[Int(other)] / denominator))
            }
            return heap.sortedBestFirst()
        }
        similar = NeighbourLists(lists)
    }

    /// A model from stored neighbour lists (a saved snapshot).
    public init(catalog: Catalog, similar: NeighbourLists) {
        precondition(similar.starts.count == catalog.count + 1, "one list per item")
        self.catalog = catalog
        self.similar = similar
    }

    public func scores(for history: History) -> [Float] {
        var scores = [Float](repeating: 0, count: catalog.count)
        let (items, weights) = history.aggregated()
        for (item, weight) in zip(items, weights) {
            similar.accumulate(Int(item), scale: weight, into: &scores)
        }
        return scores
    }
}
