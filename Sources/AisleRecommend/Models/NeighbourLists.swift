public import AisleMath

/// Each item's best neighbours with their weights, flattened: the storage of the item-to-item
/// models. Memory is items × k × 8 bytes.
public struct NeighbourLists: Sendable, Equatable {
    /// Where item i's neighbours start in `neighbours`/`weights`; items + 1 entries.
    public let starts: [Int]
    /// Neighbour item indices, best first within each item.
    public let neighbours: [Int32]
    /// Weight of each neighbour.
    public let weights: [Float]

    /// Flattens per-item lists (best first).
    public init(_ lists: [[ScoredIndex]]) {
        var starts = [0]
        starts.reserveCapacity(lists.count + 1)
        var neighbours: [Int32] = []
        var weights: [Float] = []
        for list in lists {
            for entry in list {
                neighbours.append(Int32(entry.index))
                weights.append(entry.score)
            }
            starts.append(neighbours.count)
        }
        self.starts = starts
        self.neighbours = neighbours
        self.weights = weights
    }

    /// Lists from stored flat arrays (a saved snapshot); checked for consistency.
    public init(starts: [Int], neighbours: [Int32], weights: [Float]) {
        precondition(starts.first == 0 && starts.last == neighbours.count, "starts must span the lists")
        precondition(neighbours.count == weights.count, "one weight per neighbour")
        self.starts = starts
        self.neighbours = neighbours
        self.weights = weights
    }

    /// Item `item`'s neighbours, best first.
    public func of(_ item: Int) -> [ScoredIndex] {
        (starts[item]..<starts[item + 1]).map { ScoredIndex(index: Int(neighbours[$0]), score: weights[$0]) }
    }

    /// scores[j] += scale × weight(item → j) for every neighbour j of `item`.
    func accumulate(_ item: Int, scale: Float, into scores: inout [Float]) {
        for slot in starts[item]..<starts[item + 1] {
            scores[Int(neighbours[slot])] += scale * weights[slot]
        }
    }
}
