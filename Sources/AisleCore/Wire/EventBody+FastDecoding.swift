import Foundation

/// A fast path for decoding events, the one body that arrives by the million (imports, batch
/// ingest). It reads the common shape straight from bytes, about 10× faster than JSONDecoder
/// (measured: JSONDecoder with the unknown-key check took 57 % of an import's time, see
/// docs/BENCHMARKS.md).
///
/// It is only a shortcut: whenever a row is anything but plain — a syntax error, an unknown or
/// repeated key, a wrong type, a null, an escape in a string — it gives up (returns nil) and the
/// caller decodes with JSONDecoder, which then accepts the row or reports the precise error.
/// So the fast path can never accept what the slow path rejects; a differential test checks
/// that both give the same bodies.
extension EventBody {
    /// The event in `bytes` (one JSON object, surrounding whitespace allowed), or nil when the
    /// fast path declines.
    public static func fastDecode(_ bytes: ArraySlice<UInt8>) -> EventBody? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = FastJSONScanner(buffer)
            guard let body = scanner.event(), scanner.atEnd() else { return nil }
            return body
        }
    }

    /// The rows of a batch body `{"events":[...]}`, or nil when the fast path declines (the
    /// caller then decodes with JSONDecoder, row by row with its errors).
    public static func fastDecodeBatch(_ bytes: ArraySlice<UInt8>) -> [EventBody]? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = FastJSONScanner(buffer)
            guard scanner.consume(UInt8(ascii: "{")), scanner.string() == "events", scanner.consume(UInt8(ascii: ":")),
                scanner.consume(UInt8(ascii: "["))
            else { return nil }
            var rows: [EventBody] = []
            if scanner.consume(UInt8(ascii: "]")) {
                return scanner.consume(UInt8(ascii: "}")) && scanner.atEnd() ? rows : nil
            }
            repeat {
                guard let row = scanner.event() else { return nil }
                rows.append(row)
            } while scanner.consume(UInt8(ascii: ","))
            guard scanner.consume(UInt8(ascii: "]")), scanner.consume(UInt8(ascii: "}")), scanner.atEnd() else {
                return nil
            }
            return rows
        }
    }
}

/// A strict, minimal JSON reader over bytes. Every method returns nil on anything it does not
/// fully understand; it never guesses.
struct FastJSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Objects and arrays open now. Past `maxDepth` the fast path declines, so a body nested
    /// a million deep cannot exhaust the stack (the slow path and `Validate` bound depth too).
    var depth = 0
    static let maxDepth = 16

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    /// A string without escapes or control characters (those go to the slow path).
    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII needs no check (and the generic validating initializer costs more than
                // the rest of a short string's decoding). Invalid UTF-8 would be repaired by
                // String(decoding:) but rejected by JSONDecoder: decline it.
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else { return nil }
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        return nil
    }

    /// A number in strict JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func number() -> Double? {
        skipWhitespace()
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Iterates an object's members, calling `member` with each key; `member` must consume the
    /// value and return false to decline. Repeated keys decline.
    mutating func object(_ member: (inout FastJSONScanner, String) -> Bool) -> Bool {
        guard depth < Self.maxDepth, consume(UInt8(ascii: "{")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return true }
        // Objects here have a handful of keys: a linear scan beats hashing into a Set.
        var seen: [String] = []
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")), !seen.contains(key), member(&self, key) else {
                return false
            }
            seen.append(key)
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    /// Any JSON value without escapes in strings and without null, for `context`.
    mutating func value() -> JSONValue? {
        guard let next = peek() else { return nil }
        switch next {
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            let ok = object { scanner, key in
                guard let value = scanner.value() else { return false }
                members[key] = value
                return true
            }
            return ok ? .object(members) : nil
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return nil }
            depth += 1
            defer { depth -= 1 }
            _ = consume(UInt8(ascii: "["))
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                guard let element = value() else { return nil }
                elements.append(element)
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]")) ? .array(elements) : nil
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number().map(JSONValue.number)
        default: return nil
        }
    }

    mutating func literal(_ word: StaticString) -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A string's bytes as they are, for keys compared with known names; escapes and control
    /// characters decline, as in `string()`.
    mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return UnsafeBufferPointer(rebasing: bytes[start..<index])
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// Iterates an object whose keys are known names: `field` maps a key's bytes to a field
    /// (nil declines), a repeated field declines, and `member` consumes the value. Comparing
    /// bytes with the names costs less than making each key a String and switching on it.
    mutating func members<Field: RawRepresentable<Int>>(
        _ field: (UnsafeBufferPointer<UInt8>) -> Field?,
        _ member: (inout FastJSONScanner, Field) -> Bool
    ) -> Bool {
        guard depth < Self.maxDepth, consume(UInt8(ascii: "{")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return true }
        var seen: UInt64 = 0
        repeat {
            guard let key = rawString(), consume(UInt8(ascii: ":")), let known = field(key) else { return false }
            let bit = UInt64(1) << UInt64(known.rawValue)
            guard seen & bit == 0, member(&self, known) else { return false }
            seen |= bit
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    /// Whether `key` is exactly `name`.
    static func key(_ key: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount, let start = key.baseAddress else { return false }
        return memcmp(start, name.utf8Start, key.count) == 0
    }

    /// Unknown fields (and received_at) decline: the slow path words the error.
    enum EventField: Int, KnownJSONField {
        case eventID, type, userID, deviceID, itemID, query, sessionID, value, timestamp, device, context

        static let all = allCases

        var name: StaticString {
            switch self {
            case .eventID: "event_id"
            case .type: "type"
            case .userID: "user_id"
            case .deviceID: "device_id"
            case .itemID: "item_id"
            case .query: "query"
            case .sessionID: "session_id"
            case .value: "value"
            case .timestamp: "timestamp"
            case .device: "device"
            case .context: "context"
            }
        }
    }

    enum DeviceField: Int, KnownJSONField {
        case platform, model, appVersion

        static let all = allCases

        var name: StaticString {
            switch self {
            case .platform: "platform"
            case .model: "model"
            case .appVersion: "app_version"
            }
        }
    }

    mutating func event() -> EventBody? {
        var body = EventBody()
        let ok = members(EventField.init(key:)) { scanner, field in
            switch field {
            case .eventID: body.eventID = scanner.string(); return body.eventID != nil
            case .type: body.type = scanner.string(); return body.type != nil
            case .userID: body.userID = scanner.string(); return body.userID != nil
            case .deviceID: body.deviceID = scanner.string(); return body.deviceID != nil
            case .itemID: body.itemID = scanner.string(); return body.itemID != nil
            case .query: body.query = scanner.string(); return body.query != nil
            case .sessionID: body.sessionID = scanner.string(); return body.sessionID != nil
            case .value: body.value = scanner.number(); return body.value != nil
            case .timestamp:
                guard let stamp = scanner.timestamp() else { return false }
                body.timestamp = stamp
                return true
            case .device:
                var device = DeviceBody()
                let parsed = scanner.members(DeviceField.init(key:)) { scanner, field in
                    switch field {
                    case .platform: device.platform = scanner.string(); return device.platform != nil
                    case .model: device.model = scanner.string(); return device.model != nil
                    case .appVersion: device.appVersion = scanner.string(); return device.appVersion != nil
                    }
                }
                body.device = device
                return parsed
            case .context:
                guard case .object(let members)? = scanner.value() else { return false }
                body.context = members
                return true
            }
        }
        return ok ? body : nil
    }

    /// The same rules as `TimestampBody.init(from:)`; anything it would reject declines.
    mutating func timestamp() -> TimestampBody? {
        if peek() == UInt8(ascii: "\"") {
            return string().flatMap(Timestamp.init(rfc3339:)).map(TimestampBody.init)
        }
        guard let number = number(), number >= 100_000_000_000, number <= 253_402_300_799_999 else { return nil }
        return TimestampBody(Timestamp(millisecondsSinceEpoch: Int64(number)))
    }
}

/// The fields of an object the fast path knows by name.
protocol KnownJSONField: RawRepresentable<Int>, CaseIterable {
    /// Every case, computed once: `allCases` builds a new array on every use.
    static var all: [Self] { get }
    var name: StaticString { get }
}

extension KnownJSONField {
    /// The field whose name is exactly `key`'s bytes.
    init?(key: UnsafeBufferPointer<UInt8>) {
        guard let field = Self.all.first(where: { FastJSONScanner.key(key, is: $0.name) }) else { return nil }
        self = field
    }
}
