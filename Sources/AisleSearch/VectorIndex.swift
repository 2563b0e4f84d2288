import AisleCore
import AisleMath

/// Item embeddings for semantic search, scanned exactly: one dot product per item (embeddings
/// are unit length, so that is their cosine similarity). A scan of 200,000 384-float vectors
/// reads 300 MB; past `exactSearchLimit` an HNSW graph answers instead (docs/SEARCH.md).
///
/// Rows are per item and outlive re-indexing: an item's text changes, its old vector serves
/// until the embedder replaces it. `slotOfRow`/`rowOfSlot` tie rows to the lexical index's
/// slots so the scan skips items that are hidden, deleted or not loaded, and filters and fusion
/// read the lexical side without hashing.
struct VectorIndex {
    /// Floats per vector; nil until the first vector arrives.
    private(set) var dimension: Int?
    private(set) var values: [Float] = []
    private var rowOfItem: [ItemID: Int32] = [:]
    private var freeRows: [Int32] = []
    /// Per row, the lexical slot of its item; -1 when the item is not indexed (or the row free).
    private(set) var slotOfRow: [Int32] = []
    /// Per lexical slot, its item's row; -1 without a vector.
    private(set) var rowOfSlot: [Int32] = []
    /// Above this many vectors, nearest items come from an HNSW graph instead of a full scan.
    var exactSearchLimit = 200_000
    /// Beam width of graph searches (at least the number of items asked for).
    var graphSearchBeam = 200
    /// The graph, once there are more vectors than `exactSearchLimit`.
    private(set) var graph: NearestNeighbourGraph?
    /// Build the graph elsewhere (`graphSnapshot`, `installGraph`) instead of inside `set`: the
    /// engine does, so that crossing the limit does not hold its lock for minutes.
    var buildsGraphElsewhere = false
    /// A graph is being built from a snapshot; rows set since are linked when it is installed.
    private(set) var graphBuilding = false
    private var rowsSinceSnapshot: [Int32] = []
    /// Bumped when all vectors are replaced (a new model): a graph of the old ones is dropped.
    private var generation = 0

    /// Items with a vector.
    var count: Int { rowOfItem.count }

    /// Whether `id` has a vector.
    func has(_ id: ItemID) -> Bool { rowOfItem[id] != nil }

    /// Stores `vector` for `id`, whose lexical slot is `slot` (nil when not indexed). A vector of
    /// another dimension than the ones stored (a new model) replaces them all.
    mutating func set(_ id: ItemID, vector: [Float], slot: Int32?) {
        guard !vector.isEmpty else { return }
        if let dimension, dimension != vector.count { removeAll() }
        dimension = vector.count
        let row: Int32
        if let existing = rowOfItem[id] {
            row = existing
        } else if let free = freeRows.popLast() {
            row = free
        } else {
            row = Int32(slotOfRow.count)
            slotOfRow.append(-1)
            values += [Float](repeating: 0, count: vector.count)
        }
        rowOfItem[id] = row
        let start = Int(row) * vector.count
        values.replaceSubrange(start..<(start + vector.count), with: vector)
        link(row: row, slot: slot)
        if var growing = graph {
            // Taken out while it grows, so that it is not shared and copied on write.
            graph = nil
            _ = withStorage { growing.insert(row, vectors: $0) }
            graph = growing
        } else if graphBuilding {
            rowsSinceSnapshot.append(row)
        } else if rowOfItem.count > exactSearchLimit && !buildsGraphElsewhere {
            // Built once, when the catalog outgrows the scan; from then on rows join as they come.
            var built = NearestNeighbourGraph()
            let rows = rowOfItem.values.sorted()
            _ = withStorage { storage in
                for row in rows { built.insert(row, vectors: storage) }
            }
            graph = built
        }
    }

    /// Whether a graph should now be built elsewhere (past the limit, none built or building).
    var needsGraph: Bool { buildsGraphElsewhere && graph == nil && !graphBuilding && count > exactSearchLimit }

    /// What a graph is built from, off the lock: a copy of the vectors and the rows in use.
    /// Marks the build as started; rows set from now on wait for `installGraph`.
    mutating func graphSnapshot() -> (values: [Float], rows: [Int32], dimension: Int, generation: Int)? {
        guard let dimension else { return nil }
        graphBuilding = true
        rowsSinceSnapshot = []
        return (values, rowOfItem.values.sorted(), dimension, generation)
    }

    /// Puts a graph built from `graphSnapshot` in place and links the rows set meanwhile (their
    /// vectors may have changed, or be new). A graph of replaced vectors is dropped.
    mutating func installGraph(_ built: NearestNeighbourGraph, generation builtGeneration: Int) {
        graphBuilding = false
        guard builtGeneration == generation else { return }
        var growing = built
        let pending = rowsSinceSnapshot
        rowsSinceSnapshot = []
        _ = withStorage { storage in
            for row in pending where slotOfRow.indices.contains(Int(row)) { growing.insert(row, vectors: storage) }
        }
        graph = growing
    }

    /// The vectors, read in place for the graph.
    private func withStorage<Result>(_ body: (VectorStorage) -> Result) -> Result? {
        guard let dimension else { return nil }
        return values.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { body(VectorStorage(base: $0, dimension: dimension)) }
        }
    }

    /// Forgets the vector of `id`.
    mutating func remove(_ id: ItemID) {
        guard let row = rowOfItem.removeValue(forKey: id) else { return }
        link(row: row, slot: nil)
        freeRows.append(row)
    }

    /// The lexical index gave `id` a new slot (nil: took it out).
    mutating func itemMoved(_ id: ItemID, to slot: Int32?) {
        if let slot { growSlots(to: Int(slot) + 1) }
        guard let row = rowOfItem[id] else { return }
        link(row: row, slot: slot)
    }

    /// The lexical index renumbered its slots (compaction): `renumbered[old]` is the new slot.
    mutating func slotsRenumbered(_ renumbered: [Int32], count: Int) {
        var rows = [Int32](repeating: -1, count: count)
        for row in slotOfRow.indices where slotOfRow[row] >= 0 {
            let slot = renumbered[Int(slotOfRow[row])]
            slotOfRow[row] = slot
            if slot >= 0 { rows[Int(slot)] = Int32(row) }
        }
        rowOfSlot = rows
    }

    /// The cosine similarity of slot's item to `query`; nil without a vector.
    func similarity(ofSlot slot: Int32, to query: [Float]) -> Float? {
        guard Int(slot) < rowOfSlot.count, query.count == dimension else { return nil }
        let row = rowOfSlot[Int(slot)]
        guard row >= 0 else { return nil }
        return values.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { x in
                guard let base = matrix.baseAddress, let xBase = x.baseAddress else { return 0 }
                return dot(base + Int(row) * query.count, xBase, query.count)
            }
        }
    }

    /// Candidates for the `count` items nearest `query` among the slots `accept` admits, with
    /// similarities of at least `floor`: every such item (an exact scan) up to
    /// `exactSearchLimit` vectors, beyond it the best of an HNSW graph search (and the exact
    /// scan after all when filters leave the graph's beam short). Unordered. `exhaustive`: every
    /// admitted item at or above `floor` is there (a scan), so one missing is below it.
    func nearest(_ query: [Float], count: Int, floor: Float, accept: (Int32) -> Bool) -> (
        found: [(slot: Int32, score: Float)], exhaustive: Bool
    ) {
        guard query.count == dimension else { return ([], false) }
        if let graph {
            let beam = max(count, graphSearchBeam)
            let found =
                withStorage { storage in
                    query.withUnsafeBufferPointer { query in
                        query.baseAddress.map { query in
                            graph.search(query, ef: beam, storage) { row in
                                let slot = slotOfRow[Int(row)]
                                return slot >= 0 && accept(slot)
                            }
                        } ?? []
                    }
                } ?? []
            // A full beam holds the nearest admitted items; a short one means filters admitted
            // few of the rows the search walked, and only a scan finds them all.
            if found.count >= beam || found.count >= admittedCount(accept) {
                let near = found.filter { $0.score >= floor }.map { (slot: slotOfRow[Int($0.row)], score: $0.score) }
                return (near, false)
            }
        }
        return (scan(query, floor: floor, accept: accept), true)
    }

    /// Items with a vector that `accept` admits (when a graph search came back short).
    private func admittedCount(_ accept: (Int32) -> Bool) -> Int {
        slotOfRow.count { $0 >= 0 && accept($0) }
    }

    /// Every indexed item's similarity to `query` with its slot, for slots `accept` admits and
    /// similarities of at least `floor`. Empty when `query` has another dimension.
    func scan(_ query: [Float], floor: Float, accept: (Int32) -> Bool) -> [(slot: Int32, score: Float)] {
        guard let dimension, query.count == dimension else { return [] }
        var found: [(slot: Int32, score: Float)] = []
        values.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { x in
                guard let base = matrix.baseAddress, let xBase = x.baseAddress else { return }
                for row in slotOfRow.indices {
                    let slot = slotOfRow[row]
                    guard slot >= 0 else { continue }
                    let score = dot(base + row * dimension, xBase, dimension)
                    if score >= floor && accept(slot) { found.append((slot, score)) }
                }
            }
        }
        return found
    }

    private mutating func link(row: Int32, slot: Int32?) {
        let old = slotOfRow[Int(row)]
        if old >= 0 && Int(old) < rowOfSlot.count && rowOfSlot[Int(old)] == row { rowOfSlot[Int(old)] = -1 }
        slotOfRow[Int(row)] = slot ?? -1
        if let slot {
            growSlots(to: Int(slot) + 1)
            rowOfSlot[Int(slot)] = row
        }
    }

    private mutating func growSlots(to count: Int) {
        if rowOfSlot.count < count { rowOfSlot += [Int32](repeating: -1, count: count - rowOfSlot.count) }
    }

    private mutating func removeAll() {
        values = []
        rowOfItem = [:]
        freeRows = []
        slotOfRow = []
        graph = nil
        generation += 1
        rowsSinceSnapshot = []
        for index in rowOfSlot.indices { rowOfSlot[index] = -1 }
    }
}
