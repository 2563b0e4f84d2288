/// A string identifier typed by what it names, so an item id can't be passed where a user id is
/// expected. Ids are opaque to Aisle: 1 to 256 UTF-8 bytes, no control characters, compared byte
/// for byte (unicode is kept exactly as sent).
public struct Identifier<Kind: IdentifierKind>: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Wraps a string without validation; for values read back from the store.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Validates `rawValue` as an id; `field` names the JSON path in the error.
    public init(validating rawValue: String, field: String) throws(AisleError) {
        try Self.validate(rawValue, field: field)
        self.rawValue = rawValue
    }

    /// Longest id accepted, in UTF-8 bytes; keeps index keys small.
    public static var maxBytes: Int { 256 }

    public static func validate(_ value: String, field: String) throws(AisleError) {
        let bytes = value.utf8.count
        if bytes == 0 {
            throw .invalid(field, "\(Kind.name) must not be empty")
        }
        if bytes > maxBytes {
            throw .invalid(field, "\(Kind.name) must be at most \(maxBytes) UTF-8 bytes, got \(bytes)")
        }
        // Printable ASCII needs no Unicode table look-up (the common case, and it is hot: imports).
        let printableASCII = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if !printableASCII, value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalid(field, "\(Kind.name) must not contain control characters")
        }
    }

    /// Byte for byte, as the store compares ids: `String`'s own equality would make a
    /// precomposed "é" and "e" + combining accent the same id.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        let left = lhs.rawValue.utf8
        let right = rhs.rawValue.utf8
        guard left.count == right.count else { return false }
        let equal = left.withContiguousStorageIfAvailable { l in
            right.withContiguousStorageIfAvailable { r in l.elementsEqual(r) }
        }
        return (equal ?? nil) ?? left.elementsEqual(right)
    }

    public func hash(into hasher: inout Hasher) {
        // The bytes in one call where the string holds them contiguously (native strings do).
        let hashed: Void? = rawValue.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil {
            for byte in rawValue.utf8 { hasher.combine(byte) }
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        // Byte order, so that SQL `ORDER BY id` (BINARY collation) and Swift agree.
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }
}

/// Names the kind of thing an `Identifier` identifies, for error messages.
public protocol IdentifierKind: Sendable {
    static var name: String { get }
}

public enum ItemKind: IdentifierKind { public static var name: String { "item id" } }
public enum UserKind: IdentifierKind { public static var name: String { "user id" } }
public enum DeviceKind: IdentifierKind { public static var name: String { "device id" } }
public enum EventKind: IdentifierKind { public static var name: String { "event id" } }
public enum SessionKind: IdentifierKind { public static var name: String { "session id" } }
public enum ReviewKind: IdentifierKind { public static var name: String { "review id" } }

public typealias ItemID = Identifier<ItemKind>
public typealias UserID = Identifier<UserKind>
public typealias DeviceID = Identifier<DeviceKind>
public typealias EventID = Identifier<EventKind>
public typealias SessionID = Identifier<SessionKind>
public typealias ReviewID = Identifier<ReviewKind>
