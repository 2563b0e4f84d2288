public import AisleCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The embedded store: one SQLite file in WAL mode through GRDB. Readers never block the
/// writer; writes are serialized by GRDB's writer queue, which is also what keeps the ingest
/// caches below consistent.
public final class SQLiteStore: BulkLoadingStore {
    let writer: any DatabaseWriter
    /// The database file; nil in memory.
    let path: String?
    let sessions: SessionPolicy
    /// Ingest state kept beside the writer so that a 10M-event import doesn't query the database
    /// per event. Only touched inside `writer.write`, so it follows the writer's serial order.
    let cache = Mutex(IngestCache())
    /// Appends waiting for the running group commit (`appendEvents`).
    let appends = GroupCommit<AppendRequest, AppendOutcome>()
    /// The hashes the event-id bucket index may hold. Read in the background once the store
    /// opens (`loadFiltersInBackground`) and replaced when a bulk load writes the index; only
    /// the writer changes the index.
    let bucketFilter = Mutex(PendingFilter())
    /// The owners that may have blocks, read with the bucket filter and added to as blocks
    /// are written: a shopper it has never seen needs no session look-up.
    let ownerFilter = Mutex(PendingFilter())

    /// Opens (creating if needed) `aisle.sqlite` in `directory` and migrates it.
    public static func open(
        directory: String,
        durability: StoreConfiguration.Durability = .processCrash,
        sessions: SessionPolicy = SessionPolicy()
    ) throws -> SQLiteStore {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw AisleError(
                code: .unavailable,
                message: "cannot create data folder \(directory): \(error.localizedDescription)"
            )
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pageSize = Self.pageSize
        configuration.prepareDatabase { db in
            // Small pages (set when the file is created): a transaction rewrites every page it
            // touches into the WAL, and event batches touch one user-index leaf per event.
            // 1 KiB pages cut the bytes written per batch about 4×; measured in BENCHMARKS.md.
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: durability == .powerLoss ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // Up to 256 MiB page cache per connection (allocated as used): the event indexes
            // stay in memory during large imports. Reads go through mmap: without it, history
            // GET p99 on 10M events went from 2.5 ms to 19 ms (pread and copy per page).
            // Deleted rows are overwritten with zeros, not left in free space: after an erasure
            // no byte of the user stays in the file (Debian builds SQLite with this on by
            // default, so the benchmarks above already ran with it).
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA cache_size = -262144")
            try db.execute(sql: "PRAGMA mmap_size = \(2 << 30)")
            // Checkpoints run off the request path (`runMaintenance`). Under steady writes they
            // never catch the last frames, and only a checkpoint by the writer lets the WAL start
            // over. That one stalls every write for its fsync of the database (SQLite syncs the
            // database only when a checkpoint reaches the WAL's end, so the background copies
            // leave it all unsynced): 0.1–1 s, measured. So the writer does it rarely, once per
            // GiB, and the WAL file is not cut back when it starts over: growing it again cost
            // more than writing over it. (Measured: every 4 MiB put an fsync into 6 % of
            // single-event POSTs, p99 18 ms; every 256 MiB, batch p99 of 0.1–0.9 s; see
            // docs/BENCHMARKS.md.) The maintenance loop empties the file once writes pause.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointBytes / pageSize)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walCheckpointBytes + (64 << 20))")
        }
        let path = (directory as NSString).appendingPathComponent("aisle.sqlite")
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try SQLiteStore(writer: pool, path: path, sessions: sessions)
        } catch let error as DatabaseError {
            throw AisleError(code: .unavailable, message: "cannot open \(path): \(error.message ?? error.description)")
        }
    }

    /// A private in-memory database, for tests.
    public static func inMemory(sessions: SessionPolicy = SessionPolicy()) throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue(), path: nil, sessions: sessions)
    }

    /// Page size of new databases, in bytes.
    static let pageSize = 1024

    /// WAL size at which the writer checkpoints (and the WAL starts over).
    static let walCheckpointBytes = 1 << 30

    init(writer: any DatabaseWriter, path: String?, sessions: SessionPolicy) throws {
        self.writer = writer
        self.path = path
        self.sessions = sessions
        try SQLiteMigrations.migrator.migrate(writer)
        // A bulk load that died left its index dropped and its event ids unindexed: build
        // them again.
        try writer.write { db in
            try Self.createEventIndexes(db)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM settings WHERE key = ?", arguments: [Self.bulkLoadMarker])
                == true
            {
                try EventIDIndex.rebuild(db)
                try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [Self.bulkLoadMarker])
            }
        }
        loadFiltersInBackground()
    }

    /// Reads the filters off the start: every owner of a large log is an index scan of
    /// seconds (7 s from a cold disk at 20M live-ingested events, measured), and until then
    /// the filters answer "maybe", which costs a look-up and never a wrong answer. If the read
    /// fails they stay that way.
    private func loadFiltersInBackground() {
        Task.detached(priority: .utility) { [self] in
            guard let read = try? await readFilters() else { return }
            bucketFilter.withLock { $0.loaded(read.buckets) }
            ownerFilter.withLock { $0.loaded(read.owners) }
        }
    }

    /// The bucket and owner filters, from the stored event log.
    func readFilters() async throws -> (buckets: HashFilter, owners: HashFilter) {
        try await writer.read { db in (try HashFilter(bucketsOf: db), try HashFilter(ownersOf: db)) }
    }

    /// The settings row present while a bulk load defers the event-id index.
    static let bulkLoadMarker = "bulk_load_running"

    /// The block index a bulk load drops and rebuilds; the same as migration v7 creates.
    static func createEventIndexes(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS event_blocks_by_owner ON event_blocks(owner, max_ts)")
    }

    /// Runs `load` (an import) into an empty event log with the owner index dropped and the
    /// event-id index kept in memory, and writes both once at the end: one sort instead of
    /// millions of random B-tree inserts (the advice of every database for bulk loads). With
    /// events already stored, just runs `load`. The caller must be the only writer (the import
    /// holds the data-folder lock); if the process dies, the next open rebuilds both.
    public func bulkLoad<T>(_ load: () async throws -> T, indexing: () -> Void = {}) async throws -> T {
        let empty = try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM event_blocks LIMIT 1)") == 0 else {
                return false
            }
            try db.execute(
                sql: "DROP INDEX IF EXISTS event_blocks_by_owner; DELETE FROM event_id_buckets; DELETE FROM event_ids"
            )
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, '1', 0)",
                arguments: [Self.bulkLoadMarker]
            )
            return true
        }
        guard empty else { return try await load() }
        cache.withLock { cache in
            cache.sessionsComplete = true
            cache.bulkEventIDs = BulkEventIDs()
        }
        let result: T
        do {
            result = try await load()
        } catch {
            cache.withLock { $0 = IngestCache() }
            try? await write { db in try Self.finishBulkLoad(eventIDs: nil, db) }
            if let read = try? await readFilters() {
                bucketFilter.withLock { $0.replace(with: read.buckets) }
                ownerFilter.withLock { $0.replace(with: read.owners) }
            }
            throw error
        }
        let eventIDs = cache.withLock { cache in
            let taken = cache.bulkEventIDs
            cache = IngestCache()
            return taken
        }
        indexing()
        try await write { db in try Self.finishBulkLoad(eventIDs: eventIDs, db) }
        // The owner filter took every block's owner as it was written; the id filter comes
        // from memory, not by reading back the index just written.
        if let eventIDs { bucketFilter.withLock { $0.replace(with: eventIDs.filter) } }
        return result
    }

    /// Writes what a bulk load deferred; without the event ids (a failed load), reads them
    /// back from the blocks.
    private static func finishBulkLoad(eventIDs: BulkEventIDs?, _ db: Database) throws {
        if let eventIDs {
            try eventIDs.save(db)
        } else {
            try EventIDIndex.rebuild(db)
        }
        try createEventIndexes(db)
        try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [bulkLoadMarker])
    }

    /// Runs a write transaction; on failure the ingest caches are dropped, since they may hold
    /// state from the rolled-back transaction.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(updates)
        } catch {
            cache.withLock { $0 = IngestCache() }
            throw Self.mapped(error)
        }
    }

    func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(value)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Driver errors become `AisleError`s here, so no SQL error leaves the store.
    static func mapped(_ error: any Error) -> any Error {
        if error is AisleError { return error }
        if let database = error as? DatabaseError {
            switch database.resultCode {
            case .SQLITE_CONSTRAINT:
                return AisleError(code: .conflict, message: "the write conflicts with stored data")
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN:
                return AisleError(code: .unavailable, message: "the store cannot write now (\(database.resultCode))")
            default:
                return AisleError(code: .unavailable, message: "the store failed (\(database.resultCode))")
            }
        }
        return error
    }

    public func apiKeyHash(scope: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT hash FROM api_keys WHERE scope = ?", arguments: [scope])
        }
    }

    public func setAPIKeyHash(_ hash: String, scope: String, at now: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_keys (scope, hash, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (scope) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at
                    """,
                arguments: [scope, hash, now.millisecondsSinceEpoch]
            )
        }
    }

    /// Copies the WAL into the database every `interval`, on a connection of its own, until the
    /// calling task is cancelled. Run by the server (as a service) and by imports: a checkpoint
    /// in the writer's commit path would stall requests for its duration (p99 of 110 ms
    /// measured with the writer checkpointing, 2 ms without; see docs/BENCHMARKS.md).
    public func runMaintenance() async {
        let interval = Duration.milliseconds(250)
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        guard let path, let connection = try? DatabaseQueue(path: path, configuration: configuration) else {
            // In memory there is no WAL; wait to be cancelled like the file-backed store.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        // Passive checkpoints never wait; the truncation below holds the write lock while it
        // waits for readers of older snapshots, so it waits 50 ms at most and tries again later.
        try? await connection.writeWithoutTransaction { db in _ = sqlite3_busy_timeout(db.sqliteConnection, 50) }
        var previous: (walFrameCount: Int, checkpointedFrameCount: Int)?
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // PASSIVE never waits for the writer or readers; what it cannot copy now, it
            // copies next time.
            let pass = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            // Nothing written since the last pass and everything copied: writes have paused, so
            // the WAL file (up to a GiB after a burst) is emptied. With all frames copied,
            // TRUNCATE has only a sync to do.
            if let pass, pass.walFrameCount > 0, pass.checkpointedFrameCount == pass.walFrameCount,
                previous.map({ $0 == pass }) ?? false
            {
                _ = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            }
            previous = pass
        }
    }

    /// Copies the whole WAL into the database and empties it, waiting for the writer. For the
    /// end of an import: otherwise the next server start inherits hundreds of MiB of WAL (an
    /// index build writes it all there) and serves its first minutes beside that checkpoint
    /// (history p99 41 ms instead of 3 ms, measured).
    public func checkpointAll() async throws {
        _ = try await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    public func checkReady() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

/// A cache key compared byte for byte, as SQLite compares ids. Swift's `String` equality is
/// canonical equivalence ("é" precomposed equals "e" + combining accent), which would merge two
/// ids that the database keeps apart.
///
/// The bytes are hashed once, when the key is made: an event's key is looked up in three
/// or four maps, and hashing its bytes each time was a tenth of an import's writer time.
struct CacheKey: Hashable, Sendable {
    let text: String
    /// `stableHash(text)`.
    let digest: UInt64

    init(_ text: String) {
        self.text = text
        digest = stableHash(text)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.digest == rhs.digest && sameUTF8(lhs.text, rhs.text)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(digest)
    }
}

/// Whether two strings have the same bytes. `utf8.elementsEqual` walks both views with
/// iterators, which cost more than the rest of an event's ingest bookkeeping.
func sameUTF8(_ lhs: String, _ rhs: String) -> Bool {
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in
        rhs.withUTF8 { right in
            guard left.count == right.count else { return false }
            guard let leftBytes = left.baseAddress, let rightBytes = right.baseAddress else { return true }
            return memcmp(leftBytes, rightBytes, left.count) == 0
        }
    }
}

/// What the writer remembers between event batches.
struct IngestCache: Sendable {
    /// Last session per shopper ("u:" + user id or "d:" + device id).
    var sessions: [CacheKey: SessionPolicy.State] = [:]
    /// Device → linked user, or nil for a device known to have no link.
    var deviceOwners: [CacheKey: String?] = [:]
    /// Every item id in the catalog (deleted ones too), loaded on first use.
    var knownItems: Set<CacheKey>?
    /// True during a bulk load into an empty event log: `sessions` then holds every shopper
    /// seen, so a miss means "no earlier event" and needs no query (the index is not there).
    var sessionsComplete = false
    /// The sequence number of the next stored event, once read.
    var nextSequence: Int64?
    /// During a bulk load: every stored event id's hash and block, written to the event-id
    /// index at the end.
    var bulkEventIDs: BulkEventIDs?

    /// Past this many entries a map is dropped and refilled from the database on demand.
    static let maxEntries = 2_000_000

    mutating func trim() {
        if sessions.count > Self.maxEntries && !sessionsComplete { sessions.removeAll() }
        if deviceOwners.count > Self.maxEntries { deviceOwners.removeAll() }
    }
}

/// The event-id index of a bulk load, in memory until the load ends. An open-addressing
/// table keyed by the hash's top bits: the hash is mixed already, so a lookup is one probe
/// into one array, without a dictionary's second hashing; and the table is in hash order,
/// so the end needs almost no sorting.
struct BulkEventIDs: Sendable {
    /// Hash and block side by side, so a probe touches one cache line; block 0 (no block
    /// starts at sequence 0) marks an empty slot.
    private var slots = [EventIDIndex.Entry](repeating: EventIDIndex.Entry(hash: 0, block: 0), count: 1 << 20)
    private var count = 0

    private var slotShift: UInt64 { UInt64(64 - slots.count.trailingZeroBitCount) }

    func blocks(with hash: UInt64) -> [Int64] {
        var found: [Int64] = []
        let mask = slots.count - 1
        var slot = Int(hash >> slotShift)
        while slots[slot].block != 0 {
            if slots[slot].hash == hash { found.append(slots[slot].block) }
            slot = (slot + 1) & mask
        }
        return found
    }

    /// Whether an entry has this hash (the list is built only on a hit, which is rare).
    func mayHold(_ hash: UInt64) -> Bool {
        !blocks(with: hash).isEmpty
    }

    /// The hashes held, as a filter (what `HashFilter(bucketsOf:)` would read back once
    /// `save` has written them).
    var filter: HashFilter {
        var filter = HashFilter(capacity: count)
        for entry in slots where entry.block != 0 { filter.insert(entry.hash) }
        return filter
    }

    mutating func add(_ entry: EventIDIndex.Entry) {
        // At most 70 % full, so probes stay short.
        if (count + 1) * 10 > slots.count * 7 { grow() }
        insert(entry)
        count += 1
    }

    private mutating func insert(_ entry: EventIDIndex.Entry) {
        let mask = slots.count - 1
        var slot = Int(entry.hash >> slotShift)
        while slots[slot].block != 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
    }

    private mutating func grow() {
        let old = slots
        slots = [EventIDIndex.Entry](repeating: EventIDIndex.Entry(hash: 0, block: 0), count: slots.count * 2)
        for entry in old where entry.block != 0 { insert(entry) }
    }

    /// Every entry, in hash order.
    var entries: [EventIDIndex.Entry] {
        var entries: [EventIDIndex.Entry] = []
        entries.reserveCapacity(count)
        for entry in slots where entry.block != 0 { entries.append(entry) }
        // Probing moves an entry past its slot, rarely past a larger hash: nearly sorted,
        // which the standard sort finishes in about one pass.
        entries.sort { ($0.hash, $0.block) < ($1.hash, $1.block) }
        return entries
    }

    /// Replaces the stored index with these entries.
    func save(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM event_id_buckets")
        let sorted = entries
        var start = 0
        while start < sorted.count {
            let bucket = EventIDIndex.bucket(of: sorted[start].hash)
            var end = start + 1
            while end < sorted.count && EventIDIndex.bucket(of: sorted[end].hash) == bucket { end += 1 }
            try EventIDIndex.write(bucket: bucket, entries: sorted[start..<end], db: db)
            start = end
        }
    }
}

/// The data folder's lock lets one process write the SQLite store: nobody to tell.
extension SQLiteStore: ChangeFeedStore {
    public var isShared: Bool { false }

    public func publish(_ change: StoreChange) async {}

    public func changes() -> AsyncStream<StoreChange> {
        AsyncStream { $0.finish() }
    }
}

/// One process trains a SQLite store's model, and saves it as a file in the data folder.
extension SQLiteStore: ModelStore {
    public func asTrainer<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await work()
    }

    public func saveModel(_ bytes: [UInt8], at time: Timestamp) async throws {}

    public func savedModel() async throws -> [UInt8]? { nil }
}
