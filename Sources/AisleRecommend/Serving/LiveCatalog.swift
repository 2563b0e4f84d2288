public import AisleCore
import Synchronization

/// Catalog changes since the snapshot was trained: items upserted (new ones, or stock and
/// visibility changes) and deleted. Serving reads it on every request, so an item that goes out of
/// stock disappears at once and a new item is recommendable by content as soon as it is upserted.
public final class LiveCatalog: Sendable {
    private struct Change: Sendable {
        /// nil: deleted.
        let facts: ItemFacts?
        let at: Timestamp
    }

    private let changes = Mutex<[String: Change]>([:])

    /// An empty overlay.
    public init() {}

    /// Records upserted items.
    public func upserted(_ items: [Item], at time: Timestamp) {
        changes.withLock { changes in
            for item in items { changes[item.id.rawValue] = Change(facts: ItemFacts(item), at: time) }
        }
    }

    /// Records a deleted item.
    public func deleted(_ id: ItemID, at time: Timestamp) {
        changes.withLock { $0[id.rawValue] = Change(facts: nil, at: time) }
    }

    /// Forgets changes made before `time` (a snapshot trained on data read after it has them).
    public func prune(before time: Timestamp) {
        changes.withLock { changes in changes = changes.filter { $0.value.at >= time } }
    }

    /// The changed facts of `id`: nil when unchanged, `.some(nil)` when deleted.
    public func change(of id: String) -> ItemFacts?? {
        changes.withLock { changes in changes[id].map(\.facts) }
    }

    /// Every change, for one request's filtering (one lock, then plain reads).
    public func view() -> LiveCatalogView {
        LiveCatalogView(changes: changes.withLock { changes in changes.mapValues(\.facts) })
    }
}

/// A frozen copy of the live changes, for one request.
public struct LiveCatalogView: Sendable {
    /// Changed facts by item id; nil facts mean deleted.
    public let changes: [String: ItemFacts?]

    /// No changes.
    public static let none = LiveCatalogView(changes: [:])
}
