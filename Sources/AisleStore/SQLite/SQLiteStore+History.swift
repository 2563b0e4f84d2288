public import AisleCore
import Foundation
import GRDB

/// Reading events back: a user's merged history, a device's anonymous one, and the
/// sequence scan training reads.
extension SQLiteStore {
    public func history(of user: UserID, types: [EventType], after cursor: HistoryCursor?, limit: Int) async throws
        -> [StoredEvent]
    {
        try await read { db in
            let wanted = Set(types.map { CacheKey($0.rawValue) })
            return try Self.newestEvents(
                of: Self.actorKey(user: user, device: nil).text,
                after: cursor,
                limit: limit,
                db: db
            ) { wanted.isEmpty || wanted.contains(CacheKey($0.event.type.rawValue)) }
            .map { try $0.stored() }
        }
    }

    public func anonymousHistory(of device: DeviceID, limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            try Self.newestEvents(of: Self.actorKey(user: nil, device: device).text, after: nil, limit: limit, db: db) {
                _ in true
            }
            .map { try $0.stored() }
        }
    }

    public func interactionEvents(after sequence: Int64, limit: Int) async throws -> [InteractionEvent] {
        try await read { db in
            let rows = try Self.blocks(holdingEventsAfter: sequence, db: db)
            var events: [InteractionEvent] = []
            events.reserveCapacity(limit)
            while events.count < limit, let row = try rows.next() {
                for stored in try Self.decode(row) where stored.sequence > sequence {
                    guard let item = stored.event.itemID else { continue }
                    events.append(
                        InteractionEvent(
                            sequence: stored.sequence,
                            type: stored.event.type,
                            userID: stored.event.userID,
                            deviceID: stored.event.deviceID,
                            itemID: item,
                            value: stored.event.value,
                            sessionID: stored.event.sessionID,
                            platform: stored.event.device.platform,
                            timestamp: stored.event.timestamp
                        )
                    )
                    if events.count == limit { break }
                }
            }
            return events
        }
    }

    public func ownedEvents(after sequence: Int64, types: Set<EventType>, limit: Int) async throws -> [OwnedEvent] {
        try await read { db in
            let rows = try Self.blocks(holdingEventsAfter: sequence, db: db)
            var events: [OwnedEvent] = []
            while events.count < limit, let row = try rows.next() {
                let owner: String = row[1]
                for stored in try Self.decode(row) where stored.sequence > sequence && types.contains(stored.event.type)
                {
                    events.append(OwnedEvent(stored, owner: owner))
                    if events.count == limit { break }
                }
            }
            return events
        }
    }

    public func ownedEvents(of owners: [String], types: Set<EventType>, since: Timestamp, through sequence: Int64)
        async throws -> [OwnedEvent]
    {
        try await read { db in
            var events: [OwnedEvent] = []
            for owner in owners {
                // Newest blocks first: stop at the first block wholly older than `since`.
                try Self.forEachBlock(
                    of: owner,
                    db: db,
                    continuing: { $0 >= since.millisecondsSinceEpoch },
                    visit: { block in
                        for stored in block
                        where stored.sequence <= sequence && stored.event.timestamp >= since
                            && types.contains(stored.event.type)
                        {
                            events.append(OwnedEvent(stored, owner: owner))
                        }
                    }
                )
            }
            return events
        }
    }

    /// The blocks that may hold events after `sequence`, in arrival order (the log scans). A
    /// block holds at most maxEventsPerBlock events, so one holding a number past `sequence`
    /// starts after sequence - maxEventsPerBlock.
    static func blocks(holdingEventsAfter sequence: Int64, db: Database) throws -> RowCursor {
        try Row.fetchCursor(
            db.cachedStatement(
                sql:
                    "SELECT first_seq, owner, attributed, events FROM event_blocks WHERE first_seq > ? ORDER BY first_seq"
            ),
            arguments: [sequence - Int64(EventBlockWriter.maxEventsPerBlock)]
        )
    }

    public func latestSequence() async throws -> Int64 {
        try await read { db in try Self.nextSequence(db) - 1 }
    }

    /// The newest `limit` events of `owner` that pass `include`, before `cursor` if given,
    /// newest first (timestamp, then sequence). Blocks are read newest first and the reading
    /// stops once no further block can hold a newer event than the ones kept.
    static func newestEvents(
        of owner: String,
        after cursor: HistoryCursor?,
        limit: Int,
        db: Database,
        including include: (BlockEvent) -> Bool
    ) throws -> [BlockEvent] {
        guard limit > 0 else { return [] }
        var kept: [BlockEvent] = []
        var threshold: Int64?
        try forEachBlock(
            of: owner,
            startingAtOrBefore: cursor?.timestamp.millisecondsSinceEpoch,
            db: db,
            continuing: { maxTimestamp in threshold.map { maxTimestamp >= $0 } ?? true },
            visit: { events in
                for event in events where include(event) {
                    if let cursor {
                        let timestamp = event.event.timestamp
                        guard
                            timestamp < cursor.timestamp
                                || (timestamp == cursor.timestamp && event.sequence < cursor.sequence)
                        else { continue }
                    }
                    kept.append(event)
                }
                if kept.count >= limit {
                    kept.sort { isNewer($0, than: $1) }
                    kept.removeLast(kept.count - limit)
                    threshold = kept.last?.event.timestamp.millisecondsSinceEpoch
                }
            }
        )
        kept.sort { isNewer($0, than: $1) }
        return Array(kept.prefix(limit))
    }

    static func isNewer(_ event: BlockEvent, than other: BlockEvent) -> Bool {
        (event.event.timestamp, event.sequence) > (other.event.timestamp, other.sequence)
    }

    /// Visits the blocks of `owner` by newest timestamp first. `continuing` is asked with each
    /// block's newest timestamp before it is read; false ends the visit.
    static func forEachBlock(
        of owner: String,
        startingAtOrBefore oldest: Int64? = nil,
        db: Database,
        continuing: (Int64) -> Bool,
        visit: ([BlockEvent]) throws -> Void
    ) throws {
        var sql = "SELECT first_seq, owner, attributed, events, max_ts FROM event_blocks WHERE owner = ?"
        var arguments: StatementArguments = [owner]
        if let oldest {
            sql += " AND min_ts <= ?"
            arguments += [oldest]
        }
        sql += " ORDER BY max_ts DESC, first_seq DESC"
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            guard continuing(row[4]) else { return }
            try visit(try decode(row))
        }
    }

    /// The events of a block row selected as (first_seq, owner, attributed, events, …).
    static func decode(_ row: Row) throws -> [BlockEvent] {
        let blob: Data = row[3]
        return try EventBlockDecoder.events(
            [UInt8](blob),
            firstSequence: row[0],
            owner: row[1],
            attributed: (row[2] as Int64) != 0
        )
    }
}

extension OwnedEvent {
    init(_ stored: BlockEvent, owner: String) {
        self.init(
            sequence: stored.sequence,
            owner: owner,
            type: stored.event.type,
            itemID: stored.event.itemID,
            value: stored.event.value,
            timestamp: stored.event.timestamp
        )
    }
}
