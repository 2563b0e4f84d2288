public import AisleCore
import Foundation
import PostgresNIO
import Synchronization

/// Appending events on PostgreSQL (`EventStore`). Every write to the event log (an append, a
/// device link, an erasure, an import) updates the one row of `event_counter` and holds its lock
/// to its commit (`aisle migrate`, which fills an empty database before any node serves it, sets
/// the counter at its end), so writes from every node take their turn: sequence numbers follow
/// commit order (a training scan never passes a late commit), a shopper's session is continued
/// from their last stored event, and an `event_id` sent to two nodes at once is stored once. Each
/// node sends its concurrent calls as one transaction (group commit), so the turns are few and
/// large.
///
/// An append first tries two round trips: it reads what it needs and the counter row's version
/// (`xmin`) without a lock, then inserts in one statement that moves the counter only if that
/// version is still the row's, so nothing was written in between. When another write came first,
/// it takes the lock and reads again (five more round trips), as it does for a while after such a
/// miss and whenever the events link a device.
extension PostgresStore: EventStore {
    /// "u:" + the user's id: the owner of a user's events (and of a linked device's).
    static func owner(user: UserID) -> String { "u:" + user.rawValue }
    /// "d:" + the device's id: the owner of an unlinked device's events.
    static func owner(device: DeviceID) -> String { "d:" + device.rawValue }

    /// The owner an event is stored under: its user, else its device's user when the device is
    /// linked (`deviceOwners`: each device's user, or nil), else its device.
    static func storedOwner(of event: Event, deviceOwners: [CacheKey: String?]) -> CacheKey {
        if let user = event.userID { return CacheKey(owner(user: user)) }
        guard let device = event.deviceID else { return CacheKey(owner(device: DeviceID(""))) }
        if let user = deviceOwners[CacheKey(device.rawValue)] ?? nil { return CacheKey(owner(user: UserID(user))) }
        return CacheKey(owner(device: device))
    }

    /// Takes the event log's lock until the transaction ends; returns the last sequence number.
    /// An update, not `SELECT … FOR UPDATE`: the row's new version (`xmin`) tells an optimistic
    /// append that the log changed since it read it.
    @discardableResult
    static func lockEventLog(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        for try await last in try await connection.query(
            "UPDATE event_counter SET last = last RETURNING last",
            logger: logger
        ).decode(Int64.self) {
            return last
        }
        throw AisleError(code: .unavailable, message: "the event counter row is missing (run the migrations)")
    }

    public func appendEvents(_ events: [Event], receivedAt: Timestamp, linking: DeviceLinking) async throws
        -> AppendOutcome
    {
        if events.isEmpty { return AppendOutcome(rows: [], unknownItems: 0) }
        return try await appends.submit(AppendRequest(events: events, receivedAt: receivedAt, linking: linking)) {
            requests in
            try await self.appendInTransaction(requests)
        }
    }

    private func appendInTransaction(_ requests: [AppendRequest]) async throws -> [AppendOutcome] {
        if bulk.withLock({ $0 != nil }) { return try await appendBulk(requests) }
        let now = ContinuousClock.now
        if optimisticMiss.withLock({ $0.map { now - $0 > Self.lockedAfterMiss } ?? true }) {
            switch try await appendOptimistically(requests) {
            case .stored(let outcomes): return outcomes
            case .changed: optimisticMiss.withLock { $0 = ContinuousClock.now }
            case .needsLock: break
            }
        }
        return try await appendLocked(requests)
    }

    /// How an append without the lock ended; nothing is written unless `stored`.
    private enum OptimisticAppend: Sendable {
        case stored([AppendOutcome])
        /// Another write to the log came between the read and the write.
        case changed
        /// The events link a device (or the counter row is missing): only the locked path does that.
        case needsLock
    }

    /// How long appends take the lock first after an optimistic append found the log changed
    /// (another node is appending too: a second try would likely miss again).
    static let lockedAfterMiss = Duration.seconds(1)

    /// The append in two round trips, unless the log changed since the read or a device must be
    /// linked: then nothing was written.
    private func appendOptimistically(_ requests: [AppendRequest]) async throws -> OptimisticAppend {
        let logger = self.logger
        let sessions = self.sessions
        return try await withConnection { connection in
            let all = requests.flatMap(\.events)
            var known = try await AppendContext.read(for: all, connection, logger: logger)
            guard let version = known.counter else { return .needsLock }
            if Self.linksDevice(requests, owners: known.deviceOwners) { return .needsLock }
            let (outcomes, placement) = known.place(
                requests,
                from: version.last + 1,
                deviceOwners: known.deviceOwners,
                lastSessions: known.lastSessions,
                sessions: sessions
            )
            // Every event stored already: nothing to write.
            if placement.rows.count == 0 { return .stored(outcomes) }
            let stored = try await placement.rows.insert(
                connection,
                logger: logger,
                lastSequence: placement.next - 1,
                ifCounterIs: version.xmin
            )
            return stored ? .stored(outcomes) : .changed
        }
    }

    /// The append under the event log's lock.
    private func appendLocked(_ requests: [AppendRequest]) async throws -> [AppendOutcome] {
        let logger = self.logger
        let sessions = self.sessions
        return try await transaction { connection in
            let last = try await Self.lockEventLog(connection, logger: logger)
            let all = requests.flatMap(\.events)
            // What the append needs to know, read in one statement after the lock (so it sees
            // every append committed before this one): device links, known items, event ids
            // stored already, and the last session of every owner the events may get.
            var known = try await AppendContext.read(for: all, connection, logger: logger)
            var deviceOwners = known.deviceOwners
            let linked = try await Self.linkDevices(
                of: requests,
                owners: &deviceOwners,
                connection: connection,
                logger: logger
            )
            var lastSessions = known.lastSessions
            if !linked.isEmpty {
                // A link moved a device's events to its user: the user's last session may be one of them.
                let owners = Set(linked.map { CacheKey(Self.owner(user: $0)) })
                for (owner, state) in try await Self.lastSessions(of: owners, connection, logger: logger) {
                    lastSessions[owner] = state
                }
            }
            let (outcomes, placement) = known.place(
                requests,
                from: last + 1,
                deviceOwners: deviceOwners,
                lastSessions: lastSessions,
                sessions: sessions
            )
            if placement.rows.count > 0 {
                try await placement.rows.insert(connection, logger: logger, lastSequence: placement.next - 1)
            }
            return outcomes
        }
    }

    /// The users the devices are linked to (nil: none), read inside the append's transaction.
    static func deviceOwners(_ devices: Set<String>, _ connection: PostgresConnection, logger: Logger) async throws
        -> [CacheKey: String?]
    {
        var owners: [CacheKey: String?] = [:]
        for device in devices { owners[CacheKey(device)] = .some(nil) }
        for try await (device, user) in try await connection.query(
            "SELECT device_id, user_id FROM device_links WHERE device_id = ANY(\(Array(devices))::text[])",
            logger: logger
        ).decode((String, String).self) {
            owners[CacheKey(device)] = .some(user)
        }
        return owners
    }

    /// Links the devices of events that carry both ids, as `identify` would, before any event
    /// is placed: the device's earlier anonymous events and its later device-only ones become
    /// the user's.
    /// Returns the users that got a device.
    private static func linkDevices(
        of requests: [AppendRequest],
        owners: inout [CacheKey: String?],
        connection: PostgresConnection,
        logger: Logger
    ) async throws -> [UserID] {
        var linked: [UserID] = []
        for request in requests where request.linking != .none {
            for event in request.events {
                guard let (device, user) = linkToMake(by: event, linking: request.linking, owners: owners) else {
                    continue
                }
                _ = try await link(device, to: user, at: request.receivedAt, connection: connection, logger: logger)
                owners[CacheKey(device.rawValue)] = .some(user.rawValue)
                linked.append(user)
            }
        }
        return linked
    }

    /// The device `event` links to its user under `linking`, given each device's current user;
    /// nil when it links nothing.
    private static func linkToMake(by event: Event, linking: DeviceLinking, owners: [CacheKey: String?]) -> (
        DeviceID, UserID
    )? {
        guard let user = event.userID, let device = event.deviceID else { return nil }
        let owner = owners[CacheKey(device.rawValue)] ?? nil
        if let owner, sameUTF8(owner, user.rawValue) { return nil }
        switch linking {
        case .none:
            return nil
        case .unclaimed(let only):
            if owner != nil { return nil }
            if let only, !sameUTF8(only.rawValue, user.rawValue) { return nil }
        case .moving:
            break
        }
        return (device, user)
    }

    /// Whether some event of `requests` links a device (which needs the event log's lock).
    private static func linksDevice(_ requests: [AppendRequest], owners: [CacheKey: String?]) -> Bool {
        requests.contains { request in
            request.events.contains { linkToMake(by: $0, linking: request.linking, owners: owners) != nil }
        }
    }

    /// Links `device` to `user` inside the running transaction (which holds the event log's
    /// lock): the device's anonymous events become the user's. Returns how many.
    static func link(
        _ device: DeviceID,
        to user: UserID,
        at now: Timestamp,
        connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int {
        try await connection.query(
            """
            INSERT INTO device_links (device_id, user_id, linked_at)
            VALUES (\(device.rawValue), \(user.rawValue), \(now.millisecondsSinceEpoch))
            ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at
            """,
            logger: logger
        )
        return try await connection.query(
            "UPDATE events SET owner = \(owner(user: user)) WHERE owner = \(owner(device: device)) RETURNING seq",
            logger: logger
        ).collect().count
    }

    /// Each owner's latest session: that of their latest event (by time, then sequence).
    static func lastSessions(of owners: Set<CacheKey>, _ connection: PostgresConnection, logger: Logger)
        async throws -> [CacheKey: SessionPolicy.State]
    {
        var sessions: [CacheKey: SessionPolicy.State] = [:]
        for try await (owner, session, timestamp) in try await connection.query(
            """
            SELECT o.owner, e.session_id, e.ts FROM unnest(\(owners.map(\.text))::text[]) AS o(owner)
            CROSS JOIN LATERAL (SELECT session_id, ts FROM events WHERE events.owner = o.owner
                ORDER BY ts DESC, seq DESC LIMIT 1) e
            """,
            logger: logger
        ).decode((String, String?, Int64).self) {
            guard let session else { continue }
            sessions[CacheKey(owner)] = SessionPolicy.State(
                sessionID: SessionID(session),
                lastSeen: Timestamp(millisecondsSinceEpoch: timestamp)
            )
        }
        return sessions
    }
}

/// Gives each new event of an append its sequence number, owner and session, in order, and
/// collects the rows to store: the one place both append paths (a request's, an import's) decide
/// what is stored.
struct EventPlacement {
    var next: Int64
    var lastSessions: [CacheKey: SessionPolicy.State]
    let sessions: SessionPolicy
    var rows = EventRows()

    /// `owner` names the owner an event is stored under; `isNew` says whether an `event_id` is
    /// seen for the first time (and remembers it); `isKnownItem` whether an item is in the catalog.
    mutating func place(
        _ requests: [AppendRequest],
        owner: (Event) -> CacheKey,
        isNew: (String) -> Bool,
        isKnownItem: (String) -> Bool
    ) -> [AppendOutcome] {
        var outcomes: [AppendOutcome] = []
        for request in requests {
            var outcome = AppendOutcome(rows: [], unknownItems: 0)
            for var event in request.events {
                // A repeated event_id: stored once already, so this row changes nothing.
                if let id = event.eventID?.rawValue, !isNew(id) {
                    outcome.rows.append(.duplicate)
                    continue
                }
                let actor = owner(event)
                let previous = lastSessions[actor]
                if let clientSession = event.sessionID {
                    // Remembered as the store would tell it: the latest event's session.
                    if previous.map({ $0.lastSeen <= event.timestamp }) ?? true {
                        lastSessions[actor] = SessionPolicy.State(sessionID: clientSession, lastSeen: event.timestamp)
                    }
                } else {
                    let assigned = sessions.assign(after: previous, actor: actor.text, at: event.timestamp)
                    lastSessions[actor] = assigned.state
                    event.sessionID = assigned.session
                }
                if let item = event.itemID, !isKnownItem(item.rawValue) {
                    outcome.unknownItems += 1
                }
                rows.append(event, sequence: next, owner: actor.text, receivedAt: request.receivedAt)
                next += 1
                outcome.rows.append(.accepted)
            }
            outcomes.append(outcome)
        }
        return outcomes
    }
}

/// What an append reads in one round trip: under the event log's lock, or without it and then
/// with the counter row's version, for the write to check.
struct AppendContext {
    /// Each device of the events: the user it is linked to, or nil.
    var deviceOwners: [CacheKey: String?] = [:]
    /// The events' items that are in the catalog.
    var items = Set<CacheKey>()
    /// The events' `event_id`s stored already.
    var eventIDs = Set<CacheKey>()
    /// The last session of each owner the events may be stored under: their users, their
    /// devices, and the users their devices are linked to.
    var lastSessions: [CacheKey: SessionPolicy.State] = [:]
    /// The event counter as read: its row's version and the last sequence number.
    var counter: (xmin: String, last: Int64)?

    /// Places the requests' events from sequence number `first` on, owned as `deviceOwners` say
    /// and continuing `lastSessions`; an event id is new once (and is remembered here). Both
    /// append paths, with and without the lock, decide what is stored so.
    mutating func place(
        _ requests: [AppendRequest],
        from first: Int64,
        deviceOwners: [CacheKey: String?],
        lastSessions: [CacheKey: SessionPolicy.State],
        sessions: SessionPolicy
    ) -> (outcomes: [AppendOutcome], placement: EventPlacement) {
        var placement = EventPlacement(next: first, lastSessions: lastSessions, sessions: sessions)
        let outcomes = placement.place(
            requests,
            owner: { PostgresStore.storedOwner(of: $0, deviceOwners: deviceOwners) },
            isNew: { eventIDs.insert(CacheKey($0)).inserted },
            isKnownItem: { items.contains(CacheKey($0)) }
        )
        return (outcomes, placement)
    }

    static func read(for events: [Event], _ connection: PostgresConnection, logger: Logger) async throws
        -> AppendContext
    {
        var context = AppendContext()
        var devices = Set<String>()
        var owners = Set<String>()
        for event in events {
            if let user = event.userID { owners.insert(PostgresStore.owner(user: user)) }
            if let device = event.deviceID {
                devices.insert(device.rawValue)
                owners.insert(PostgresStore.owner(device: device))
            } else if event.userID == nil {
                owners.insert(PostgresStore.owner(device: DeviceID("")))
            }
        }
        for device in devices { context.deviceOwners[CacheKey(device)] = .some(nil) }
        let items = Array(Set(events.compactMap(\.itemID?.rawValue)))
        let eventIDs = Array(Set(events.compactMap(\.eventID?.rawValue)))
        let statement = ReadStatement(devices: Array(devices), owners: Array(owners), items: items, eventIDs: eventIDs)
        for try await (kind, key, value, time) in try await connection.execute(statement, logger: logger) {
            switch kind {
            case 0: context.deviceOwners[CacheKey(key)] = .some(value)
            case 1: context.items.insert(CacheKey(key))
            case 2: context.eventIDs.insert(CacheKey(key))
            case 4: context.counter = (key, time)
            default:
                guard let value else { continue }
                context.lastSessions[CacheKey(key)] = SessionPolicy.State(
                    sessionID: SessionID(value),
                    lastSeen: Timestamp(millisecondsSinceEpoch: time)
                )
            }
        }
        return context
    }

    /// The read, prepared once per connection. Rows: kind 0, a device's link (key, user); 1, a
    /// known item; 2, a stored event id; 3, an owner's last session (key, session, time); 4, the
    /// event counter (its row's version, the last sequence number), all of one snapshot.
    struct ReadStatement: PostgresPreparedStatement {
        static let sql = """
            WITH links AS (SELECT device_id, user_id FROM device_links WHERE device_id = ANY($1::text[])),
            owners AS (SELECT unnest($2::text[]) AS owner UNION SELECT 'u:' || user_id FROM links)
            SELECT 0, device_id, user_id, 0::bigint FROM links
            UNION ALL SELECT 1, id, NULL, 0 FROM items WHERE id = ANY($3::text[])
            UNION ALL SELECT 2, event_id, NULL, 0 FROM events WHERE event_id = ANY($4::text[])
            UNION ALL SELECT 3, o.owner, e.session_id, e.ts FROM owners o
                CROSS JOIN LATERAL (SELECT session_id, ts FROM events WHERE events.owner = o.owner
                    ORDER BY ts DESC, seq DESC LIMIT 1) e
            UNION ALL SELECT 4, xmin::text, NULL, last FROM event_counter
            """
        typealias Row = (Int32, String, String?, Int64)

        let devices: [String]
        let owners: [String]
        let items: [String]
        let eventIDs: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(devices)
            bindings.append(owners)
            bindings.append(items)
            bindings.append(eventIDs)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
