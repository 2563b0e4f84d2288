public import AisleCore
import Synchronization

/// What shoppers did with each item since the current snapshot was trained, weighted by event
/// type: the ranking a server answers from before its first model (`fallback: popularity`).
/// Bounded: past `maximumItems` distinct items, new items are not counted until the next training.
public final class LivePopularity: Sendable {
    /// Most items counted at once (about 100 bytes each).
    public static let maximumItems = 200_000

    private let counts = Mutex<[ItemID: Float]>([:])

    /// An empty count.
    public init() {}

    /// Counts accepted events by their weight.
    public func record(_ events: [Event], weights: EventWeights) {
        counts.withLock { counts in
            for event in events {
                guard let item = event.itemID else { continue }
                let weight = weights.weight(of: event.type, value: event.value)
                guard weight > 0 else { continue }
                if counts[item] == nil && counts.count >= Self.maximumItems { continue }
                counts[item, default: 0] += weight
            }
        }
    }

    /// The counts now (copy-on-write: one lock, no copy until the next write).
    public func view() -> [ItemID: Float] {
        counts.withLock { $0 }
    }

    /// Starts again (a snapshot trained on the events counted so far has them).
    public func reset() {
        counts.withLock { $0 = [:] }
    }
}
