public import AisleCore
import Synchronization

/// Catalog changes since the snapshot was trained: items upserted (new ones, or stock and
/// visibility changes) and deleted. Serving reads it on every request, so an item that goes out of
/// stock disappears at once and a new item is recommendable by content as soon as it is upserted.
public final class LiveCatalog: Sendable {
    private struct State: Sendable {
        /// Changed facts by item id; nil facts mean deleted. Kept as the dictionary requests read,
        /// so a request's view is a copy-on-write reference, not a copy.
        var facts: [ItemID: ItemFacts?] = [:]
        /// When each change was recorded, for pruning.
        var times: [ItemID: Timestamp] = [:]
    }

    private let state = Mutex(State())

    /// An empty overlay.
    public init() {}

    /// Records upserted items, except those whose facts equal `unchanged(id)`'s answer (a re-upsert
    /// that changes nothing the recommender reads), so bulk re-imports don't grow the overlay
    /// every request walks.
    public func upserted(_ items: [Item], at time: Timestamp, unchangedFacts: (ItemID) -> ItemFacts? = { _ in nil }) {
        let changes = items.map { item in
            // Review sentiment is not in the item: it stays as the last training saw it.
            var facts = ItemFacts(item)
            facts.reviews = unchangedFacts(item.id)?.reviews
            return (id: item.id, facts: facts)
        }
        state.withLock { state in
            for change in changes {
                if state.facts[change.id] == nil, unchangedFacts(change.id) == change.facts { continue }
                state.facts[change.id] = .some(change.facts)
                state.times[change.id] = time
            }
        }
    }

    /// Records a deleted item.
    public func deleted(_ id: ItemID, at time: Timestamp) {
        state.withLock { state in
            state.facts[id] = .some(nil)
            state.times[id] = time
        }
    }

    /// Forgets changes made before `time` (a snapshot trained on data read after it has them).
    public func prune(before time: Timestamp) {
        state.withLock { state in
            for (id, changed) in state.times where changed < time {
                state.times[id] = nil
                state.facts[id] = nil
            }
        }
    }

    /// The changed facts of `id`: nil when unchanged, `.some(nil)` when deleted.
    public func change(of id: ItemID) -> ItemFacts?? {
        state.withLock { $0.facts[id] }
    }

    /// Every change, for one request's filtering (one lock; the dictionary is shared, not copied).
    public func view() -> LiveCatalogView {
        LiveCatalogView(changes: state.withLock { $0.facts })
    }
}

/// A frozen copy of the live changes, for one request.
public struct LiveCatalogView: Sendable {
    /// Changed facts by item id; nil facts mean deleted.
    public let changes: [ItemID: ItemFacts?]

    /// No changes.
    public static let none = LiveCatalogView(changes: [:])
}
