public import AisleCore
import Foundation
import PostgresNIO

/// Appending events on PostgreSQL (`EventStore`). An append locks the one row of
/// `event_counter` first and holds it to its commit, so appends from every node take their turn:
/// sequence numbers follow commit order (a training scan never passes a late commit), a shopper's
/// session is continued from their last stored event, and an `event_id` sent to two nodes at once
/// is stored once. Each node sends its concurrent calls as one transaction (group commit), so the
/// turns are few and large.
extension PostgresStore: EventStore {
    /// "u:" + the user's id: the owner of a user's events (and of a linked device's).
    static func owner(user: UserID) -> String { "u:" + user.rawValue }
    /// "d:" + the device's id: the owner of an unlinked device's events.
    static func owner(device: DeviceID) -> String { "d:" + device.rawValue }

    /// Takes the event log's lock until the transaction ends; returns the last sequence number.
    @discardableResult
    static func lockEventLog(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        for try await last in try await connection.query(
            "SELECT last FROM event_counter FOR UPDATE",
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
        let logger = self.logger
        let sessions = self.sessions
        return try await transaction { connection in
            var next = try await Self.lockEventLog(connection, logger: logger) + 1
            let all = requests.flatMap(\.events)
            var deviceOwners = try await Self.deviceOwners(
                Set(all.compactMap(\.deviceID?.rawValue)),
                connection,
                logger: logger
            )
            try await Self.linkDevices(of: requests, owners: &deviceOwners, connection: connection, logger: logger)
            let items = Array(Set(all.compactMap(\.itemID?.rawValue)))
            var knownItems = Set<CacheKey>()
            for try await id in try await connection.query(
                "SELECT id FROM items WHERE id = ANY(\(items)::text[])",
                logger: logger
            ).decode(String.self) {
                knownItems.insert(CacheKey(id))
            }
            var seenIDs = Set<CacheKey>()
            let eventIDs = Array(Set(all.compactMap(\.eventID?.rawValue)))
            for try await id in try await connection.query(
                "SELECT event_id FROM events WHERE event_id = ANY(\(eventIDs)::text[])",
                logger: logger
            ).decode(String.self) {
                seenIDs.insert(CacheKey(id))
            }
            // Owners as the events will be stored, for their last sessions.
            func owner(_ event: Event) -> CacheKey {
                if let user = event.userID { return CacheKey(Self.owner(user: user)) }
                guard let device = event.deviceID else { return CacheKey(Self.owner(device: DeviceID(""))) }
                if let user = deviceOwners[CacheKey(device.rawValue)] ?? nil { return CacheKey("u:" + user) }
                return CacheKey(Self.owner(device: device))
            }
            var lastSessions = try await Self.lastSessions(of: Set(all.map(owner)), connection, logger: logger)
            var rows = EventRows()
            var outcomes: [AppendOutcome] = []
            for request in requests {
                var outcome = AppendOutcome(rows: [], unknownItems: 0)
                for var event in request.events {
                    if let id = event.eventID?.rawValue {
                        // A repeated event_id: stored once already, so this row changes nothing.
                        guard seenIDs.insert(CacheKey(id)).inserted else {
                            outcome.rows.append(.duplicate)
                            continue
                        }
                    }
                    let actor = owner(event)
                    let previous = lastSessions[actor]
                    if let clientSession = event.sessionID {
                        // Remembered as the store would tell it: the latest event's session.
                        if previous.map({ $0.lastSeen <= event.timestamp }) ?? true {
                            lastSessions[actor] = SessionPolicy.State(
                                sessionID: clientSession,
                                lastSeen: event.timestamp
                            )
                        }
                    } else {
                        let assigned = sessions.assign(after: previous, actor: actor.text, at: event.timestamp)
                        lastSessions[actor] = assigned.state
                        event.sessionID = assigned.session
                    }
                    if let item = event.itemID, !knownItems.contains(CacheKey(item.rawValue)) {
                        outcome.unknownItems += 1
                    }
                    rows.append(event, sequence: next, owner: actor.text, receivedAt: request.receivedAt)
                    next += 1
                    outcome.rows.append(.accepted)
                }
                outcomes.append(outcome)
            }
            if rows.count > 0 {
                try await rows.insert(connection, logger: logger)
                try await connection.query("UPDATE event_counter SET last = \(next - 1)", logger: logger)
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
    private static func linkDevices(
        of requests: [AppendRequest],
        owners: inout [CacheKey: String?],
        connection: PostgresConnection,
        logger: Logger
    ) async throws {
        for request in requests where request.linking != .none {
            for event in request.events {
                guard let user = event.userID, let device = event.deviceID else { continue }
                let owner = owners[CacheKey(device.rawValue)] ?? nil
                if let owner, sameUTF8(owner, user.rawValue) { continue }
                switch request.linking {
                case .none:
                    continue
                case .unclaimed(let only):
                    if owner != nil { continue }
                    if let only, !sameUTF8(only.rawValue, user.rawValue) { continue }
                case .moving:
                    break
                }
                _ = try await link(device, to: user, at: request.receivedAt, connection: connection, logger: logger)
                owners[CacheKey(device.rawValue)] = .some(user.rawValue)
            }
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
    private static func lastSessions(of owners: Set<CacheKey>, _ connection: PostgresConnection, logger: Logger)
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

/// The columns of the events an append stores, as arrays for one `unnest` insert. Arrays of
/// parameters hold no NULL, so a per-row mask says which optional text is absent.
struct EventRows {
    private var sequences: [Int64] = []
    private var owners: [String] = []
    private var eventIDs: [String] = []
    private var types: [String] = []
    private var devices: [String] = []
    private var items: [String] = []
    private var values: [Double] = []
    private var queries: [String] = []
    private var sessions: [String] = []
    private var platforms: [String] = []
    private var models: [String] = []
    private var appVersions: [String] = []
    private var timestamps: [Int64] = []
    private var contexts: [String] = []
    private var receivedAts: [Int64] = []
    private var absent: [Int32] = []

    var count: Int { sequences.count }

    /// Bits of `absent`, one per optional column.
    private enum Absent {
        static let eventID: Int32 = 1
        static let device: Int32 = 2
        static let item: Int32 = 4
        static let value: Int32 = 8
        static let query: Int32 = 16
        static let session: Int32 = 32
        static let platform: Int32 = 64
        static let model: Int32 = 128
        static let appVersion: Int32 = 256
        static let context: Int32 = 512
    }

    mutating func append(_ event: Event, sequence: Int64, owner: String, receivedAt: Timestamp) {
        var mask: Int32 = 0
        func text(_ value: String?, _ bit: Int32) -> String {
            if value == nil { mask |= bit }
            return value ?? ""
        }
        sequences.append(sequence)
        owners.append(owner)
        eventIDs.append(text(event.eventID?.rawValue, Absent.eventID))
        types.append(event.type.rawValue)
        devices.append(text(event.deviceID?.rawValue, Absent.device))
        items.append(text(event.itemID?.rawValue, Absent.item))
        if event.value == nil { mask |= Absent.value }
        values.append(event.value ?? 0)
        queries.append(text(event.query, Absent.query))
        sessions.append(text(event.sessionID?.rawValue, Absent.session))
        platforms.append(text(event.device.platform?.rawValue, Absent.platform))
        models.append(text(event.device.model, Absent.model))
        appVersions.append(text(event.device.appVersion, Absent.appVersion))
        timestamps.append(event.timestamp.millisecondsSinceEpoch)
        contexts.append(text(event.context.map { JSONValue.object($0).jsonText }, Absent.context))
        receivedAts.append(receivedAt.millisecondsSinceEpoch)
        absent.append(mask)
    }

    func insert(_ connection: PostgresConnection, logger: Logger) async throws {
        func present(_ column: String, _ bit: Int32) -> String {
            "CASE WHEN absent & \(bit) = 0 THEN \(column) END"
        }
        try await connection.query(
            """
            INSERT INTO events (seq, owner, event_id, type, device_id, item_id, value, query, session_id, platform,
                device_model, app_version, ts, context, received_at)
            SELECT seq, owner, \(unescaped: present("event_id", Absent.eventID)), type,
                \(unescaped: present("device_id", Absent.device)), \(unescaped: present("item_id", Absent.item)),
                \(unescaped: present("value", Absent.value)), \(unescaped: present("query", Absent.query)),
                \(unescaped: present("session_id", Absent.session)), \(unescaped: present("platform", Absent.platform)),
                \(unescaped: present("device_model", Absent.model)),
                \(unescaped: present("app_version", Absent.appVersion)), ts,
                \(unescaped: present("context", Absent.context)), received_at
            FROM unnest(\(sequences)::bigint[], \(owners)::text[], \(eventIDs)::text[], \(types)::text[],
                \(devices)::text[], \(items)::text[], \(values)::float8[], \(queries)::text[], \(sessions)::text[],
                \(platforms)::text[], \(models)::text[], \(appVersions)::text[], \(timestamps)::bigint[],
                \(contexts)::text[], \(receivedAts)::bigint[], \(absent)::integer[])
                AS e(seq, owner, event_id, type, device_id, item_id, value, query, session_id, platform,
                    device_model, app_version, ts, context, received_at, absent)
            """,
            logger: logger
        )
    }
}
