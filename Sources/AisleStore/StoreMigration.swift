public import AisleCore

/// An event as a store keeps it: its owner ("u:" + user id, or "d:" + device id), sequence
/// number, session and arrival time, for `aisle migrate` to copy it exactly.
public struct MigratedEvent: Sendable, Equatable {
    public var owner: String
    public var stored: StoredEvent

    public init(owner: String, stored: StoredEvent) {
        self.owner = owner
        self.stored = stored
    }
}

/// A store `aisle migrate` can read whole (the embedded store): what the role protocols do not
/// list in full.
public protocol MigrationSource: Store {
    /// Stored events with their owners, a page of the log's storage at a time (not in sequence
    /// order); `cursor` is nil for the first page and the returned `next` for the following
    /// ones, nil after the last.
    func migratedEvents(after cursor: Int64?, limit: Int) async throws -> (events: [MigratedEvent], next: Int64?)
    /// Every device link.
    func allDeviceLinks() async throws -> [DeviceLink]
    /// Every stored key hash by scope (the server's keys, the user-token secret, the data
    /// key's fingerprint).
    func allKeyHashes() async throws -> [(scope: String, hash: String)]
    /// The models item vectors are stored for.
    func embeddingModels() async throws -> [String]
    /// Every order.
    func allOrders() async throws -> [Order]
}

/// A store `aisle migrate` can write into (the shared store).
public protocol MigrationDestination: Store {
    /// Whether the store holds no item, user or event yet: a migration only fills an empty one.
    func isEmptyForMigration() async throws -> Bool
    /// Prepares a load of `migratedEvents` (a bulk load may set indexes aside).
    func beginMigratedEvents() async throws
    /// Stores events as they were: sequence numbers, owners, sessions and arrival times kept.
    func loadMigratedEvents(_ events: [MigratedEvent]) async throws
    /// Ends the load: the log continues after the highest sequence number loaded; `indexing`
    /// is told when index work starts.
    func finishMigratedEvents(indexing: () -> Void) async throws
}
