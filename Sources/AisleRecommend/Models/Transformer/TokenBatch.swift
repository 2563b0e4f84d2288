/// Shoppers' item sequences packed token after token with no padding: a batch of a 3-item and a
/// 50-item sequence holds 53 tokens, not 100. Attention runs within each sequence's range.
struct TokenBatch: Sendable {
    /// The item each token reads.
    private(set) var items: [Int32] = []
    /// The item that came next (the training target), -1 where there is none.
    private(set) var targets: [Int32] = []
    /// Each token's distance from its sequence's newest token (0 = newest), so that the newest
    /// item always has the same position vector, in training and when serving.
    private(set) var positions: [Int32] = []
    /// Where each sequence starts; the last entry is the token count.
    private(set) var starts: [Int] = [0]

    var tokenCount: Int { items.count }
    var sequenceCount: Int { starts.count - 1 }

    /// Tokens of sequence `index`.
    func range(of index: Int) -> Range<Int> { starts[index]..<starts[index + 1] }

    /// Appends one sequence, oldest item first, with the item after each (nil when serving).
    mutating func append(_ inputs: ArraySlice<Int32>, next: ArraySlice<Int32>? = nil) {
        precondition(next == nil || next?.count == inputs.count, "one target per input")
        let count = inputs.count
        for (offset, item) in inputs.enumerated() {
            items.append(item)
            positions.append(Int32(count - 1 - offset))
        }
        if let next {
            targets.append(contentsOf: next)
        } else {
            targets.append(contentsOf: repeatElement(-1, count: count))
        }
        starts.append(items.count)
    }
}
