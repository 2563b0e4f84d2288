public import AisleCore
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// SQLite's "copy the bytes now" destructor marker, as C defines SQLITE_TRANSIENT.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One caller's events, waiting for a group commit.
struct AppendRequest: Sendable {
    var events: [Event]
    var receivedAt: Timestamp
}

/// Calls queued behind the running append transaction.
struct AppendQueue: Sendable {
    var writing = false
    var waiting: [(AppendRequest, CheckedContinuation<AppendTurn, any Error>)] = []
}

/// What a queued caller is told: its outcome, or that it leads the next transaction.
enum AppendTurn: Sendable {
    case done(AppendOutcome)
    case lead
}

extension SQLiteStore {
    static let eventColumns = """
        seq, event_id, type, user_id, device_id, item_id, value, query, session_id, platform, device_model,
        app_version, ts, context, received_at
        """

    /// Concurrent calls are committed together (group commit): while one transaction runs,
    /// later calls queue up; when it ends, the first of them leads the next transaction for
    /// everything queued by then. Each caller waits for one transaction at most after its
    /// turn comes. Every transaction rewrites the index pages it touches into the WAL, so
    /// fewer, larger transactions write much less (measured in docs/BENCHMARKS.md).
    public func appendEvents(_ events: [Event], receivedAt: Timestamp) async throws -> AppendOutcome {
        if events.isEmpty { return AppendOutcome(rows: [], unknownItems: 0) }
        let request = AppendRequest(events: events, receivedAt: receivedAt)
        let leads = appendQueue.withLock { queue in
            if queue.writing { return false }
            queue.writing = true
            return true
        }
        if leads { return try await leadAppends(first: request) }
        let turn = try await withCheckedThrowingContinuation { continuation in
            let queued = appendQueue.withLock { queue in
                // The leader may have finished between the check above and now.
                if queue.writing {
                    queue.waiting.append((request, continuation))
                    return true
                }
                queue.writing = true
                return false
            }
            if !queued { continuation.resume(returning: AppendTurn.lead) }
        }
        switch turn {
        case .done(let outcome): return outcome
        case .lead: return try await leadAppends(first: request)
        }
    }

    /// Commits `first` with everything queued now, answers the queued callers, and hands the
    /// lead to the next one waiting (or marks the queue idle).
    private func leadAppends(first: AppendRequest) async throws -> AppendOutcome {
        let queued = appendQueue.withLock { queue in
            let taken = queue.waiting
            queue.waiting = []
            return taken
        }
        let results = await commit([first] + queued.map(\.0))
        for ((_, continuation), result) in zip(queued, results.dropFirst()) {
            continuation.resume(with: result.map(AppendTurn.done))
        }
        let next = appendQueue.withLock { queue in
            if queue.waiting.isEmpty {
                queue.writing = false
                return nil as CheckedContinuation<AppendTurn, any Error>?
            }
            return queue.waiting.removeFirst().1
        }
        // The next leader takes its own request back: it was queued with its continuation.
        next?.resume(returning: .lead)
        return try results[0].get()
    }

    /// One transaction for all requests; if it fails, each request alone, so one request's
    /// failure is not another's.
    private func commit(_ requests: [AppendRequest]) async -> [Result<AppendOutcome, any Error>] {
        do {
            let outcomes = try await write { db in try self.appendInTransaction(requests, db: db) }
            return outcomes.map { .success($0) }
        } catch {
            if requests.count == 1 { return [.failure(error)] }
            var results: [Result<AppendOutcome, any Error>] = []
            for request in requests {
                do {
                    results.append(
                        .success(try await write { db in try self.appendInTransaction([request], db: db)[0] })
                    )
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    func appendInTransaction(_ requests: [AppendRequest], db: Database) throws -> [AppendOutcome] {
        var state = takeCache()
        if state.knownItems == nil {
            state.knownItems = Set(try String.fetchAll(db, sql: "SELECT id FROM items").map(CacheKey.init))
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO events (event_id, type, user_id, device_id, item_id, value, query, session_id,
                    platform, device_model, app_version, ts, context, received_at, attributed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING
                """
        )
        var outcomes: [AppendOutcome] = []
        for request in requests {
            let events = request.events
            let receivedAt = request.receivedAt
            var rows: [AppendOutcome.Row] = []
            rows.reserveCapacity(events.count)
            var unknownItems = 0
            for var event in events {
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
                    // Remember it as the database would tell it: the latest event's session.
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
                try Self.insert(event, receivedAt: receivedAt, attributed: attributed, with: insert, in: db)
                if db.changesCount == 0 {
                    // A repeated event_id: stored once already, so this row changes nothing.
                    state.sessions[actor] = previousSession
                    rows.append(.duplicate)
                    continue
                }
                rows.append(.accepted)
                if let item = event.itemID, state.knownItems?.contains(CacheKey(item.rawValue)) != true {
                    unknownItems += 1
                }
            }
            outcomes.append(AppendOutcome(rows: rows, unknownItems: unknownItems))
        }
        state.trim()
        putCache(state, after: db)
        return outcomes
    }

    public func identify(device: DeviceID, as user: UserID, at now: Timestamp, relinking: RelinkPolicy) async throws
        -> IdentifyOutcome
    {
        try await write { db in
            let previous = try String.fetchOne(
                db,
                sql: "SELECT user_id FROM device_links WHERE device_id = ?",
                arguments: [device.rawValue]
            )
            let changedHands = previous.map { !$0.utf8.elementsEqual(user.rawValue.utf8) } ?? false
            if changedHands && relinking == .refuse {
                throw AisleError(
                    code: .forbidden,
                    message:
                        "device \"\(device)\" is linked to another user; moving it needs the admin key (call identify from your backend)"
                )
            }
            var state = self.takeCache()
            try db.execute(
                sql: """
                    INSERT INTO device_links (device_id, user_id, linked_at) VALUES (?, ?, ?)
                    ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at
                    """,
                arguments: [device.rawValue, user.rawValue, now.millisecondsSinceEpoch]
            )
            try db.execute(
                sql: "UPDATE events SET user_id = ?, attributed = 1 WHERE device_id = ? AND user_id IS NULL",
                arguments: [user.rawValue, device.rawValue]
            )
            let attributed = db.changesCount
            state.deviceOwners[CacheKey(device.rawValue)] = .some(user.rawValue)
            state.sessions[Self.actorKey(user: nil, device: device)] = nil
            state.sessions[Self.actorKey(user: user, device: nil)] = nil
            self.putCache(state, after: db)
            return IdentifyOutcome(
                previousUser: changedHands ? previous.map(UserID.init) : nil,
                eventsAttributed: attributed
            )
        }
    }

    public func devices(of user: UserID) async throws -> [DeviceLink] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.device_id, l.linked_at, e.ts, e.platform, e.device_model, e.app_version
                    FROM device_links l
                    LEFT JOIN events e ON e.seq = (
                        SELECT seq FROM events WHERE user_id = l.user_id AND device_id = l.device_id
                        ORDER BY ts DESC, seq DESC LIMIT 1)
                    WHERE l.user_id = ?
                    ORDER BY l.linked_at DESC, l.device_id
                    """,
                arguments: [user.rawValue]
            ).map { row in
                DeviceLink(
                    deviceID: DeviceID(row["device_id"]),
                    userID: user,
                    linkedAt: Timestamp(millisecondsSinceEpoch: row["linked_at"]),
                    lastSeen: (row["ts"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)),
                    device: DeviceInfo(
                        platform: (row["platform"] as String?).flatMap(Platform.init(rawValue:)),
                        model: row["device_model"],
                        appVersion: row["app_version"]
                    )
                )
            }
        }
    }

    public func history(of user: UserID, types: [EventType], after cursor: HistoryCursor?, limit: Int) async throws
        -> [StoredEvent]
    {
        try await read { db in
            var sql = "SELECT \(Self.eventColumns) FROM events WHERE user_id = ?"
            var arguments: StatementArguments = [user.rawValue]
            if !types.isEmpty {
                sql += " AND type IN (\(Array(repeating: "?", count: types.count).joined(separator: ",")))"
                arguments += StatementArguments(types.map(\.rawValue))
            }
            if let cursor {
                sql += " AND (ts < ? OR (ts = ? AND seq < ?))"
                let ts = cursor.timestamp.millisecondsSinceEpoch
                arguments += [ts, ts, cursor.sequence]
            }
            sql += " ORDER BY ts DESC, seq DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.storedEvent(from:))
        }
    }

    public func anonymousHistory(of device: DeviceID, limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.eventColumns) FROM events WHERE device_id = ? AND user_id IS NULL
                    ORDER BY ts DESC, seq DESC LIMIT ?
                    """,
                arguments: [device.rawValue, limit]
            ).map(Self.storedEvent(from:))
        }
    }

    public func linkedUser(of device: DeviceID) async throws -> UserID? {
        try await read { db in
            try String.fetchOne(
                db,
                sql: "SELECT user_id FROM device_links WHERE device_id = ?",
                arguments: [device.rawValue]
            )
            .map(UserID.init)
        }
    }

    public func interactionEvents(after sequence: Int64, limit: Int) async throws -> [InteractionEvent] {
        try await read { db in
            // Columns by position, and only the ones training reads: this scan reads every event
            // of the store, and by-name access and the JSON payload were most of its cost.
            let statement = try db.cachedStatement(
                sql: """
                    SELECT seq, type, user_id, device_id, item_id, value, session_id, platform, ts
                    FROM events WHERE seq > ? AND item_id IS NOT NULL ORDER BY seq LIMIT ?
                    """
            )
            var events: [InteractionEvent] = []
            events.reserveCapacity(limit)
            let rows = try Row.fetchCursor(statement, arguments: [sequence, limit])
            while let row = try rows.next() {
                events.append(
                    InteractionEvent(
                        sequence: row[0],
                        type: EventType(stored: row[1]),
                        userID: (row[2] as String?).map(UserID.init),
                        deviceID: (row[3] as String?).map(DeviceID.init),
                        itemID: ItemID(row[4] as String),
                        value: row[5],
                        sessionID: (row[6] as String?).map(SessionID.init),
                        platform: (row[7] as String?).flatMap(Platform.init(rawValue:)),
                        timestamp: Timestamp(millisecondsSinceEpoch: row[8])
                    )
                )
            }
            return events
        }
    }

    public func latestSequence() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM events") ?? 0 }
    }

    public func eraseUser(_ id: UserID) async throws -> UserErasure {
        try await write { db in
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id.rawValue])
            let profiles = db.changesCount
            let devices = try String.fetchAll(
                db,
                sql: "SELECT device_id FROM device_links WHERE user_id = ?",
                arguments: [id.rawValue]
            )
            try db.execute(sql: "DELETE FROM device_links WHERE user_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM events WHERE user_id = ?", arguments: [id.rawValue])
            var events = db.changesCount
            for device in devices {
                // Events a linked device sent anonymously belong to the user too.
                try db.execute(
                    sql: "DELETE FROM events WHERE device_id = ? AND user_id IS NULL",
                    arguments: [device]
                )
                events += db.changesCount
            }
            try db.execute(sql: "DELETE FROM reviews WHERE user_id = ?", arguments: [id.rawValue])
            let reviews = db.changesCount
            // Links and sessions of this user are cached; start the caches afresh.
            self.putCache(IngestCache(), after: db)
            return UserErasure(profiles: profiles, events: events, devices: devices.count, reviews: reviews)
        }
    }

    /// Binds and runs the insert through SQLite's C API: this is the import's hot loop, and
    /// GRDB's `StatementArguments` (an array of existentials per row) cost more than SQLite's
    /// own work here (measured with perf, see docs/BENCHMARKS.md).
    static func insert(
        _ event: Event,
        receivedAt: Timestamp,
        attributed: Bool,
        with statement: Statement,
        in db: Database
    ) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        func text(_ index: Int32, _ value: String?) {
            if let value {
                sqlite3_bind_text(handle, index, value, -1, sqliteTransient)
            } else {
                sqlite3_bind_null(handle, index)
            }
        }
        text(1, event.eventID?.rawValue)
        text(2, event.type.rawValue)
        text(3, event.userID?.rawValue)
        text(4, event.deviceID?.rawValue)
        text(5, event.itemID?.rawValue)
        if let value = event.value { sqlite3_bind_double(handle, 6, value) } else { sqlite3_bind_null(handle, 6) }
        text(7, event.query)
        text(8, event.sessionID?.rawValue)
        text(9, event.device.platform?.rawValue)
        text(10, event.device.model)
        text(11, event.device.appVersion)
        sqlite3_bind_int64(handle, 12, event.timestamp.millisecondsSinceEpoch)
        text(13, event.context.map { JSONValue.object($0).jsonText })
        sqlite3_bind_int64(handle, 14, receivedAt.millisecondsSinceEpoch)
        sqlite3_bind_int64(handle, 15, attributed ? 1 : 0)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection))
            )
        }
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

    /// The shopper's latest automatic session, from the cache or their latest stored event.
    func lastSession(of actor: CacheKey, in db: Database, state: inout IngestCache) throws -> SessionPolicy.State? {
        if let cached = state.sessions[actor] { return cached }
        if state.sessionsComplete { return nil }
        let isUser = actor.text.hasPrefix("u:")
        let sql =
            isUser
            ? "SELECT session_id, ts FROM events WHERE user_id = ? ORDER BY ts DESC, seq DESC LIMIT 1"
            : "SELECT session_id, ts FROM events WHERE device_id = ? AND user_id IS NULL ORDER BY ts DESC, seq DESC LIMIT 1"
        guard let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [String(actor.text.dropFirst(2))])
        else {
            return nil
        }
        let state = SessionPolicy.State(
            sessionID: SessionID(row["session_id"]),
            lastSeen: Timestamp(millisecondsSinceEpoch: row["ts"])
        )
        return state
    }

    static func storedEvent(from row: Row) throws -> StoredEvent {
        let context: String? = row["context"]
        return StoredEvent(
            sequence: row["seq"],
            event: Event(
                eventID: (row["event_id"] as String?).map(EventID.init),
                type: EventType(stored: row["type"]),
                userID: (row["user_id"] as String?).map(UserID.init),
                deviceID: (row["device_id"] as String?).map(DeviceID.init),
                itemID: (row["item_id"] as String?).map(ItemID.init),
                value: row["value"],
                query: row["query"],
                sessionID: (row["session_id"] as String?).map(SessionID.init),
                device: DeviceInfo(
                    platform: (row["platform"] as String?).flatMap(Platform.init(rawValue:)),
                    model: row["device_model"],
                    appVersion: row["app_version"]
                ),
                timestamp: Timestamp(millisecondsSinceEpoch: row["ts"]),
                context: try context.map { try decodeJSON([String: JSONValue].self, $0) }
            ),
            receivedAt: Timestamp(millisecondsSinceEpoch: row["received_at"])
        )
    }
}
