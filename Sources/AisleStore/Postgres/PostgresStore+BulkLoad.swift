public import AisleCore
import Foundation
import PostgresNIO
import Synchronization

/// Imports on PostgreSQL (`BulkLoadingStore`). An import into an empty event log keeps what an
/// append reads (where each stored event id is, each owner's last session, the catalog's ids)
/// in memory instead of asking the database for every batch, streams each batch with `COPY`,
/// and builds the two secondary indexes once at the end (a sort instead of millions of random
/// B-tree inserts): 1M events went from 53k to 161k events/s (docs/BENCHMARKS.md). Into a log
/// that holds events already, an import appends as a request does.
///
/// Appends still take the event log's lock, and each batch first takes in what other nodes
/// appended since the last one, so nodes serving the same database during such an import stay
/// correct; but their reads of events are slow until the indexes are back: run a first import
/// before the nodes serve. A node that starts meanwhile, or the next connect
/// after an import died, builds missing indexes (`ensureEventIndexes`).
extension PostgresStore: BulkLoadingStore {
    public func bulkLoad<T>(_ load: () async throws -> T, indexing: () -> Void) async throws -> T {
        let empty =
            try await query("SELECT NOT EXISTS (SELECT 1 FROM events)", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard empty else { return try await load() }
        var state = BulkAppendState()
        for try await last in try await query("SELECT last FROM event_counter", logger: logger).decode(Int64.self) {
            state.lastSequence = last
        }
        for try await id in try await query("SELECT id FROM items", logger: logger).decode(String.self) {
            state.items.insert(CacheKey(id))
        }
        try await dropEventIndexes()
        bulk.withLock { $0 = state }
        let result: T
        do {
            result = try await load()
        } catch {
            bulk.withLock { $0 = nil }
            try? await ensureEventIndexes()
            throw error
        }
        bulk.withLock { $0 = nil }
        indexing()
        try await ensureEventIndexes()
        return result
    }

    /// Sets the two secondary event indexes aside for a bulk load.
    func dropEventIndexes() async throws {
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("DROP INDEX IF EXISTS events_by_owner", logger: logger)
            try await connection.query(
                "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_event_id_key",
                logger: logger
            )
            try await connection.query("DROP INDEX IF EXISTS events_event_id_key", logger: logger)
        }
    }

    /// Builds the event indexes a bulk load dropped (no work when they exist).
    func ensureEventIndexes() async throws {
        let logger = self.logger
        try await transaction { connection in
            // Sorting in memory is what makes a build fast; the setting ends with the transaction.
            try await connection.query("SET LOCAL maintenance_work_mem = '512MB'", logger: logger)
            for statement in Self.eventIndexes { try await connection.query(statement, logger: logger) }
        }
    }

    /// The names of the events table's indexes, in order (diagnostics and tests).
    func eventIndexNames() async throws -> [String] {
        try await query(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'events' ORDER BY indexname",
            logger: logger
        ).collect().map { try $0.decode(String.self) }
    }

    /// The event indexes a bulk load builds at its end: the same as the schema's.
    static let eventIndexes: [PostgresQuery] = [
        "CREATE INDEX IF NOT EXISTS events_by_owner ON events (owner, ts DESC, seq DESC)",
        "CREATE UNIQUE INDEX IF NOT EXISTS events_event_id_key ON events (event_id)",
    ]

    public func checkpointAll() async throws {}

    /// An import's batch: the event log's lock, the devices' links and the event ids whose hash
    /// was seen before read from the database, everything else from memory, then `COPY`.
    func appendBulk(_ requests: [AppendRequest]) async throws -> [AppendOutcome] {
        let (logger, sessions) = (self.logger, self.sessions)
        do {
            return try await transaction { connection in
                let last = try await Self.lockEventLog(connection, logger: logger)
                let next = last + 1
                // Events another node appended since this import's last batch: their ids and
                // sessions join the memory, so the import neither repeats nor splits them.
                let previous = self.bulk.withLock { $0?.lastSequence } ?? last
                if previous < last {
                    var foreign: [(Int64, String?, String, String?, Int64)] = []
                    for try await row in try await connection.query(
                        """
                        SELECT seq, event_id, owner, session_id, ts FROM events
                        WHERE seq > \(previous) AND seq <= \(last) ORDER BY seq
                        """,
                        logger: logger
                    ).decode((Int64, String?, String, String?, Int64).self) {
                        foreign.append(row)
                    }
                    self.bulk.withLock { holder in
                        guard var state = holder.take() else { return }
                        for (seq, id, owner, session, time) in foreign {
                            if let id { state.remember(id, at: seq) }
                            state.noteSession(session, of: owner, at: time)
                        }
                        holder = state
                    }
                }
                let all = requests.flatMap(\.events)
                let deviceOwners = try await Self.deviceOwners(
                    Set(all.compactMap(\.deviceID?.rawValue)),
                    connection,
                    logger: logger
                )
                // A hash seen before is a repeated id or a rare collision: the row at the
                // hash's sequence number tells which (read by primary key).
                let candidates = self.bulk.withLock { state in
                    all.compactMap { event in event.eventID.flatMap { state?.firstStored(with: $0.rawValue) } }
                }
                var idAt: [Int64: String] = [:]
                if !candidates.isEmpty {
                    for try await (seq, id) in try await connection.query(
                        "SELECT seq, event_id FROM events WHERE seq = ANY(\(candidates)::bigint[])",
                        logger: logger
                    ).decode((Int64, String).self) {
                        idAt[seq] = id
                    }
                }
                func owner(_ event: Event) -> CacheKey { Self.storedOwner(of: event, deviceOwners: deviceOwners) }
                let placed = try self.bulk.withLock { holder -> (EventRows, [AppendOutcome]) in
                    guard var state = holder.take() else {
                        throw AisleError(code: .unavailable, message: "the import's bulk load ended during a batch")
                    }
                    defer { holder = state }
                    var placement = EventPlacement(next: next, lastSessions: [:], sessions: sessions)
                    swap(&placement.lastSessions, &state.lastSessions)
                    defer { swap(&placement.lastSessions, &state.lastSessions) }
                    var batchIDs = Set<CacheKey>(minimumCapacity: all.count)
                    let outcomes = placement.place(
                        requests,
                        owner: owner,
                        isNew: { id in
                            !state.isStored(id, idAt: idAt) && batchIDs.insert(CacheKey(id)).inserted
                        },
                        isKnownItem: { state.items.contains(CacheKey($0)) }
                    )
                    placement.rows.forEachEventID { seq, id in state.remember(id, at: seq) }
                    state.lastSequence = placement.next - 1
                    return (placement.rows, outcomes)
                }
                if placed.0.count > 0 {
                    try await placed.0.copy(connection, logger: logger)
                    try await connection.query(
                        "UPDATE event_counter SET last = \(next + Int64(placed.0.count) - 1)",
                        logger: logger
                    )
                }
                return placed.1
            }
        } catch {
            // The memory may hold the failed batch's ids and sessions: later batches read the
            // database, as a request's append does.
            bulk.withLock { $0 = nil }
            throw error
        }
    }
}

/// What an import into an empty event log keeps in memory (`bulkLoad`).
struct BulkAppendState: Sendable {
    /// The sequence number of the first stored event id with each hash (not the ids
    /// themselves: 16 bytes an event).
    private var sequenceByHash: [UInt64: Int64] = [:]
    /// Ids stored under a hash that another id had first: a 64-bit collision, practically never.
    private var collided: [CacheKey: Int64] = [:]
    /// Each owner's last session, as the database would tell it.
    var lastSessions: [CacheKey: SessionPolicy.State] = [:]
    /// The catalog's item ids at the start of the import.
    var items = Set<CacheKey>()
    /// The event log's last sequence number as of this import's last batch.
    var lastSequence: Int64 = 0

    /// The sequence number to read when `id` may be stored already; nil when it is not.
    func firstStored(with id: String) -> Int64? {
        sequenceByHash[stableHash(id)]
    }

    /// Whether `id` is stored, given the ids at the sequence numbers `firstStored` named.
    func isStored(_ id: String, idAt: [Int64: String]) -> Bool {
        if collided[CacheKey(id)] != nil { return true }
        guard let seq = sequenceByHash[stableHash(id)] else { return false }
        return idAt[seq] == id
    }

    /// Takes in a session of an event another node stored, if it is the owner's latest.
    mutating func noteSession(_ session: String?, of owner: String, at time: Int64) {
        guard let session else { return }
        let lastSeen = Timestamp(millisecondsSinceEpoch: time)
        if let known = lastSessions[CacheKey(owner)], known.lastSeen > lastSeen { return }
        lastSessions[CacheKey(owner)] = SessionPolicy.State(sessionID: SessionID(session), lastSeen: lastSeen)
    }

    mutating func remember(_ id: String, at seq: Int64) {
        let hash = stableHash(id)
        if sequenceByHash[hash] == nil {
            sequenceByHash[hash] = seq
        } else {
            collided[CacheKey(id)] = seq
        }
    }
}
