import AisleMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The vectors a graph links, read in place: row `r` is `dimension` floats at `base + r × dimension`.
struct VectorStorage {
    let base: UnsafePointer<Float>
    let dimension: Int

    @inline(__always)
    func similarity(_ a: Int32, _ b: Int32) -> Float {
        dot(base + Int(a) * dimension, base + Int(b) * dimension, dimension)
    }

    @inline(__always)
    func similarity(_ row: Int32, _ query: UnsafePointer<Float>) -> Float {
        dot(base + Int(row) * dimension, query, dimension)
    }
}

/// An HNSW graph (Malkov & Yashunin, 2016) over the rows of a `VectorIndex`: approximate nearest
/// neighbours in about log(n) × M dot products instead of n. Used once a catalog has more item
/// vectors than `SearchTuning.exactSearchLimit`; below that the exact scan is fast enough.
///
/// Each row lives on levels 0...level(row) (level ℓ with probability e^(−ℓ/mL)); on each level it
/// links to at most `maxLinks` near rows (twice that on level 0). A search descends greedily
/// from the top entry row to level 1, then explores level 0 best-first with a beam of `ef` rows.
///
/// Rows change in place: a row given a new vector (an item re-embedded, or a freed row reused)
/// is linked again from its new position; links other rows keep to it stay, which costs a little
/// recall, not correctness (results are scored exactly). Rows of items not indexed are walked
/// through but never returned.
struct NearestNeighbourGraph {
    let maxLinks: Int
    let efConstruction: Int
    /// Per row, its links on each of its levels (`links[row][level]`).
    private var links: [[[Int32]]] = []
    private var entry: Int32 = -1
    private var topLevel = -1
    private var random: UInt64

    init(maxLinks: Int = 16, efConstruction: Int = 100, seed: UInt64 = 0x9E37_79B9) {
        self.maxLinks = maxLinks
        self.efConstruction = efConstruction
        random = seed
    }

    /// Rows in the graph.
    var count: Int { links.count { !$0.isEmpty } }

    /// A cheap reproducible random level: floor(−ln(U) × mL), mL = 1/ln(maxLinks).
    private mutating func randomLevel() -> Int {
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let uniform = Double((random >> 11) | 1) / Double(1 << 53)
        return Int(-log(uniform) / log(Double(maxLinks)))
    }

    /// Links `row` (its vector already stored in `vectors`) into the graph.
    mutating func insert(_ row: Int32, vectors: VectorStorage) {
        if Int(row) >= links.count { links += [[[Int32]]](repeating: [], count: Int(row) + 1 - links.count) }
        if !links[Int(row)].isEmpty { unlink(row) }
        let level = randomLevel()
        links[Int(row)] = [[Int32]](repeating: [], count: level + 1)
        guard entry >= 0, entry != row else {
            entry = row
            topLevel = level
            return
        }
        let query = vectors.base + Int(row) * vectors.dimension
        var current = entry
        var currentScore = vectors.similarity(current, query)
        if topLevel > level {
            for layer in stride(from: topLevel, to: level, by: -1) {
                (current, currentScore) = greedy(from: current, score: currentScore, query, layer: layer, vectors)
            }
        }
        var entries = [(row: current, score: currentScore)]
        for layer in stride(from: min(level, topLevel), through: 0, by: -1) {
            let found = beam(from: entries, query, layer: layer, ef: efConstruction, vectors) { _ in true }
            let limit = layer == 0 ? 2 * maxLinks : maxLinks
            let chosen = diverse(found.filter { $0.row != row }, limit: limit, vectors)
            links[Int(row)][layer] = chosen.map(\.row)
            for neighbour in chosen {
                connect(neighbour.row, to: row, score: neighbour.score, layer: layer, limit: limit, vectors)
            }
            entries = found
        }
        if level > topLevel {
            entry = row
            topLevel = level
        }
    }

    /// The paper's neighbour heuristic: walking candidates most similar first, keep one only if
    /// it is more similar to the new row than to every row kept so far. Links then point in
    /// different directions (to other clusters too), not all into the nearest clump of
    /// near-duplicates; the list is topped up with the nearest skipped ones.
    private func diverse(_ candidates: [(row: Int32, score: Float)], limit: Int, _ vectors: VectorStorage)
        -> [(row: Int32, score: Float)]
    {
        var kept: [(row: Int32, score: Float)] = []
        var skipped: [(row: Int32, score: Float)] = []
        for candidate in candidates where kept.count < limit {
            if kept.allSatisfy({ vectors.similarity($0.row, candidate.row) < candidate.score }) {
                kept.append(candidate)
            } else {
                skipped.append(candidate)
            }
        }
        return kept + skipped.prefix(limit - kept.count)
    }

    /// Adds a link `from → to`; a full list is thinned by the same heuristic.
    private mutating func connect(
        _ from: Int32,
        to: Int32,
        score: Float,
        layer: Int,
        limit: Int,
        _ vectors: VectorStorage
    ) {
        guard layer < links[Int(from)].count else { return }
        if links[Int(from)][layer].count < limit {
            links[Int(from)][layer].append(to)
            return
        }
        var scored = links[Int(from)][layer].map { (row: $0, score: vectors.similarity($0, from)) }
        scored.append((to, score))
        scored.sort { $0.score > $1.score }
        links[Int(from)][layer] = diverse(scored, limit: limit, vectors).map(\.row)
    }

    /// Takes a row's own links away (before it is linked again with a new vector).
    private mutating func unlink(_ row: Int32) {
        links[Int(row)] = []
        if entry == row {
            // Any other row with the most levels becomes the entry.
            entry = -1
            topLevel = -1
            for (candidate, levels) in links.enumerated() where levels.count - 1 > topLevel {
                entry = Int32(candidate)
                topLevel = levels.count - 1
            }
        }
    }

    /// Follows the best link on `layer` while it improves.
    private func greedy(
        from start: Int32,
        score: Float,
        _ query: UnsafePointer<Float>,
        layer: Int,
        _ vectors: VectorStorage
    ) -> (Int32, Float) {
        var current = start
        var best = score
        var improved = true
        while improved {
            improved = false
            guard layer < links[Int(current)].count else { break }
            for neighbour in links[Int(current)][layer] {
                let similarity = vectors.similarity(neighbour, query)
                if similarity > best {
                    best = similarity
                    current = neighbour
                    improved = true
                }
            }
        }
        return (current, best)
    }

    /// Best-first search of `layer` from `entries`, keeping the `ef` most similar rows seen;
    /// returned most similar first. `keep` says which rows may be returned (all are walked).
    private func beam(
        from entries: [(row: Int32, score: Float)],
        _ query: UnsafePointer<Float>,
        layer: Int,
        ef: Int,
        _ vectors: VectorStorage,
        keep: (Int32) -> Bool
    ) -> [(row: Int32, score: Float)] {
        var visited = Set<Int32>(entries.map(\.row))
        // Candidates to expand, most similar last (popped first); results, least similar first.
        var candidates = entries.sorted { $0.score < $1.score }
        var results = entries.filter { keep($0.row) }.sorted { $0.score < $1.score }
        var worst = results.first?.score ?? -.infinity
        // A filter admitting few rows would otherwise walk the whole graph: give up past a
        // budget and let the caller scan.
        let budget = 50 * ef
        while let candidate = candidates.popLast(), visited.count < budget {
            if results.count >= ef && candidate.score < worst { break }
            guard layer < links[Int(candidate.row)].count else { continue }
            for neighbour in links[Int(candidate.row)][layer] where visited.insert(neighbour).inserted {
                let similarity = vectors.similarity(neighbour, query)
                guard results.count < ef || similarity > worst else { continue }
                let position = candidates.partitioningIndex { $0.score > similarity }
                candidates.insert((neighbour, similarity), at: position)
                if keep(neighbour) {
                    let slot = results.partitioningIndex { $0.score > similarity }
                    results.insert((neighbour, similarity), at: slot)
                    if results.count > ef { results.removeFirst() }
                    worst = results.first?.score ?? -.infinity
                }
            }
        }
        return results.reversed()
    }

    /// About the `ef` rows most similar to `query` that `keep` admits, most similar first.
    func search(_ query: UnsafePointer<Float>, ef: Int, _ vectors: VectorStorage, keep: (Int32) -> Bool)
        -> [(row: Int32, score: Float)]
    {
        guard entry >= 0 else { return [] }
        var current = entry
        var score = vectors.similarity(current, query)
        for layer in stride(from: topLevel, to: 0, by: -1) {
            (current, score) = greedy(from: current, score: score, query, layer: layer, vectors)
        }
        return beam(from: [(current, score)], query, layer: 0, ef: ef, vectors, keep: keep)
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPart` (the array being
    /// partitioned: all elements that do not come first).
    fileprivate func partitioningIndex(where belongsInSecondPart: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsInSecondPart(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
