import AisleCore

/// The event log keeps one row per block: the events of one owner from one write, packed into
/// a blob. A SQLite row and each of its index entries cost about 1 µs to write, and an import
/// of 300,000 events/s has 3.3 µs for everything an event needs (parsing included); a row per
/// event with its three index entries did not fit (measured, docs/BENCHMARKS.md).
///
/// An event is a varint of `Flags`, then its fields. Fields that repeat the previous event's
/// (type, device, session, device info, received time) are flagged instead of written again,
/// and timestamps are zigzag deltas, so a typical event takes about 25 bytes. The user is not
/// in the blob: it is the block's owner.
struct EventBlockEncoder {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0
    private var previous = Previous()

    struct Flags: OptionSet {
        let rawValue: UInt32
        static let typeChanged = Self(rawValue: 1 << 0)
        static let deviceChanged = Self(rawValue: 1 << 1)
        static let sessionChanged = Self(rawValue: 1 << 2)
        static let deviceInfoChanged = Self(rawValue: 1 << 3)
        static let receivedAtChanged = Self(rawValue: 1 << 4)
        static let hasValue = Self(rawValue: 1 << 5)
        static let attributed = Self(rawValue: 1 << 6)
    }

    /// What the next event is compared with; the decoder keeps the same.
    struct Previous {
        var type: String?
        var device: String?
        var session: String?
        var platform: String?
        var model: String?
        var appVersion: String?
        var timestamp: Int64 = 0
        var receivedAt: Int64 = 0
    }

    init() {
        bytes.reserveCapacity(64)
    }

    /// Appends `event`; `contextText` is its context as stored JSON (nil for none).
    mutating func append(_ event: Event, contextText: String?, receivedAt: Timestamp, attributed: Bool) {
        var flags: Flags = []
        let type = event.type.rawValue
        let device = event.deviceID?.rawValue
        let session = event.sessionID?.rawValue
        let platform = event.device.platform?.rawValue
        if !Self.same(type, previous.type) { flags.insert(.typeChanged) }
        if !Self.same(device, previous.device) { flags.insert(.deviceChanged) }
        if !Self.same(session, previous.session) { flags.insert(.sessionChanged) }
        if !Self.same(platform, previous.platform) || !Self.same(event.device.model, previous.model)
            || !Self.same(event.device.appVersion, previous.appVersion)
        {
            flags.insert(.deviceInfoChanged)
        }
        let received = receivedAt.millisecondsSinceEpoch
        if received != previous.receivedAt { flags.insert(.receivedAtChanged) }
        if event.value != nil { flags.insert(.hasValue) }
        if attributed { flags.insert(.attributed) }
        writeVarint(UInt64(flags.rawValue))
        writeOptional(event.eventID?.rawValue)
        if flags.contains(.typeChanged) { writeOptional(type) }
        if flags.contains(.deviceChanged) { writeOptional(device) }
        writeOptional(event.itemID?.rawValue)
        if let value = event.value {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        writeOptional(event.query)
        if flags.contains(.sessionChanged) { writeOptional(session) }
        if flags.contains(.deviceInfoChanged) {
            writeOptional(platform)
            writeOptional(event.device.model)
            writeOptional(event.device.appVersion)
        }
        let timestamp = event.timestamp.millisecondsSinceEpoch
        writeSigned(timestamp &- previous.timestamp)
        if flags.contains(.receivedAtChanged) { writeSigned(received &- previous.receivedAt) }
        writeOptional(contextText)
        previous = Previous(
            type: type,
            device: device,
            session: session,
            platform: platform,
            model: event.device.model,
            appVersion: event.device.appVersion,
            timestamp: timestamp,
            receivedAt: received
        )
        count += 1
    }

    private static func same(_ lhs: String?, _ rhs: String?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): return true
        case (let lhs?, let rhs?): return sameUTF8(lhs, rhs)
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

    /// Length + 1 then the UTF-8 bytes; 0 for nil.
    private mutating func writeOptional(_ text: String?) {
        guard var text else {
            bytes.append(0)
            return
        }
        text.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count) + 1)
            bytes.append(contentsOf: utf8)
        }
    }
}

/// An event read back from a block, with its context still as stored JSON: most readers
/// (training, sessions, device lists) never look at it.
struct BlockEvent {
    var sequence: Int64
    var event: Event
    var contextText: String?
    var receivedAt: Timestamp
    var attributed: Bool

    func stored() throws -> StoredEvent {
        var event = event
        if let contextText {
            event.context = try SQLiteStore.decodeJSON([String: JSONValue].self, contextText)
        }
        return StoredEvent(sequence: sequence, event: event, receivedAt: receivedAt)
    }
}

/// Reads the events of one block, in the order they were packed.
enum EventBlockDecoder {
    /// The events of the block whose first event is `firstSequence`; `owner` is the block's
    /// owner ("u:" + user id or "d:" + device id). Throws on a damaged blob.
    static func events(
        _ blob: [UInt8],
        firstSequence: Int64,
        owner: String,
        attributed blockAttributed: Bool
    ) throws -> [BlockEvent] {
        let user = owner.hasPrefix("u:") ? UserID(String(owner.dropFirst(2))) : nil
        var reader = ByteReader(bytes: blob)
        var previous = EventBlockEncoder.Previous()
        var events: [BlockEvent] = []
        var sequence = firstSequence
        while !reader.isAtEnd {
            let flags = EventBlockEncoder.Flags(rawValue: UInt32(truncatingIfNeeded: try reader.varint()))
            let eventID = try reader.optionalString()
            if flags.contains(.typeChanged) { previous.type = try reader.optionalString() }
            if flags.contains(.deviceChanged) { previous.device = try reader.optionalString() }
            let item = try reader.optionalString()
            let value = flags.contains(.hasValue) ? Double(bitPattern: try reader.uint64()) : nil
            let query = try reader.optionalString()
            if flags.contains(.sessionChanged) { previous.session = try reader.optionalString() }
            if flags.contains(.deviceInfoChanged) {
                previous.platform = try reader.optionalString()
                previous.model = try reader.optionalString()
                previous.appVersion = try reader.optionalString()
            }
            previous.timestamp &+= try reader.signed()
            if flags.contains(.receivedAtChanged) { previous.receivedAt &+= try reader.signed() }
            let context = try reader.optionalString()
            guard let type = previous.type else { throw EventBlockError.damaged("an event without a type") }
            events.append(
                BlockEvent(
                    sequence: sequence,
                    event: Event(
                        eventID: eventID.map(EventID.init),
                        type: EventType(stored: type),
                        userID: user,
                        deviceID: previous.device.map(DeviceID.init),
                        itemID: item.map(ItemID.init),
                        value: value,
                        query: query,
                        sessionID: previous.session.map(SessionID.init),
                        device: DeviceInfo(
                            platform: previous.platform.flatMap(Platform.init(rawValue:)),
                            model: previous.model,
                            appVersion: previous.appVersion
                        ),
                        timestamp: Timestamp(millisecondsSinceEpoch: previous.timestamp)
                    ),
                    contextText: context,
                    receivedAt: Timestamp(millisecondsSinceEpoch: previous.receivedAt),
                    attributed: blockAttributed || flags.contains(.attributed)
                )
            )
            sequence += 1
        }
        return events
    }

    /// The latest event of a block by (timestamp, sequence number): its session, timestamp
    /// and sequence number, read without building events. A shopper's first event after a
    /// start looks this up, so it is on the ingest path.
    static func latestSession(_ blob: [UInt8], firstSequence: Int64) throws -> (
        session: String?, timestamp: Int64, sequence: Int64
    )? {
        var reader = ByteReader(bytes: blob)
        var timestamp: Int64 = 0
        var session: Range<Int>?
        var sequence = firstSequence
        var latest: (session: Range<Int>?, timestamp: Int64, sequence: Int64)?
        while !reader.isAtEnd {
            let flags = EventBlockEncoder.Flags(rawValue: UInt32(truncatingIfNeeded: try reader.varint()))
            _ = try reader.optionalRange()  // event id
            if flags.contains(.typeChanged) { _ = try reader.optionalRange() }
            if flags.contains(.deviceChanged) { _ = try reader.optionalRange() }
            _ = try reader.optionalRange()  // item
            if flags.contains(.hasValue) { _ = try reader.uint64() }
            _ = try reader.optionalRange()  // query
            if flags.contains(.sessionChanged) { session = try reader.optionalRange() }
            if flags.contains(.deviceInfoChanged) {
                for _ in 0..<3 { _ = try reader.optionalRange() }
            }
            timestamp &+= try reader.signed()
            if flags.contains(.receivedAtChanged) { _ = try reader.signed() }
            _ = try reader.optionalRange()  // context
            if latest.map({ (timestamp, sequence) > ($0.timestamp, $0.sequence) }) ?? true {
                latest = (session, timestamp, sequence)
            }
            sequence += 1
        }
        return latest.map { latest in
            (latest.session.map { String(decoding: blob[$0], as: UTF8.self) }, latest.timestamp, latest.sequence)
        }
    }

    /// Only the event ids of a block (for the event-id index), without building events.
    static func eventIDs(_ blob: [UInt8]) throws -> [String] {
        try events(blob, firstSequence: 0, owner: "", attributed: false).compactMap { $0.event.eventID?.rawValue }
    }
}

struct EventBlockError: Error, CustomStringConvertible {
    let description: String

    static func damaged(_ detail: String) -> Self {
        Self(description: "a stored event block is damaged: \(detail)")
    }
}

/// Bounds-checked reading of a block's bytes.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw EventBlockError.damaged("it ends inside an event") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
            guard shift < 64 else { throw EventBlockError.damaged("a number is too long") }
        }
    }

    mutating func signed() throws -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func uint64() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw EventBlockError.damaged("it ends inside a number") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    /// Where an optional text's bytes are, without copying them; nil for nil.
    mutating func optionalRange() throws -> Range<Int>? {
        let marker = try varint()
        guard marker > 0 else { return nil }
        let length = Int(clamping: marker - 1)
        guard bytes.count - offset >= length else { throw EventBlockError.damaged("it ends inside a text") }
        defer { offset += length }
        return offset..<offset + length
    }

    mutating func optionalString() throws -> String? {
        let marker = try varint()
        guard marker > 0 else { return nil }
        let length = Int(clamping: marker - 1)
        guard bytes.count - offset >= length else { throw EventBlockError.damaged("it ends inside a text") }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}

/// A 64-bit hash of a string's bytes (FNV-1a, then SplitMix64's finalizer to spread the
/// bits). The event-id index is keyed by it on disk: never change it.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
    hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
    return hash ^ (hash >> 31)
}
