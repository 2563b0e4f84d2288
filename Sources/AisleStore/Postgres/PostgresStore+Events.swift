public import AisleCore
import Foundation
import PostgresNIO
import Synchronization

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

    /// The owner an event is stored under: its user, else its device's user when the device is
    /// linked (`deviceOwners`: each device's user, or nil), else its device.
    static func storedOwner(of event: Event, deviceOwners: [CacheKey: String?]) -> CacheKey {
        if let user = event.userID { return CacheKey(owner(user: user)) }
        guard let device = event.deviceID else { return CacheKey(owner(device: DeviceID(""))) }
        if let user = deviceOwners[CacheKey(device.rawValue)] ?? nil { return CacheKey(owner(user: UserID(user))) }
        return CacheKey(owner(device: device))
    }

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
        if bulk.withLock({ $0 != nil }) { return try await appendBulk(requests) }
        let logger = self.logger
        let sessions = self.sessions
        return try await transaction { connection in
            var next = try await Self.lockEventLog(connection, logger: logger) + 1
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
            let owners = deviceOwners
            func owner(_ event: Event) -> CacheKey { Self.storedOwner(of: event, deviceOwners: owners) }
            var lastSessions = known.lastSessions
            if !linked.isEmpty {
                // A link moved a device's events to its user: the user's last session may be one of them.
                let owners = Set(linked.map { CacheKey(Self.owner(user: $0)) })
                for (owner, state) in try await Self.lastSessions(of: owners, connection, logger: logger) {
                    lastSessions[owner] = state
                }
            }
            var placement = EventPlacement(next: next, lastSessions: lastSessions, sessions: sessions)
            let outcomes = placement.place(
                requests,
                owner: owner,
                isNew: { known.eventIDs.insert(CacheKey($0)).inserted },
                isKnownItem: { known.items.contains(CacheKey($0)) }
            )
            let rows = placement.rows
            next = placement.next
            if rows.count > 0 {
                try await rows.insert(connection, logger: logger, lastSequence: next - 1)
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
                linked.append(user)
            }
        }
        return linked
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

    /// Calls `body` with each row's sequence number and event id, for rows that have one.
    func forEachEventID(_ body: (Int64, String) -> Void) {
        for row in sequences.indices where absent[row] & Absent.eventID == 0 {
            body(sequences[row], eventIDs[row])
        }
    }

    /// The column names, in the order of `insert` and `copy`.
    static let columns = [
        "seq", "owner", "event_id", "type", "device_id", "item_id", "value", "query", "session_id", "platform",
        "device_model", "app_version", "ts", "context", "received_at",
    ]

    /// Streams the rows with `COPY … FROM STDIN` (text format: tab-separated, `\N` for NULL,
    /// backslash escapes), the fastest way into a table (an import's path).
    func copy(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(table: "events", columns: Self.columns, logger: logger) { writer in
            var text = CopyText()
            for row in sequences.indices {
                let absent = self.absent[row]
                text.integer(sequences[row])
                text.field(owners[row])
                text.field(eventIDs[row], absent: absent & Absent.eventID != 0)
                text.field(types[row])
                text.field(devices[row], absent: absent & Absent.device != 0)
                text.field(items[row], absent: absent & Absent.item != 0)
                // Swift's shortest form that reads back as the same double.
                let noValue = absent & Absent.value != 0
                text.field(noValue ? "" : values[row].description, absent: noValue)
                text.field(queries[row], absent: absent & Absent.query != 0)
                text.field(sessions[row], absent: absent & Absent.session != 0)
                text.field(platforms[row], absent: absent & Absent.platform != 0)
                text.field(models[row], absent: absent & Absent.model != 0)
                text.field(appVersions[row], absent: absent & Absent.appVersion != 0)
                text.separator()
                text.integer(timestamps[row])
                text.field(contexts[row], absent: absent & Absent.context != 0)
                text.separator()
                text.integer(receivedAts[row])
                text.endRow()
                if text.bytes.count >= 1 << 20 {
                    try await writer.write(ByteBuffer(bytes: text.bytes))
                    text.bytes.removeAll(keepingCapacity: true)
                }
            }
            if !text.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: text.bytes)) }
        }
    }

    /// Inserts the rows and moves the event counter to `lastSequence`, in one statement.
    func insert(_ connection: PostgresConnection, logger: Logger, lastSequence: Int64) async throws {
        _ = try await connection.execute(Insert(rows: self, lastSequence: lastSequence), logger: logger)
    }

    /// The rows' insert and the counter's move, prepared once per connection (every append
    /// runs it).
    struct Insert: PostgresPreparedStatement {
        static let sql = """
            WITH inserted AS (INSERT INTO events (seq, owner, event_id, type, device_id, item_id, value, query,
                session_id, platform, device_model, app_version, ts, context, received_at)
            SELECT seq, owner, \(present("event_id", Absent.eventID)), type, \(present("device_id", Absent.device)),
                \(present("item_id", Absent.item)), \(present("value", Absent.value)),
                \(present("query", Absent.query)), \(present("session_id", Absent.session)),
                \(present("platform", Absent.platform)), \(present("device_model", Absent.model)),
                \(present("app_version", Absent.appVersion)), ts, \(present("context", Absent.context)), received_at
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[],
                $15::bigint[], $16::integer[])
                AS e(seq, owner, event_id, type, device_id, item_id, value, query, session_id, platform,
                    device_model, app_version, ts, context, received_at, absent))
            UPDATE event_counter SET last = $17
            """
        typealias Row = ()

        let rows: EventRows
        let lastSequence: Int64

        static func present(_ column: String, _ bit: Int32) -> String {
            "CASE WHEN absent & \(bit) = 0 THEN \(column) END"
        }

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(rows.sequences)
            bindings.append(rows.owners)
            bindings.append(rows.eventIDs)
            bindings.append(rows.types)
            bindings.append(rows.devices)
            bindings.append(rows.items)
            bindings.append(rows.values)
            bindings.append(rows.queries)
            bindings.append(rows.sessions)
            bindings.append(rows.platforms)
            bindings.append(rows.models)
            bindings.append(rows.appVersions)
            bindings.append(rows.timestamps)
            bindings.append(rows.contexts)
            bindings.append(rows.receivedAts)
            bindings.append(rows.absent)
            bindings.append(lastSequence)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws {}
    }
}

/// What an append reads under the event log's lock, in one round trip.
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
    /// known item; 2, a stored event id; 3, an owner's last session (key, session, time).
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

/// Rows in `COPY`'s text format: fields separated by tabs, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped with a backslash.
struct CopyText {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity((1 << 20) + 4096) }

    mutating func separator() { bytes.append(UInt8(ascii: "\t")) }

    mutating func endRow() { bytes.append(UInt8(ascii: "\n")) }

    /// A tab, then the text (or NULL).
    mutating func field(_ text: String, absent: Bool = false) {
        separator()
        if absent {
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "N"))
            return
        }
        var text = text
        text.withUTF8 { utf8 in
            // Most text needs no escape: copied whole.
            guard utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 92: bytes.append(92); bytes.append(92)
                case 9: bytes.append(92); bytes.append(UInt8(ascii: "t"))
                case 10: bytes.append(92); bytes.append(UInt8(ascii: "n"))
                case 13: bytes.append(92); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }

    /// A number in decimal, without a separator before it.
    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { digits in
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[index]) }
        }
    }
}
