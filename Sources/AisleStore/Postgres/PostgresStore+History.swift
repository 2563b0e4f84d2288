public import AisleCore
import Foundation
import PostgresNIO

/// Reading events back on PostgreSQL (`HistoryStore`, `StatisticsStore`): histories through the
/// owner index newest first, the log scans training and experiments read by sequence number.
extension PostgresStore: HistoryStore, StatisticsStore {
    static let eventColumns = """
        seq, owner, event_id, type, device_id, item_id, value, query, session_id, platform, device_model,
        app_version, ts, context, received_at
        """

    public func history(of user: UserID, types: [EventType], after cursor: HistoryCursor?, limit: Int) async throws
        -> [StoredEvent]
    {
        let statement = HistoryStatement(
            owner: Self.owner(user: user),
            types: types.map(\.rawValue),
            after: cursor,
            limit: max(0, limit)
        )
        let (client, logger) = (self.client, self.logger)
        let rows = try await guarded {
            var rows: [PostgresRow] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
        return try rows.map(Self.storedEvent)
    }

    public func anonymousHistory(of device: DeviceID, limit: Int) async throws -> [StoredEvent] {
        try await events(
            """
            SELECT \(unescaped: Self.eventColumns) FROM events WHERE owner = \(Self.owner(device: device))
            ORDER BY ts DESC, seq DESC LIMIT \(max(0, limit))
            """
        )
    }

    public func interactionEvents(after sequence: Int64, limit: Int) async throws -> [InteractionEvent] {
        var found: [InteractionEvent] = []
        found.reserveCapacity(max(0, min(limit, 100_000)))
        for try await (seq, owner, type, device, item, value, session, platform, ts) in try await query(
            """
            SELECT seq, owner, type, device_id, item_id, value, session_id, platform, ts FROM events
            WHERE seq > \(sequence) AND item_id IS NOT NULL ORDER BY seq LIMIT \(max(0, limit))
            """,
            logger: logger
        ).decode((Int64, String, String, String?, String, Double?, String?, String?, Int64).self) {
            found.append(
                InteractionEvent(
                    sequence: seq,
                    type: EventType(stored: type),
                    userID: Self.user(owning: owner),
                    deviceID: device.map(DeviceID.init),
                    itemID: ItemID(item),
                    value: value,
                    sessionID: session.map(SessionID.init),
                    platform: platform.flatMap(Platform.init(rawValue:)),
                    timestamp: Timestamp(millisecondsSinceEpoch: ts)
                )
            )
        }
        return found
    }

    public func latestSequence() async throws -> Int64 {
        for try await latest in try await query("SELECT COALESCE(MAX(seq), 0) FROM events", logger: logger)
            .decode(Int64.self)
        {
            return latest
        }
        return 0
    }

    public func ownedEvents(after sequence: Int64, types: Set<EventType>, limit: Int) async throws -> [OwnedEvent] {
        try await ownedEvents(
            """
            SELECT seq, owner, type, item_id, value, ts FROM events
            WHERE seq > \(sequence) AND type = ANY(\(types.map(\.rawValue))::text[])
            ORDER BY seq LIMIT \(max(0, limit))
            """
        )
    }

    public func ownedEvents(of owners: [String], types: Set<EventType>, since: Timestamp, through sequence: Int64)
        async throws -> [OwnedEvent]
    {
        try await ownedEvents(
            """
            SELECT seq, owner, type, item_id, value, ts FROM events
            WHERE owner = ANY(\(owners)::text[]) AND ts >= \(since.millisecondsSinceEpoch) AND seq <= \(sequence)
                AND type = ANY(\(types.map(\.rawValue))::text[])
            """
        )
    }

    private func ownedEvents(_ query: PostgresQuery) async throws -> [OwnedEvent] {
        var found: [OwnedEvent] = []
        for try await (seq, owner, type, item, value, ts) in try await self.query(query, logger: logger).decode(
            (Int64, String, String, String?, Double?, Int64).self
        ) {
            found.append(
                OwnedEvent(
                    sequence: seq,
                    owner: owner,
                    type: EventType(stored: type),
                    itemID: item.map(ItemID.init),
                    value: value,
                    timestamp: Timestamp(millisecondsSinceEpoch: ts)
                )
            )
        }
        return found
    }

    public func counts() async throws -> StoreCounts {
        // Users and devices are counted where they show: profiles, event owners and device links.
        let rows = try await query(
            """
            SELECT
                (SELECT COUNT(*) FROM items WHERE deleted_at IS NULL),
                (SELECT COUNT(*) FROM (
                    SELECT id FROM users
                    UNION SELECT DISTINCT substr(owner, 3) FROM events WHERE owner >= 'u:' AND owner < 'u;'
                    UNION SELECT user_id FROM device_links) AS u),
                (SELECT COUNT(*) FROM (
                    SELECT device_id FROM device_links
                    UNION SELECT DISTINCT substr(owner, 3) FROM events WHERE owner >= 'd:' AND owner < 'd;') AS d),
                (SELECT COUNT(*) FROM events),
                (SELECT COUNT(*) FROM reviews)
            """,
            logger: logger
        )
        for try await (items, users, devices, events, reviews) in rows.decode((Int, Int, Int, Int, Int).self) {
            return StoreCounts(items: items, users: users, devices: devices, events: events, reviews: reviews)
        }
        return StoreCounts(items: 0, users: 0, devices: 0, events: 0, reviews: 0)
    }

    public func newestEvents(limit: Int) async throws -> [StoredEvent] {
        try await events(
            "SELECT \(unescaped: Self.eventColumns) FROM events ORDER BY seq DESC LIMIT \(max(0, limit))"
        )
    }

    /// The user an owner key names, nil for a device's.
    static func user(owning owner: String) -> UserID? {
        owner.hasPrefix("u:") ? UserID(String(owner.dropFirst(2))) : nil
    }

    /// Events selected as `eventColumns`.
    func events(_ query: PostgresQuery) async throws -> [StoredEvent] {
        var found: [StoredEvent] = []
        for try await row in try await self.query(query, logger: logger) { found.append(try Self.storedEvent(row)) }
        return found
    }

    /// An event row selected as `eventColumns`.
    static func storedEvent(_ row: PostgresRow) throws -> StoredEvent {
        let columns = row.makeRandomAccess()
        func text(_ index: Int) throws -> String? { try columns[index].decode(String?.self) }
        let seq = try columns[0].decode(Int64.self)
        let owner = try columns[1].decode(String.self)
        let eventID = try text(2)
        let type = try columns[3].decode(String.self)
        let (device, item) = (try text(4), try text(5))
        let value = try columns[6].decode(Double?.self)
        let (query, session, platform, model, appVersion) = (
            try text(7), try text(8), try text(9), try text(10), try text(11)
        )
        let ts = try columns[12].decode(Int64.self)
        let context = try text(13)
        let receivedAt = try columns[14].decode(Int64.self)
        return StoredEvent(
            sequence: seq,
            event: Event(
                eventID: eventID.map(EventID.init),
                type: EventType(stored: type),
                userID: Self.user(owning: owner),
                deviceID: device.map(DeviceID.init),
                itemID: item.map(ItemID.init),
                value: value,
                query: query,
                sessionID: session.map(SessionID.init),
                device: DeviceInfo(
                    platform: platform.flatMap(Platform.init(rawValue:)),
                    model: model,
                    appVersion: appVersion
                ),
                timestamp: Timestamp(millisecondsSinceEpoch: ts),
                context: try context.map { try SQLiteStore.decodeJSON([String: JSONValue].self, $0) }
            ),
            receivedAt: Timestamp(millisecondsSinceEpoch: receivedAt)
        )
    }
}

/// A shopper's newest events (`history`), prepared once per connection: the hottest read.
struct HistoryStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT \(PostgresStore.eventColumns) FROM events
        WHERE owner = $1 AND (cardinality($2::text[]) = 0 OR type = ANY($2::text[]))
            AND ($3 OR ts < $4 OR (ts = $4 AND seq < $5))
        ORDER BY ts DESC, seq DESC LIMIT $6
        """
    typealias Row = PostgresRow

    var owner: String
    var types: [String]
    var after: HistoryCursor?
    var limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(owner)
        bindings.append(types)
        bindings.append(after == nil)
        bindings.append(after?.timestamp.millisecondsSinceEpoch ?? 0)
        bindings.append(after?.sequence ?? 0)
        bindings.append(Int64(limit))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
