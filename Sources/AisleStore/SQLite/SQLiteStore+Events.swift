public import AisleCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// SQLite's "copy the bytes now" destructor marker, as C defines SQLITE_TRANSIENT.
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One caller's events, waiting for a group commit.
struct AppendRequest: Sendable {
    var events: [Event]
    var receivedAt: Timestamp
    var linking: DeviceLinking
}

extension SQLiteStore {
    /// Concurrent calls are committed together (`GroupCommit`). Every transaction rewrites the
    /// index pages it touches into the WAL, so fewer, larger transactions write much less
    /// (measured in docs/BENCHMARKS.md).
    public func appendEvents(_ events: [Event], receivedAt: Timestamp, linking: DeviceLinking) async throws
        -> AppendOutcome
    {
        if events.isEmpty { return AppendOutcome(rows: [], unknownItems: 0) }
        return try await appends.submit(AppendRequest(events: events, receivedAt: receivedAt, linking: linking)) {
            requests in
            try await self.write { db in try self.appendInTransaction(requests, db: db) }
        }
    }

    /// One owner's events of the running transaction, packed as they are accepted.
    private struct BlockBuilder {
        var owner: CacheKey
        var encoder = EventBlockEncoder()
        var minTimestamp = Int64.max
        var maxTimestamp = Int64.min
        /// The hashes of the block's event ids, for a bulk load's event-id index.
        var eventIDHashes: [UInt64] = []

        init(owner: CacheKey) {
            self.owner = owner
        }

        mutating func append(_ event: Event, receivedAt: Timestamp, attributed: Bool, eventIDHash: UInt64?) {
            if let eventIDHash { eventIDHashes.append(eventIDHash) }
            encoder.append(
                event,
                contextText: event.context.map { JSONValue.object($0).jsonText },
                receivedAt: receivedAt,
                attributed: attributed
            )
            let timestamp = event.timestamp.millisecondsSinceEpoch
            minTimestamp = min(minTimestamp, timestamp)
            maxTimestamp = max(maxTimestamp, timestamp)
        }
    }

    /// The blocks of the running transaction: open ones by owner, and full ones.
    private struct TransactionBlocks {
        var open: [BlockBuilder] = []
        var openByOwner: [CacheKey: Int] = [:]
        var full: [BlockBuilder] = []

        mutating func append(
            _ event: Event,
            owner: CacheKey,
            receivedAt: Timestamp,
            attributed: Bool,
            eventIDHash: UInt64?
        ) {
            let position: Int
            if let known = openByOwner[owner] {
                position = known
            } else {
                position = open.count
                openByOwner[owner] = position
                open.append(BlockBuilder(owner: owner))
            }
            open[position].append(event, receivedAt: receivedAt, attributed: attributed, eventIDHash: eventIDHash)
            if open[position].encoder.count == EventBlockWriter.maxEventsPerBlock {
                full.append(open[position])
                open[position] = BlockBuilder(owner: owner)
            }
        }

        /// Every block with events, full ones first, so that an owner's blocks are in order.
        func forEach(_ body: (BlockBuilder) throws -> Void) rethrows {
            for block in full { try body(block) }
            for block in open where block.encoder.count > 0 { try body(block) }
        }

        var isEmpty: Bool { full.isEmpty && open.isEmpty }
    }

    /// The event ids accepted in the running transaction, by hash; compared byte for byte.
    private struct TransactionEventIDs {
        var byHash: [UInt64: String] = [:]
        /// Ids whose hash another id of this transaction has: almost never used.
        var collided: Set<CacheKey> = []

        func contains(_ id: String, hash: UInt64) -> Bool {
            guard let first = byHash[hash] else { return false }
            return sameUTF8(first, id) || collided.contains(CacheKey(id))
        }

        mutating func insert(_ id: String, hash: UInt64) {
            if byHash[hash] == nil {
                byHash[hash] = id
            } else {
                collided.insert(CacheKey(id))
            }
        }
    }

    func appendInTransaction(_ requests: [AppendRequest], db: Database) throws -> [AppendOutcome] {
        var state = takeCache()
        if state.knownItems == nil {
            state.knownItems = Set(try String.fetchAll(db, sql: "SELECT id FROM items").map(CacheKey.init))
        }
        try linkDevices(of: requests, db: db, state: &state)
        let filter = bucketFilter.withLock { $0 }
        var index = EventIDIndex()
        var idsInTransaction = TransactionEventIDs()
        idsInTransaction.byHash.reserveCapacity(requests.reduce(0) { $0 + $1.events.count })
        var blocks = TransactionBlocks()
        var outcomes: [AppendOutcome] = []
        for request in requests {
            var rows: [AppendOutcome.Row] = []
            rows.reserveCapacity(request.events.count)
            var unknownItems = 0
            // The event-id hashes first and, during a bulk load, the in-memory index probed in
            // a loop of nothing else: each probe misses the cache, and a tight loop lets the
            // processor wait for many at once instead of one per event.
            let idHashes = request.events.map { $0.eventID.map { stableHash($0.rawValue) } }
            let mayBeStored = state.bulkEventIDs.map { bulk in idHashes.map { $0.map(bulk.mayHold) ?? false } }
            for (position, var event) in request.events.enumerated() {
                var hash: UInt64?
                if let id = event.eventID?.rawValue, let idHash = idHashes[position] {
                    if try idsInTransaction.contains(id, hash: idHash)
                        || (mayBeStored?[position] ?? true
                            && isStored(id, hash: idHash, index: &index, filter: filter, state: state, db: db))
                    {
                        // A repeated event_id: stored once already, so this row changes nothing.
                        rows.append(.duplicate)
                        continue
                    }
                    idsInTransaction.insert(id, hash: idHash)
                    hash = idHash
                }
                var attributed = false
                if event.userID == nil, let device = event.deviceID,
                    let owner = try self.owner(of: device, in: db, state: &state)
                {
                    event.userID = owner
                    attributed = true
                }
                let actor = Self.actorKey(user: event.userID, device: event.deviceID)
                let previousSession = try self.lastSession(of: actor, in: db, state: &state)
                if let clientSession = event.sessionID {
                    // Remember it as the store would tell it: the latest event's session.
                    let latest = previousSession.map { $0.lastSeen > event.timestamp } ?? false
                    if let previousSession, latest {
                        state.sessions[actor] = previousSession
                    } else {
                        state.sessions[actor] = SessionPolicy.State(sessionID: clientSession, lastSeen: event.timestamp)
                    }
                } else {
                    let assigned = self.sessions.assign(after: previousSession, actor: actor.text, at: event.timestamp)
                    state.sessions[actor] = assigned.state
                    event.sessionID = assigned.session
                }
                if let item = event.itemID, state.knownItems?.contains(CacheKey(item.rawValue)) != true {
                    unknownItems += 1
                }
                blocks.append(
                    event,
                    owner: actor,
                    receivedAt: request.receivedAt,
                    attributed: attributed,
                    eventIDHash: hash
                )
                rows.append(.accepted)
            }
            outcomes.append(AppendOutcome(rows: rows, unknownItems: unknownItems))
        }
        try writeBlocks(blocks, state: &state, db: db)
        state.trim()
        putCache(state, after: db)
        return outcomes
    }

    /// Whether an event with this id is stored. Outside a bulk load the id is claimed in the
    /// ordered index of ids written one by one: the insert finds an earlier one in the same
    /// descent of the B-tree (a lookup first, then an insert, took two). The hash index that
    /// bulk loads write is asked only when its filter may hold the hash; there the hash only
    /// finds candidate blocks and the id itself is compared, so a collision is no duplicate.
    private func isStored(
        _ id: String,
        hash: UInt64,
        index: inout EventIDIndex,
        filter: PendingFilter,
        state: IngestCache,
        db: Database
    ) throws -> Bool {
        if state.bulkEventIDs == nil {
            let statement = try db.cachedStatement(
                sql: "INSERT INTO event_ids (event_id) VALUES (?) ON CONFLICT DO NOTHING"
            )
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            sqlite3_bind_text(handle, 1, id, -1, sqliteTransient)
            try stepToCompletion(handle, db: db)
            if db.changesCount == 0 { return true }
            guard filter.mayContain(hash) else { return false }
        }
        let candidates = try state.bulkEventIDs?.blocks(with: hash) ?? index.blocks(with: hash, db: db)
        for block in candidates {
            let blob = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT events FROM event_blocks WHERE first_seq = ?"),
                arguments: [block]
            )
            guard let blob else { continue }
            if try EventBlockDecoder.eventIDs([UInt8](blob)).contains(where: { sameUTF8($0, id) }) {
                if state.bulkEventIDs == nil {
                    // Stored by a bulk load: take back the claim made above.
                    try db.execute(sql: "DELETE FROM event_ids WHERE event_id = ?", arguments: [id])
                }
                return true
            }
        }
        return false
    }

    /// Numbers and stores the transaction's blocks: a block's events take consecutive
    /// sequence numbers, so within one transaction events are numbered by owner, in order of
    /// arrival per owner.
    private func writeBlocks(
        _ blocks: TransactionBlocks,
        state: inout IngestCache,
        db: Database
    ) throws {
        guard !blocks.isEmpty else { return }
        var next = try state.nextSequence ?? Self.nextSequence(db)
        var owners: [UInt64] = []
        try blocks.forEach { block in
            owners.append(block.owner.digest)
            try EventBlockWriter.insert(
                firstSequence: next,
                owner: block.owner.text,
                encoder: block.encoder,
                minTimestamp: block.minTimestamp,
                maxTimestamp: block.maxTimestamp,
                db: db
            )
            // Outside a bulk load the ids are in `event_ids` already (`isStored` claimed them).
            if state.bulkEventIDs != nil {
                for hash in block.eventIDHashes {
                    state.bulkEventIDs?.add(EventIDIndex.Entry(hash: hash, block: next))
                }
            }
            next += Int64(block.encoder.count)
        }
        // Added before the commit: if it rolls back, the filter only says "maybe" once more.
        ownerFilter.withLock { filter in
            for owner in owners { filter.insert(owner) }
        }
        state.nextSequence = next
    }

    /// Links `device` to `user` inside the running write: the device's anonymous blocks become
    /// the user's, and the caches learn the new owner. Returns how many events were attributed.
    func link(_ device: DeviceID, to user: UserID, at now: Timestamp, db: Database, state: inout IngestCache) throws
        -> Int
    {
        try db.execute(
            sql: """
                INSERT INTO device_links (device_id, user_id, linked_at) VALUES (?, ?, ?)
                ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at
                """,
            arguments: [device.rawValue, user.rawValue, now.millisecondsSinceEpoch]
        )
        // The device's anonymous blocks become the user's: the events in them get the user as
        // owner when read.
        let deviceOwner = Self.actorKey(user: nil, device: device).text
        let attributed =
            try Int.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(count), 0) FROM event_blocks WHERE owner = ?",
                arguments: [deviceOwner]
            ) ?? 0
        try db.execute(
            sql: "UPDATE event_blocks SET owner = ?, attributed = 1 WHERE owner = ?",
            arguments: [Self.actorKey(user: user, device: nil).text, deviceOwner]
        )
        let userOwner = Self.actorKey(user: user, device: nil)
        ownerFilter.withLock { $0.insert(userOwner.digest) }
        state.deviceOwners[CacheKey(device.rawValue)] = .some(user.rawValue)
        state.sessions[Self.actorKey(user: nil, device: device)] = nil
        state.sessions[userOwner] = nil
        return attributed
    }

    /// Links the devices of events that carry both ids, as `identify` would, before any event
    /// of the transaction is placed: the device's earlier anonymous events (stored, or in this
    /// transaction) and its later device-only ones all become the user's.
    private func linkDevices(of requests: [AppendRequest], db: Database, state: inout IngestCache) throws {
        for request in requests where request.linking != .none {
            for event in request.events {
                guard let user = event.userID, let device = event.deviceID else { continue }
                let owner = try self.owner(of: device, in: db, state: &state)
                if let owner, sameUTF8(owner.rawValue, user.rawValue) { continue }
                switch request.linking {
                case .none:
                    continue
                case .unclaimed(let only):
                    if owner != nil { continue }
                    if let only, !sameUTF8(only.rawValue, user.rawValue) { continue }
                case .moving:
                    break
                }
                _ = try link(device, to: user, at: request.receivedAt, db: db, state: &state)
            }
        }
    }

    /// The sequence number the next stored event gets.
    static func nextSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT first_seq + count FROM event_blocks ORDER BY first_seq DESC LIMIT 1") ?? 1
    }

    static func actorKey(user: UserID?, device: DeviceID?) -> CacheKey {
        if let user { return CacheKey("u:" + user.rawValue) }
        return CacheKey("d:" + (device?.rawValue ?? ""))
    }

    func takeCache() -> IngestCache {
        cache.withLock { cache in
            let taken = cache
            cache = IngestCache()
            return taken
        }
    }

    /// Publishes `state` when the running transaction commits. On rollback the cache stays
    /// empty (`takeCache` emptied it), so nothing of a rolled-back write is remembered.
    func putCache(_ state: IngestCache, after db: Database) {
        db.afterNextTransaction(onCommit: { _ in self.cache.withLock { $0 = state } })
    }

    /// The user a device is linked to, from the cache or the database.
    func owner(of device: DeviceID, in db: Database, state: inout IngestCache) throws -> UserID? {
        if let cached = state.deviceOwners[CacheKey(device.rawValue)] {
            return cached.map(UserID.init)
        }
        let owner = try String.fetchOne(
            db.cachedStatement(sql: "SELECT user_id FROM device_links WHERE device_id = ?"),
            arguments: [device.rawValue]
        )
        state.deviceOwners[CacheKey(device.rawValue)] = .some(owner)
        return owner.map(UserID.init)
    }

    /// The shopper's latest session, from the cache or their latest stored event.
    func lastSession(of actor: CacheKey, in db: Database, state: inout IngestCache) throws -> SessionPolicy.State? {
        if let cached = state.sessions[actor] { return cached }
        if state.sessionsComplete { return nil }
        guard ownerFilter.withLock({ $0.mayContain(actor.digest) }) else { return nil }
        // The latest event is in the block with the newest timestamp; of two such blocks, in
        // the later one, since blocks' sequence numbers do not overlap. Through the C API: a
        // shopper's first event after a start asks this, and GRDB's cursor and row around one
        // step cost half as much as the step.
        let statement = try db.cachedStatement(
            sql:
                "SELECT first_seq, events FROM event_blocks WHERE owner = ? ORDER BY max_ts DESC, first_seq DESC LIMIT 1"
        )
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        sqlite3_bind_text(handle, 1, actor.text, -1, sqliteTransient)
        let code = sqlite3_step(handle)
        guard code == SQLITE_ROW else {
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection))
                )
            }
            return nil
        }
        let firstSequence = sqlite3_column_int64(handle, 0)
        let length = Int(sqlite3_column_bytes(handle, 1))
        let blob =
            sqlite3_column_blob(handle, 1).map { [UInt8](UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
        guard let latest = try EventBlockDecoder.latestSession(blob, firstSequence: firstSequence),
            let session = latest.session
        else { return nil }
        return SessionPolicy.State(
            sessionID: SessionID(session),
            lastSeen: Timestamp(millisecondsSinceEpoch: latest.timestamp)
        )
    }
}

/// Writes block rows through SQLite's C API: an import writes hundreds of thousands per
/// minute, and GRDB's `StatementArguments` (an array of existentials per row) costs more than
/// SQLite's own work for a row (measured with perf, see docs/BENCHMARKS.md).
enum EventBlockWriter {
    /// Bounds what a history read decodes to find one event, and lets the sequence scan
    /// (`interactionEvents`) start its search at a known distance.
    static let maxEventsPerBlock = 1000

    static func insert(
        firstSequence: Int64,
        owner: String,
        encoder: EventBlockEncoder,
        minTimestamp: Int64,
        maxTimestamp: Int64,
        db: Database
    ) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO event_blocks (first_seq, owner, count, min_ts, max_ts, events) VALUES (?, ?, ?, ?, ?, ?)"
        )
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, firstSequence)
        sqlite3_bind_text(handle, 2, owner, -1, sqliteTransient)
        sqlite3_bind_int64(handle, 3, Int64(encoder.count))
        sqlite3_bind_int64(handle, 4, minTimestamp)
        sqlite3_bind_int64(handle, 5, maxTimestamp)
        encoder.bytes.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, 6, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
        }
        try stepToCompletion(handle, db: db)
    }
}

/// Runs a bound insert or update through the C API, and resets it for the next use.
func stepToCompletion(_ handle: OpaquePointer?, db: Database) throws {
    let code = sqlite3_step(handle)
    sqlite3_reset(handle)
    guard code == SQLITE_DONE else {
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection))
        )
    }
}
