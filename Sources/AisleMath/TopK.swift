/// A scored index: one entry of a top-k result.
public struct ScoredIndex: Sendable, Equatable {
    /// Position in the scored vector (an item's index in the model).
    public var index: Int
    /// The score at that position.
    public var score: Float

    /// An entry with `index` and `score`.
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }

    /// The ranking order: higher score first, then the lower index (items are indexed in id
    /// order, so equal scores fall back to id order and every caller sees the same list).
    @inlinable
    public static func ranksBefore(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        a.score > b.score || (a.score == b.score && a.index < b.index)
    }
}

/// Top-k selection over a score vector.
///
/// Entries that are not finite (`-infinity` marks an excluded item: already seen, hidden, out of
/// stock; NaN never ranks) are skipped. Ties are broken by the lower index. O(n log k) with a
/// bounded heap; `selectParallel` splits long vectors over workers and merges their heaps.
public enum TopK {
    /// The best `k` entries of `scores`, best first.
    public static func select(_ k: Int, from scores: [Float]) -> [ScoredIndex] {
        scores.withUnsafeBufferPointer { select(k, from: $0, offset: 0) }
    }

    /// The best `k` entries of `scores`, best first; returned indices are shifted by `offset`.
    public static func select(_ k: Int, from scores: UnsafeBufferPointer<Float>, offset: Int = 0) -> [ScoredIndex] {
        guard k > 0 else { return [] }
        var heap = TopKHeap(capacity: k)
        for position in 0..<scores.count {
            let score = scores[position]
            guard score.isFinite else { continue }
            heap.offer(ScoredIndex(index: position + offset, score: score))
        }
        return heap.sortedBestFirst()
    }

    /// The best `k` entries of a long vector, split over `parallelism` workers. Same result as
    /// `select`, ties included.
    public static func selectParallel(_ k: Int, from scores: [Float], parallelism: Parallelism) -> [ScoredIndex] {
        let workers = parallelism.threads
        guard workers > 1, scores.count >= 65_536 else { return select(k, from: scores) }
        let partSize = (scores.count + workers - 1) / workers
        let parts = PartResults<[ScoredIndex]>(count: workers)
        scores.withUnsafeBufferPointer { buffer in
            let shared = SendableBuffer(buffer)
            parallelism.forEachRange(of: workers, chunk: 1) { range in
                for part in range {
                    let start = part * partSize
                    let end = min(shared.buffer.count, start + partSize)
                    guard start < end else { continue }
                    let slice = UnsafeBufferPointer(rebasing: shared.buffer[start..<end])
                    parts.store(select(k, from: slice, offset: start), at: part)
                }
            }
        }
        var heap = TopKHeap(capacity: k)
        for part in parts.all() { for entry in part { heap.offer(entry) } }
        return heap.sortedBestFirst()
    }
}

extension TopK {
    /// The best `k` of `elements` by `before` (a strict order: true when the first ranks
    /// higher), best first. Sorts small inputs whole; past 4·k elements keeps a bounded
    /// min-heap (worst at the root), so a large candidate list is never sorted in full. For
    /// orders that `ScoredIndex` cannot express (search breaks ties by item id).
    @inlinable
    public static func best<Element>(_ k: Int, of elements: [Element], by before: (Element, Element) -> Bool)
        -> [Element]
    {
        guard k > 0 else { return [] }
        if elements.count <= k * 4 { return Array(elements.sorted(by: before).prefix(k)) }
        var heap: [Element] = []
        heap.reserveCapacity(k)
        for element in elements {
            if heap.count < k {
                heap.append(element)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard before(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if before(element, heap[0]) {
                heap[0] = element
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    let right = left + 1
                    var worst = parent
                    if left < heap.count && before(heap[worst], heap[left]) { worst = left }
                    if right < heap.count && before(heap[worst], heap[right]) { worst = right }
                    if worst == parent { break }
                    heap.swapAt(parent, worst)
                    parent = worst
                }
            }
        }
        return heap.sorted(by: before)
    }
}

/// Keeps the best `capacity` entries offered to it (a min-heap whose root is the worst kept
/// entry): top-k over a stream. O(log capacity) per offer.
public struct TopKHeap: Sendable {
    /// The most entries kept.
    public let capacity: Int
    private(set) var entries: [ScoredIndex] = []

    /// An empty heap keeping at most `capacity` entries.
    public init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    /// Keeps `entry` if it ranks among the best `capacity` so far.
    public mutating func offer(_ entry: ScoredIndex) {
        if entries.count < capacity {
            entries.append(entry)
            siftUp(entries.count - 1)
        } else if ScoredIndex.ranksBefore(entry, entries[0]) {
            entries[0] = entry
            siftDown(0)
        }
    }

    /// The kept entries, best first.
    public func sortedBestFirst() -> [ScoredIndex] {
        entries.sorted(by: ScoredIndex.ranksBefore)
    }

    // The heap order is "worse first": a parent ranks after its children.
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard ScoredIndex.ranksBefore(entries[parent], entries[child]) else { return }
            entries.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            var worst = left
            let right = left + 1
            if right < entries.count, ScoredIndex.ranksBefore(entries[left], entries[right]) { worst = right }
            guard ScoredIndex.ranksBefore(entries[parent], entries[worst]) else { return }
            entries.swapAt(parent, worst)
            parent = worst
        }
    }
}
