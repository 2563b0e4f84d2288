import Foundation

/// A JSON value as the docs show it and the server sends it. Hand-parsed rather than through
/// JSONSerialization so that `true` and `1` stay apart, numbers keep their text, and several
/// values in a row (one per command of an example) parse as a stream.
indirect enum DocJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double, text: String)
    case string(String)
    case array([DocJSON])
    case object([(key: String, value: DocJSON)])

    static func == (lhs: DocJSON, rhs: DocJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a, _), .number(let b, _)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The members of an object by key (the last one wins, as in most JSON readers).
    var members: [String: DocJSON]? {
        guard case .object(let pairs) = self else { return nil }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }
}

/// A parse failure, with the byte offset where the text stopped being JSON.
struct DocJSONError: Error, CustomStringConvertible {
    var offset: Int
    var reason: String
    var description: String { "not JSON at byte \(offset): \(reason)" }
}

extension DocJSON {
    /// Every top-level value in `text`, in order, with the text each was parsed from.
    static func stream(_ text: String) throws(DocJSONError) -> [(value: DocJSON, text: String)] {
        var parser = Parser(bytes: Array(text.utf8))
        var values: [(DocJSON, String)] = []
        parser.skipSpace()
        while !parser.atEnd {
            let start = parser.offset
            let value = try parser.value()
            values.append((value, String(decoding: parser.bytes[start..<parser.offset], as: UTF8.self)))
            parser.skipSpace()
        }
        return values
    }
}

private struct Parser {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset >= bytes.count }

    func fail(_ reason: String) -> DocJSONError { DocJSONError(offset: offset, reason: reason) }

    mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[offset]) { offset += 1 }
    }

    mutating func expect(_ literal: String) throws(DocJSONError) {
        for byte in literal.utf8 {
            guard offset < bytes.count, bytes[offset] == byte else { throw fail("expected \(literal)") }
            offset += 1
        }
    }

    mutating func value() throws(DocJSONError) -> DocJSON {
        skipSpace()
        guard offset < bytes.count else { throw fail("unexpected end") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        default: return try number()
        }
    }

    mutating func object() throws(DocJSONError) -> DocJSON {
        offset += 1
        var pairs: [(key: String, value: DocJSON)] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .object(pairs)
        }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipSpace()
            try expect(":")
            pairs.append((key, try value()))
            skipSpace()
            guard offset < bytes.count else { throw fail("unexpected end in an object") }
            if bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(pairs)
            }
            try expect(",")
        }
    }

    mutating func array() throws(DocJSONError) -> DocJSON {
        offset += 1
        var elements: [DocJSON] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipSpace()
            guard offset < bytes.count else { throw fail("unexpected end in an array") }
            if bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            }
            try expect(",")
        }
    }

    mutating func number() throws(DocJSONError) -> DocJSON {
        let start = offset
        let allowed = Set("+-0123456789.eE".utf8)
        while offset < bytes.count, allowed.contains(bytes[offset]) { offset += 1 }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard !text.isEmpty, let number = Double(text) else {
            offset = start
            throw fail("expected a value")
        }
        return .number(number, text: text)
    }

    mutating func string() throws(DocJSONError) -> String {
        offset += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                guard offset < bytes.count else { throw fail("unexpected end in a string") }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                default: scalars.append(Unicode.Scalar(escape))
                }
            default:
                raw.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(DocJSONError) -> UInt32 {
        guard offset + 4 <= bytes.count,
            let code = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
        else { throw fail("bad \\u escape") }
        offset += 4
        return code
    }

    mutating func unicodeEscape() throws(DocJSONError) -> Unicode.Scalar {
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code), offset + 2 <= bytes.count, bytes[offset] == UInt8(ascii: "\\") {
            offset += 2
            let low = try hex4()
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
        return scalar
    }
}
