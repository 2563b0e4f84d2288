import Foundation
import GRDB
import GRDBSQLite

/// Finds stored event ids, so that a repeated one is accepted once. A hash index kept in
/// SQLite: 2¹⁸ buckets by the top bits of `eventIDHash`, each a row with its sorted
/// (hash, block) pairs. A lookup reads one small row; a hit is confirmed by reading the block,
/// so a hash collision never turns a new event into a duplicate. One row per bucket instead of
/// one per event lets a bulk load write the whole index in a few seconds at its end.
///
/// Used inside one write transaction: buckets read or changed are kept here and written back
/// by `save`.
struct EventIDIndex {
    struct Entry: Equatable, Sendable {
        var hash: UInt64
        var block: Int64
    }

    static let bucketShift: UInt64 = 46

    static func bucket(of hash: UInt64) -> Int64 {
        Int64(hash >> bucketShift)
    }

    private var buckets: [Int64: [Entry]] = [:]
    private var changed: Set<Int64> = []

    /// The blocks that may hold an event id with this hash.
    mutating func blocks(with hash: UInt64, db: Database) throws -> [Int64] {
        try entries(of: Self.bucket(of: hash), db: db).filter { $0.hash == hash }.map(\.block)
    }

    mutating func add(_ entry: Entry, db: Database) throws {
        let bucket = Self.bucket(of: entry.hash)
        var entries = try entries(of: bucket, db: db)
        let position = entries.firstIndex { ($0.hash, $0.block) > (entry.hash, entry.block) } ?? entries.endIndex
        entries.insert(entry, at: position)
        buckets[bucket] = entries
        changed.insert(bucket)
    }

    mutating func remove(_ entry: Entry, db: Database) throws {
        let bucket = Self.bucket(of: entry.hash)
        var entries = try entries(of: bucket, db: db)
        entries.removeAll { $0 == entry }
        buckets[bucket] = entries
        changed.insert(bucket)
    }

    /// Writes the changed buckets.
    func save(_ db: Database) throws {
        for bucket in changed.sorted() {
            try Self.write(bucket: bucket, entries: buckets[bucket] ?? [], db: db)
        }
    }

    private mutating func entries(of bucket: Int64, db: Database) throws -> [Entry] {
        if let cached = buckets[bucket] { return cached }
        let blob = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT entries FROM event_id_buckets WHERE bucket = ?"),
            arguments: [bucket]
        )
        let entries = blob.map(Self.decode) ?? []
        buckets[bucket] = entries
        return entries
    }

    static let bucketCount = 1 << (64 - Int(bucketShift))

    /// Writes every entry, replacing the whole index (migration and rebuilds).
    static func replaceAll(with entries: [Entry], db: Database) throws {
        var all = BulkEventIDs()
        for entry in entries { all.add(entry) }
        try all.save(db)
    }

    /// Reads every block and writes the index again: after a bulk load that did not finish.
    static func rebuild(_ db: Database) throws {
        var entries: [Entry] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT first_seq, events FROM event_blocks")
        while let row = try rows.next() {
            let block: Int64 = row[0]
            let blob: Data = row[1]
            for id in try EventBlockDecoder.eventIDs([UInt8](blob)) {
                entries.append(Entry(hash: stableHash(id), block: block))
            }
        }
        try replaceAll(with: entries, db: db)
    }

    /// Binds through SQLite's C API: a bulk load writes a million of these.
    static func write<Entries: Collection<Entry>>(bucket: Int64, entries: Entries, db: Database) throws {
        if entries.isEmpty {
            try db.execute(sql: "DELETE FROM event_id_buckets WHERE bucket = ?", arguments: [bucket])
            return
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(entries.count * 16)
        for entry in entries {
            withUnsafeBytes(of: entry.hash.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.block.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO event_id_buckets (bucket, entries) VALUES (?, ?)
                ON CONFLICT (bucket) DO UPDATE SET entries = excluded.entries
                """
        )
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, bucket)
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, 2, raw.baseAddress, Int32(raw.count), sqliteTransient)
        }
        try stepToCompletion(handle, db: db)
    }

    private static func decode(_ blob: Data) -> [Entry] {
        let bytes = [UInt8](blob)
        var entries: [Entry] = []
        entries.reserveCapacity(bytes.count / 16)
        var offset = 0
        while offset + 16 <= bytes.count {
            var hash: UInt64 = 0
            var block: UInt64 = 0
            for index in 0..<8 {
                hash |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
                block |= UInt64(bytes[offset + 8 + index]) << (8 * UInt64(index))
            }
            entries.append(Entry(hash: hash, block: Int64(bitPattern: block)))
            offset += 16
        }
        return entries
    }
}
