import AisleCore
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Reads the whole body, up to `maxBytes` (else 413), and decodes it as `T` with every
    /// failure mapped to a 400 naming the field.
    mutating func decodeBody<T: Decodable>(_ type: T.Type, maxBytes: Int) async throws -> T {
        try Wire.decode(type, from: Data(try await bodyBytes(maxBytes: maxBytes)))
    }

    /// The whole body, up to `maxBytes` (else 413 payload_too_large). A body sent with
    /// `Content-Encoding: gzip` is inflated, and the limit holds for the inflated bytes too.
    mutating func bodyBytes(maxBytes: Int) async throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = Array(try await collectBody(upTo: maxBytes).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw AisleError(code: .payloadTooLarge, message: "the body is larger than the limit of \(maxBytes) bytes")
        }
        switch headers[.contentEncoding]?.lowercased() {
        case nil, "identity":
            return bytes
        case "gzip":
            return try Gzip.decompress(bytes, maxBytes: maxBytes)
        case let other?:
            throw AisleError(
                code: .invalidField,
                message: "Content-Encoding \(other.prefix(32)) is not supported; send gzip or no encoding",
                field: "Content-Encoding"
            )
        }
    }

    /// The query string's parameters in order. `+` is a space, as HTML forms and most HTTP
    /// clients encode it (`q=star+wras` is "star wras"; a literal plus is `%2B`), then
    /// percent-escapes are decoded; text that is not valid percent-encoding is kept as sent.
    var queryPairs: [(name: String, value: String)] {
        guard let query = uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decoded(parts[0]), parts.count > 1 ? decoded(parts[1]) : "")
        }
    }

    /// The first value of a query parameter, as sent (empty text included), or nil.
    func queryValue(_ name: String) -> String? {
        queryPairs.first { $0.name == name }?.value
    }

    /// An integer query parameter within `range`, or `defaultValue` when absent.
    func queryInt(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = queryValue(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw AisleError.invalid(
                name,
                "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(32))\""
            )
        }
        return value
    }

    /// A boolean query parameter (`true`/`false`/`1`/`0`), or `defaultValue` when absent.
    func queryBool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let text = queryValue(name) else { return defaultValue }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw AisleError.invalid(name, "\(name) must be true or false, got \"\(text.prefix(16))\"")
        }
    }

    func queryString(_ name: String) -> String? {
        queryValue(name).flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded (the router matches raw paths), validated as an id.
    func pathID<Kind>(_ name: String, as type: Identifier<Kind>.Type) throws -> Identifier<Kind> {
        guard let raw = parameters.get(name) else {
            throw AisleError.invalid(name, "the URL has no \(Kind.name)")
        }
        guard let decoded = raw.removingPercentEncoding else {
            throw AisleError.invalid(name, "the \(Kind.name) in the URL is not valid percent-encoding")
        }
        return try Identifier<Kind>(validating: decoded, field: name)
    }
}

/// Opaque pagination cursors: base64url text, so clients treat them as tokens.
enum Cursor {
    static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A cursor for the list position `offset` (lists computed in full and cut into pages).
    static func encode(offset: Int) -> String {
        encode("o:\(offset)")
    }

    /// The position a cursor from `encode(offset:)` names; it must be below `limit`.
    static func offset(_ cursor: String, below limit: Int) throws -> Int {
        let text = try decode(cursor)
        guard text.hasPrefix("o:"), let offset = Int(text.dropFirst(2)), (0..<limit).contains(offset) else {
            throw AisleError.invalid("cursor", "cursor is not one this server issued; pass next_cursor back unchanged")
        }
        return offset
    }

    static func decode(_ cursor: String) throws -> String {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw AisleError.invalid("cursor", "cursor is not one this server issued; pass next_cursor back unchanged")
        }
        return text
    }
}

/// Whose request it is, from `user_id` or `device_id` (query parameters or body fields): the
/// one parser of the routes that name a shopper (search, contextual recommendations).
enum ShopperParameters {
    /// The shopper named by the `user_id` or `device_id` query parameter; one is required
    /// (assignments and choices need a stable id).
    static func required(_ request: Request) throws(AisleError) -> Shopper {
        guard let shopper = try shopper(user: request.queryString("user_id"), device: request.queryString("device_id"))
        else {
            throw AisleError.invalid("user_id", "give user_id or device_id: a stable id for the shopper")
        }
        return shopper
    }

    /// The shopper named, nil when neither id is given; both at once is an error.
    static func shopper(user: String?, device: String?) throws(AisleError) -> Shopper? {
        if user != nil && device != nil { throw AisleError.invalid("device_id", "send user_id or device_id, not both") }
        if let user { return .user(try UserID(validating: user, field: "user_id")) }
        if let device { return .device(try DeviceID(validating: device, field: "device_id")) }
        return nil
    }
}

extension Double {
    /// This number as JSON can carry it: JSON has no infinities or NaN, so an overflowed figure
    /// (revenue sums of absurd prices) is sent as the largest finite number of its sign, NaN as 0.
    var finiteForJSON: Double {
        isFinite ? self : isNaN ? 0 : self > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude
    }
}
