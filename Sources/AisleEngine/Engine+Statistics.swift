public import AisleCore
import AisleStore

/// What the operator's dashboard reads of the data.
extension Engine {
    /// Items, users, devices, events and reviews stored.
    public func storeCounts() async throws -> StoreCounts {
        try await store.counts()
    }

    /// The newest stored events, newest first.
    public func newestEvents(limit: Int) async throws -> [StoredEvent] {
        try await store.newestEvents(limit: limit)
    }
}
