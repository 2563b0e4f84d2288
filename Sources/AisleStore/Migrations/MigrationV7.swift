import Foundation
import GRDB

/// Migration v7's own frozen copy of what it writes: event blocks in format 1 and the event-id
/// hash index as they were when v7 shipped. A migration runs on databases of any age, so it
/// must not use the app's types (`Event`, `EventBlockEncoder`, `EventIDIndex`): when those
/// change, v7 must still write what v8 and later expect to find. It reads the v1 table's
/// columns and writes bytes, nothing else. Do not edit; a new format is a new migration.
enum MigrationV7 {
    /// Events per block, as the store wrote them then.
    static let maxEventsPerBlock = 1000
    /// The index's buckets are the top 18 bits of an id's hash.
    static let bucketShift: UInt64 = 46

    /// Moves the rows of the v1 event table into blocks, keeping every sequence number: a
    /// block takes a run of consecutive sequence numbers with the same owner. Then writes the
    /// hash index of the moved event ids.
    static func packEventRows(_ db: Database) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, event_id, type, user_id, device_id, item_id, value, query, session_id, platform,
                    device_model, app_version, ts, context, received_at, attributed
                FROM events ORDER BY seq
                """
        )
        struct Run {
            var owner: String
            var first: Int64
            var next: Int64
            var encoder = BlockEncoder()
            var minTimestamp = Int64.max
            var maxTimestamp = Int64.min
        }
        var entries: [(hash: UInt64, block: Int64)] = []
        var run: Run?
        func flush() throws {
            guard let current = run else { return }
            try db.execute(
                sql:
                    "INSERT INTO event_blocks (first_seq, owner, count, min_ts, max_ts, events) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    current.first, current.owner, current.encoder.count, current.minTimestamp,
                    current.maxTimestamp, Data(current.encoder.bytes),
                ]
            )
            run = nil
        }
        while let row = try rows.next() {
            let sequence: Int64 = row["seq"]
            let user: String? = row["user_id"]
            let device: String? = row["device_id"]
            let owner = user.map { "u:" + $0 } ?? "d:" + (device ?? "")
            let columns = Columns(
                eventID: row["event_id"],
                type: row["type"],
                device: device,
                item: row["item_id"],
                value: row["value"],
                query: row["query"],
                session: row["session_id"],
                platform: row["platform"],
                model: row["device_model"],
                appVersion: row["app_version"],
                timestamp: row["ts"],
                context: row["context"],
                receivedAt: row["received_at"],
                attributed: (row["attributed"] as Int64?) == 1
            )
            if let current = run,
                !current.owner.utf8.elementsEqual(owner.utf8) || current.next != sequence
                    || current.encoder.count >= maxEventsPerBlock
            {
                try flush()
            }
            var current = run ?? Run(owner: owner, first: sequence, next: sequence)
            run = nil  // so that `current` holds the only reference to the encoder's bytes
            current.encoder.append(columns)
            current.next = sequence + 1
            current.minTimestamp = min(current.minTimestamp, columns.timestamp)
            current.maxTimestamp = max(current.maxTimestamp, columns.timestamp)
            if let id = columns.eventID { entries.append((hash(id), current.first)) }
            run = current
        }
        try flush()
        try writeIndex(entries, db: db)
    }

    /// One v1 row's event columns.
    struct Columns {
        var eventID: String?
        var type: String
        var device: String?
        var item: String?
        var value: Double?
        var query: String?
        var session: String?
        var platform: String?
        var model: String?
        var appVersion: String?
        var timestamp: Int64
        var context: String?
        var receivedAt: Int64
        var attributed: Bool
    }

    /// Block format 1: per event a varint of flags, then the fields, each string as varint
    /// (length + 1, 0 for none) and UTF-8; type, device, session and device info only when they
    /// changed from the previous event; times as zigzag varint deltas.
    struct BlockEncoder {
        private(set) var bytes: [UInt8] = []
        private(set) var count = 0
        private var previous: Columns?

        mutating func append(_ event: Columns) {
            // Compared byte for byte: canonically equal but differently encoded ids (NFC and
            // NFD "café") are different ids. The first event compares with nothing: every
            // string absent, times 0.
            var flags: UInt64 = 0
            if !same(event.type, previous?.type) { flags |= 1 << 0 }
            if !same(event.device, previous?.device) { flags |= 1 << 1 }
            if !same(event.session, previous?.session) { flags |= 1 << 2 }
            if !same(event.platform, previous?.platform) || !same(event.model, previous?.model)
                || !same(event.appVersion, previous?.appVersion)
            {
                flags |= 1 << 3
            }
            if event.receivedAt != (previous?.receivedAt ?? 0) { flags |= 1 << 4 }
            if event.value != nil { flags |= 1 << 5 }
            if event.attributed { flags |= 1 << 6 }
            writeVarint(flags)
            writeOptional(event.eventID)
            if flags & (1 << 0) != 0 { writeOptional(event.type) }
            if flags & (1 << 1) != 0 { writeOptional(event.device) }
            writeOptional(event.item)
            if let value = event.value {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
            writeOptional(event.query)
            if flags & (1 << 2) != 0 { writeOptional(event.session) }
            if flags & (1 << 3) != 0 {
                writeOptional(event.platform)
                writeOptional(event.model)
                writeOptional(event.appVersion)
            }
            writeSigned(event.timestamp &- (previous?.timestamp ?? 0))
            if flags & (1 << 4) != 0 { writeSigned(event.receivedAt &- (previous?.receivedAt ?? 0)) }
            writeOptional(event.context)
            previous = event
            count += 1
        }

        private func same(_ lhs: String?, _ rhs: String?) -> Bool {
            switch (lhs, rhs) {
            case (nil, nil): return true
            case (let lhs?, let rhs?): return lhs.utf8.elementsEqual(rhs.utf8)
            default: return false
            }
        }

        private mutating func writeVarint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }

        private mutating func writeSigned(_ value: Int64) {
            writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        }

        private mutating func writeOptional(_ text: String?) {
            guard let text else {
                bytes.append(0)
                return
            }
            writeVarint(UInt64(text.utf8.count) + 1)
            bytes.append(contentsOf: text.utf8)
        }
    }

    /// The hash of an event id (FNV-1a, then a 64-bit finaliser), as v7 stored it.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }

    /// The event-id index: one row per bucket with its (hash, block) pairs, sorted, 16 bytes
    /// each, little-endian.
    static func writeIndex(_ entries: [(hash: UInt64, block: Int64)], db: Database) throws {
        try db.execute(sql: "DELETE FROM event_id_buckets")
        let sorted = entries.sorted { ($0.hash, $0.block) < ($1.hash, $1.block) }
        var start = 0
        while start < sorted.count {
            let bucket = Int64(sorted[start].hash >> bucketShift)
            var end = start + 1
            while end < sorted.count && Int64(sorted[end].hash >> bucketShift) == bucket { end += 1 }
            var bytes: [UInt8] = []
            bytes.reserveCapacity((end - start) * 16)
            for entry in sorted[start..<end] {
                withUnsafeBytes(of: entry.hash.littleEndian) { bytes.append(contentsOf: $0) }
                withUnsafeBytes(of: entry.block.littleEndian) { bytes.append(contentsOf: $0) }
            }
            try db.execute(
                sql: "INSERT INTO event_id_buckets (bucket, entries) VALUES (?, ?)",
                arguments: [bucket, Data(bytes)]
            )
            start = end
        }
    }
}
