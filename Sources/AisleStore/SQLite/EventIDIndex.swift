import Foundation
import GRDB
import GRDBSQLite

/// Finds the event ids that bulk loads stored (and those moved from the v1 event table); ids
/// stored one by one are in the ordered `event_ids` table. A hash index kept in SQLite: 2¹⁸
/// buckets by the top bits of `stableHash`, each a row with its sorted (hash, block) pairs.
/// A lookup reads one small row; a hit is confirmed by reading the block, so a hash collision
/// never turns a new event into a duplicate. One row per bucket instead of one per event lets
/// a bulk load write the whole index in a second or two at its end.
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

    /// A bucket row's entries: (hash, block) pairs, 8 bytes each, little-endian.
    static func decode(_ blob: Data) -> [Entry] {
        blob.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count - 15, by: 16).map { offset in
                Entry(
                    hash: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                    block: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
                )
            }
        }
    }
}

/// A set of 64-bit hashes that may answer "maybe" for one it was not given, never "no" for
/// one it was (a Bloom filter, 16 bits and 4 probes per entry: about 1 in 400 false
/// positives up to its capacity, more past it). It keeps look-ups that would find nothing
/// from reading the database: a new event id reading its bucket row took a fifth of live
/// ingest's time, and a new shopper's session look-up a quarter (perf, with 10M events).
struct HashFilter: Sendable {
    private var words: [UInt64]
    private let mask: UInt64

    init(capacity: Int) {
        var bits = 1 << 16
        while bits < capacity * 16 { bits <<= 1 }
        words = [UInt64](repeating: 0, count: bits / 64)
        mask = UInt64(bits - 1)
    }

    /// Every owner that has a block ("u:" + user or "d:" + device, by `stableHash`), with
    /// room for as many again and at least 4M.
    init(ownersOf db: Database) throws {
        let owners = try String.fetchAll(db, sql: "SELECT DISTINCT owner FROM event_blocks")
        self.init(capacity: max(2 * owners.count, 4 << 20))
        for owner in owners { insert(stableHash(owner)) }
    }

    /// Every hash in the stored bucket index.
    init(bucketsOf db: Database) throws {
        let entries =
            try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(length(entries)), 0) / 16 FROM event_id_buckets") ?? 0
        self.init(capacity: entries)
        let rows = try Row.fetchCursor(db, sql: "SELECT entries FROM event_id_buckets")
        while let row = try rows.next() {
            for entry in EventIDIndex.decode(row[0]) { insert(entry.hash) }
        }
    }

    mutating func insert(_ hash: UInt64) {
        for probe in 0..<4 {
            let bit = position(hash, probe)
            words[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    func mayContain(_ hash: UInt64) -> Bool {
        for probe in 0..<4 {
            let bit = position(hash, probe)
            if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
        }
        return true
    }

    /// Double hashing: the low bits, stepped by an odd multiple taken from the high bits.
    private func position(_ hash: UInt64, _ probe: Int) -> UInt64 {
        let step = (hash >> 32) | 1
        return (hash &+ UInt64(probe) &* step) & mask
    }
}

/// A `HashFilter` read after the store opens. Until it is read it answers "maybe"; hashes
/// inserted meanwhile are kept and added to it once it is.
struct PendingFilter: Sendable {
    private var filter: HashFilter?
    private var insertedWhileLoading: [UInt64] = []

    func mayContain(_ hash: UInt64) -> Bool {
        filter?.mayContain(hash) ?? true
    }

    mutating func insert(_ hash: UInt64) {
        if filter == nil {
            insertedWhileLoading.append(hash)
        } else {
            filter?.insert(hash)
        }
    }

    /// Takes the filter read at open, unless one was set since: that one is newer.
    mutating func loaded(_ read: HashFilter) {
        if filter == nil { replace(with: read) }
    }

    /// Sets the filter, with what was inserted while there was none.
    mutating func replace(with new: HashFilter) {
        var new = new
        for hash in insertedWhileLoading { new.insert(hash) }
        insertedWhileLoading = []
        filter = new
    }
}
