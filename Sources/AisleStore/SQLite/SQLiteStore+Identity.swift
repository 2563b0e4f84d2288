public import AisleCore
import Foundation
import GRDB

/// Identity: linking devices to users, the links, and erasing a user.
extension SQLiteStore {
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
            let attributed = try self.link(device, to: user, at: now, db: db, state: &state)
            self.putCache(state, after: db)
            return IdentifyOutcome(
                previousUser: changedHands ? previous.map(UserID.init) : nil,
                eventsAttributed: attributed
            )
        }
    }

    public func devices(of user: UserID) async throws -> [DeviceLink] {
        try await read { db in
            let links = try Row.fetchAll(
                db,
                sql:
                    "SELECT device_id, linked_at FROM device_links WHERE user_id = ? ORDER BY linked_at DESC, device_id",
                arguments: [user.rawValue]
            ).map { row in (device: row["device_id"] as String, linkedAt: row["linked_at"] as Int64) }
            // The latest event of each linked device among the user's events, newest blocks
            // first, until every device is found and older blocks cannot have a later one.
            let wanted = Set(links.map { CacheKey($0.device) })
            if wanted.isEmpty { return [] }
            var latest: [CacheKey: BlockEvent] = [:]
            try Self.forEachBlock(
                of: Self.actorKey(user: user, device: nil).text,
                db: db,
                continuing: { maxTimestamp in
                    guard latest.count == wanted.count,
                        let oldest = latest.values.map(\.event.timestamp.millisecondsSinceEpoch).min()
                    else { return true }
                    return maxTimestamp >= oldest
                },
                visit: { events in
                    for event in events {
                        guard let device = event.event.deviceID?.rawValue, wanted.contains(CacheKey(device)) else {
                            continue
                        }
                        let key = CacheKey(device)
                        if let known = latest[key], !Self.isNewer(event, than: known) { continue }
                        latest[key] = event
                    }
                }
            )
            return links.map { link in
                let event = latest[CacheKey(link.device)]?.event
                return DeviceLink(
                    deviceID: DeviceID(link.device),
                    userID: user,
                    linkedAt: Timestamp(millisecondsSinceEpoch: link.linkedAt),
                    lastSeen: event?.timestamp,
                    device: event?.device ?? DeviceInfo()
                )
            }
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

    public func eraseUser(_ id: UserID) async throws -> UserErasure {
        let erased = try await eraseRows(of: id)
        // The WAL still holds the pages as they were before: copy and empty it now, if no
        // reader holds an older snapshot (else the maintenance loop empties it once writes
        // pause, and a stop always does).
        try? await checkpointAll()
        return erased
    }

    private func eraseRows(of id: UserID) async throws -> UserErasure {
        try await write { db in
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id.rawValue])
            let profiles = db.changesCount
            let devices = try String.fetchAll(
                db,
                sql: "SELECT device_id FROM device_links WHERE user_id = ?",
                arguments: [id.rawValue]
            )
            try db.execute(sql: "DELETE FROM device_links WHERE user_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM user_consent WHERE user_id = ?", arguments: [id.rawValue])
            // Their exposures to experiments, as the user and as each linked device.
            for unit in [ExposureUnit.user(id).key] + devices.map({ ExposureUnit.device(DeviceID($0)).key }) {
                try db.execute(sql: "DELETE FROM experiment_exposures WHERE unit = ?", arguments: [unit])
            }
            // The user's blocks, and those a linked device sent anonymously (they belong to
            // the user too); their event ids leave the index with them.
            var index = EventIDIndex()
            var events = 0
            let owners =
                [Self.actorKey(user: id, device: nil).text]
                + devices.map { Self.actorKey(user: nil, device: DeviceID($0)).text }
            for owner in owners {
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT first_seq, count, events FROM event_blocks WHERE owner = ?",
                    arguments: [owner]
                )
                for row in rows {
                    let block: Int64 = row[0]
                    events += row[1] as Int
                    for eventID in try EventBlockDecoder.eventIDs([UInt8](row[2] as Data)) {
                        try index.remove(EventIDIndex.Entry(hash: stableHash(eventID), block: block), db: db)
                        try db.cachedStatement(sql: "DELETE FROM event_ids WHERE event_id = ?")
                            .execute(arguments: [eventID])
                    }
                }
                try db.execute(sql: "DELETE FROM event_blocks WHERE owner = ?", arguments: [owner])
            }
            try index.save(db)
            try db.execute(sql: "DELETE FROM reviews WHERE user_id = ?", arguments: [id.rawValue])
            let reviews = db.changesCount
            try db.execute(sql: "DELETE FROM orders WHERE user_id = ?", arguments: [id.rawValue])
            let orders = db.changesCount
            let conversations = try Self.eraseConversations(user: id, devices: devices.map(DeviceID.init), db: db)
            // The digests that counted the user and their devices among a query's shoppers.
            let digests = [ShopperDigest(user: id)] + devices.map { ShopperDigest(device: DeviceID($0)) }
            for digest in digests {
                try db.execute(
                    sql: "DELETE FROM search_query_shoppers WHERE shopper = ?",
                    arguments: [digest.rawValue]
                )
            }
            // Links and sessions of this user are cached; start the caches afresh. (The
            // bucket filter keeps the erased hashes: such a hash only costs a bucket read.)
            self.putCache(IngestCache(), after: db)
            return UserErasure(
                profiles: profiles,
                events: events,
                devices: devices.count,
                reviews: reviews,
                orders: orders,
                conversations: conversations
            )
        }
    }
}
