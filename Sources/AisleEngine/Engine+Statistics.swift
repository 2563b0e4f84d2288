public import AisleCore
import AisleStore
import Synchronization

/// What the operator's dashboard reads of the data.
extension Engine {
    /// Items, users, devices, events and reviews stored, at most `countsMaxAge` old (counting
    /// reads whole tables; every open dashboard asks every 2 seconds).
    public func storeCounts() async throws -> StoreCounts {
        let now = ContinuousClock.now
        if let cached = countsCache.withLock({ $0 }), now - cached.at < Self.countsMaxAge { return cached.counts }
        let counts = try await store.counts()
        countsCache.withLock { $0 = (counts, now) }
        return counts
    }

    static let countsMaxAge = Duration.seconds(10)

    /// The newest stored events, newest first.
    public func newestEvents(limit: Int) async throws -> [StoredEvent] {
        try await store.newestEvents(limit: limit)
    }
}
