public import AisleMath

/// "Next item": what people interact with right after an item. Counts, over every user's
/// time-ordered history, how often item b follows item a within `window` steps (nearer steps count
/// more), normalises each item's row into transition weights, and scores a shopper from their last
/// few items, the newest counting most.
///
/// Reacts to the last click, which the order-free models cannot: on MovieLens-100K leave-last-out
/// it is the strongest single model (docs/BENCHMARKS.md).
public struct SequenceModel: Recommender {
    /// Settings.
    public struct Parameters: Sendable, Codable, Equatable, Hashable {
        /// How many following items count as "next" when training.
        public var window: Int
        /// Weight of the step d + 1 after an item relative to step d, in training (0–1].
        public var stepDecay: Float
        /// How many of the shopper's latest items are used when scoring.
        public var recentItems: Int
        /// Weight of each older recent item relative to the next newer one, in scoring (0–1].
        public var recencyDecay: Float
        /// Transitions kept per item. Memory grows as items × this × 8 bytes.
        public var neighbours: Int

        /// Parameters; the defaults are the values tuned on MovieLens-100K's validation split.
        public init(
            window: Int = 5,
            stepDecay: Float = 0.5,
            recentItems: Int = 5,
            recencyDecay: Float = 0.7,
            neighbours: Int = 200
        ) {
            self.window = window
            self.stepDecay = stepDecay
            self.recentItems = recentItems
            self.recencyDecay = recencyDecay
            self.neighbours = neighbours
        }
    }

    public var kind: ModelKind { .sequence }
    public let catalog: Catalog
    /// Settings the model was trained with (scoring reads `recentItems` and `recencyDecay`).
    public let parameters: Parameters
    /// Each item's most likely next items, with their transition weight.
    public let next: NeighbourLists

    /// Counts transitions in `log`. O(interactions × window) time.
    public init(log: InteractionLog, parameters: Parameters = Parameters(), parallelism: Parallelism) {
        catalog = log.catalog
        self.parameters = parameters
        let window = max(1, parameters.window)
        var entries: [CSRMatrix.Entry] = []
        entries.reserveCapacity(log.interactionCount * window)
        for history in log.histories {
            let items = history.items
            for from in items.indices {
                var weight: Float = 1
                for step in 1...window {
                    let to = from + step
                    guard to < items.count else { break }
                    if items[to] != items[from] {
                        entries.append(CSRMatrix.Entry(row: Int(items[from]), column: Int(items[to]), value: weight))
                    }
                    weight *= parameters.stepDecay
                }
            }
        }
        let transitions = CSRMatrix(rows: catalog.count, columns: catalog.count, entries: entries)
        let keep = max(1, parameters.neighbours)
        let lists = parallelism.map(catalog.count, chunk: 256) { item -> [ScoredIndex] in
            let range = transitions.range(ofRow: item)
            // +1 in the denominator damps items seen only a few times.
            let total = range.reduce(Float(1)) { $0 + transitions.values[$1] }
            var heap = TopKHeap(capacity: keep)
            for slot in range {
                heap.offer(
                    ScoredIndex(index: Int(transitions.columnIndices[slot]), score: transitions.values[slot] / total)
                )
            }
            return heap.sortedBestFirst()
        }
        next = NeighbourLists(lists)
    }

    /// A model from stored transitions (a saved snapshot).
    public init(catalog: Catalog, parameters: Parameters, next: NeighbourLists) {
        precondition(next.starts.count == catalog.count + 1, "one list per item")
        self.catalog = catalog
        self.parameters = parameters
        self.next = next
    }

    public func scores(for history: History) -> [Float] {
        var scores = [Float](repeating: 0, count: catalog.count)
        var scale: Float = 1
        for item in history.items.reversed().prefix(max(1, parameters.recentItems)) {
            next.accumulate(Int(item), scale: scale, into: &scores)
            scale *= parameters.recencyDecay
        }
        return scores
    }
}
