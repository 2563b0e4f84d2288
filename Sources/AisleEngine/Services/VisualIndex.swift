import AisleCore
import AisleImage
import AisleStore
import Synchronization

/// Every photo in memory (its original's hash and width, its features and perceptual hash, by
/// item), for renditions without a store read, visually similar items and near-duplicates. Loaded from the store on first use; every upload and removal
/// after that updates it, including those made while it loads.
final class VisualIndex: Sendable {
    struct Entry: Sendable {
        var features: [Float]
        var hash: UInt64
        var sha256: String
        var width: Int

        init(_ image: ItemImage) {
            features = image.features
            hash = image.perceptualHash
            sha256 = image.sha256
            width = image.width
        }
    }

    private struct State {
        var entries: [ItemID: Entry] = [:]
        /// How many items use each original.
        var originals: [String: Int] = [:]
        /// Items whose photo changed while the store was read: the load keeps these as they are.
        var touched: Set<ItemID> = []
        var loading: Task<Void, any Error>?
        var loaded = false
    }

    private let state = Mutex(State())

    func update(_ image: ItemImage) {
        state.withLock {
            Self.set(&$0, image.itemID, Entry(image))
            if !$0.loaded { $0.touched.insert(image.itemID) }
        }
    }

    func remove(_ id: ItemID) {
        state.withLock {
            Self.set(&$0, id, nil)
            if !$0.loaded { $0.touched.insert(id) }
        }
    }

    /// Sets or clears an item's entry, keeping the originals' counts.
    private static func set(_ state: inout State, _ id: ItemID, _ entry: Entry?) {
        if let old = state.entries[id] {
            state.originals[old.sha256, default: 1] -= 1
            if state.originals[old.sha256] == 0 { state.originals[old.sha256] = nil }
        }
        state.entries[id] = entry
        if let entry { state.originals[entry.sha256, default: 0] += 1 }
    }

    /// The item's original (hash and width), nil when it has no photo. Call `load` first.
    func original(of id: ItemID) -> (sha256: String, width: Int)? {
        state.withLock { $0.entries[id].map { ($0.sha256, $0.width) } }
    }

    /// Whether an item uses this original. Call `load` first.
    func isUsed(_ sha256: String) -> Bool {
        state.withLock { $0.originals[sha256] != nil }
    }

    /// Every photo the store has, by item.
    private static func readAll(from store: any ImageStore) async throws -> [ItemID: Entry] {
        var cursor: ItemID?
        var found: [ItemID: Entry] = [:]
        while true {
            let page = try await store.itemImages(after: cursor, limit: 1000)
            for image in page { found[image.itemID] = Entry(image) }
            guard let last = page.last, page.count == 1000 else { break }
            cursor = last.itemID
        }
        return found
    }

    /// Re-reads every photo from the store, for a node that may have missed other nodes'
    /// changes; before the first `load`, no work (that load reads them).
    func reload(from store: any ImageStore) async throws {
        guard state.withLock({ $0.loaded }) else { return }
        let found = try await Self.readAll(from: store)
        state.withLock { state in
            for id in Set(state.entries.keys).union(found.keys) { Self.set(&state, id, found[id]) }
        }
    }

    /// Loads the store's photos once (concurrent first callers share the load).
    func load(from store: any ImageStore) async throws {
        // After the first load, a lock and a flag: renditions ask on every request.
        let task = state.withLock { current -> Task<Void, any Error>? in
            if current.loaded { return nil }
            if let loading = current.loading { return loading }
            let task = Task { [self] in
                let found = try await Self.readAll(from: store)
                state.withLock { state in
                    // A second load after a failed one may finish after the first succeeded:
                    // its older reading must not overwrite what changed since.
                    guard !state.loaded else { return }
                    for (id, entry) in found where !state.touched.contains(id) { Self.set(&state, id, entry) }
                    state.touched = []
                    state.loaded = true
                    state.loading = nil
                }
            }
            current.loading = task
            return task
        }
        do {
            try await task?.value
        } catch {
            // Only the failed load is forgotten, not a newer one another caller started.
            state.withLock { state in
                if let task, let loading = state.loading, loading == task { state.loading = nil }
            }
            throw error
        }
    }

    /// The items whose photos look most like `id`'s, best first: feature similarity, plus a
    /// share for a perceptual hash within 16 bits (the same picture resized, recompressed or
    /// slightly recoloured). Nil when the item has no photo.
    func similar(to id: ItemID, limit: Int) -> [(item: ItemID, score: Float, distance: Int)]? {
        // The scan runs on a copy (copy-on-write: the lock is held for a reference count), so
        // that renditions, which read the index on every request, never wait for it.
        let entries = state.withLock { $0.entries }
        guard let query = entries[id] else { return nil }
        var scored: [(item: ItemID, score: Float, distance: Int)] = []
        scored.reserveCapacity(entries.count)
        for (other, entry) in entries where other != id {
            let (score, distance) = ImageAnalysis.similarity(
                features: query.features,
                hash: query.hash,
                to: entry.features,
                hash: entry.hash
            )
            scored.append((other, score, distance))
        }
        return Array(scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }.prefix(limit))
    }

    /// The items whose photos look most like `id`'s by their features alone (cosine, 0...1),
    /// best first; empty when the item has no photo or the index is not loaded yet.
    func lookalikes(of id: ItemID, limit: Int) -> [(item: ItemID, similarity: Float)] {
        let (loaded, entries) = state.withLock { ($0.loaded, $0.entries) }
        guard loaded, let query = entries[id] else { return [] }
        var scored: [(item: ItemID, similarity: Float)] = []
        scored.reserveCapacity(entries.count)
        for (other, entry) in entries where other != id {
            scored.append((other, max(ImageAnalysis.featureSimilarity(query.features, entry.features), 0)))
        }
        return Array(scored.sorted { $0.similarity > $1.similarity }.prefix(limit))
    }

    /// Groups of items whose photos are the same picture: the same bytes, or perceptual
    /// hashes at most `maxDistance` bits apart. The hash is cut into 8 bytes; two hashes within
    /// 7 bits agree on at least one byte, so only items sharing a byte value at a position are
    /// compared.
    func duplicates(maxDistance: Int) -> [[ItemID]] {
        let entries = state.withLock { Array($0.entries) }.sorted { $0.key < $1.key }
        var parent = Array(entries.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index {
                parent[index] = parent[parent[index]]
                index = parent[index]
            }
            return index
        }
        func join(_ a: Int, _ b: Int) {
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        var bySHA: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if let first = bySHA[entry.value.sha256] { join(first, index) } else { bySHA[entry.value.sha256] = index }
        }
        let reach = min(maxDistance, 7)
        for position in 0..<8 {
            var buckets: [UInt8: [Int]] = [:]
            for (index, entry) in entries.enumerated() {
                buckets[UInt8(truncatingIfNeeded: entry.value.hash >> (8 * UInt64(position))), default: []].append(
                    index
                )
            }
            for bucket in buckets.values where bucket.count > 1 {
                for i in 0..<bucket.count {
                    for j in (i + 1)..<bucket.count
                    where ImageAnalysis.hammingDistance(entries[bucket[i]].value.hash, entries[bucket[j]].value.hash)
                        <= reach
                    {
                        join(bucket[i], bucket[j])
                    }
                }
            }
        }
        var groups: [Int: [ItemID]] = [:]
        for index in entries.indices { groups[root(index), default: []].append(entries[index].key) }
        return groups.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}
