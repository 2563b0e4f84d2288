/// The one error type the engine throws. AisleServer maps `code` to an HTTP status and renders
/// `{"error":{"code","message","field"}}`; the CLI prints `message` with `field`.
public struct AisleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine-readable error codes; the raw values are the wire contract.
    public enum Code: String, Sendable, Codable, CaseIterable {
        case invalidJSON = "invalid_json"
        case invalidField = "invalid_field"
        case notFound = "not_found"
        case payloadTooLarge = "payload_too_large"
        case conflict
        case unauthorized
        case forbidden
        case methodNotAllowed = "method_not_allowed"
        /// Too many requests from one key and address (`--rate-limit`); `Retry-After` says when.
        case rateLimited = "rate_limited"
        case unavailable
        /// A body whose media type (`Content-Type`, or what its bytes are) is not accepted there.
        case unsupportedMediaType = "unsupported_media_type"
        /// An image in an accepted format whose bytes do not decode (truncated, corrupt).
        case invalidImage = "invalid_image"
    }

    public var code: Code
    /// Human-readable, says what was wrong and what was expected: "price must be >= 0, got -3".
    public var message: String
    /// JSON path of the offending field ("events[3].item_id"), when one field is to blame.
    public var field: String?
    /// For `unavailable` that passes (the shared database out of reach): seconds to wait before
    /// trying again, sent as `Retry-After`.
    public var retryAfterSeconds: Int?

    public init(code: Code, message: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// A field failed validation.
    public static func invalid(_ field: String, _ message: String) -> Self {
        Self(code: .invalidField, message: message, field: field)
    }

    /// The named resource does not exist (or was deleted).
    public static func notFound(_ message: String) -> Self {
        Self(code: .notFound, message: message)
    }

    public var description: String {
        if let field { return "\(code.rawValue) at \(field): \(message)" }
        return "\(code.rawValue): \(message)"
    }

    /// The same error with its field path placed under `prefix` ("events[2]" + "item_id").
    public func nested(under prefix: String) -> Self {
        var copy = self
        copy.field = field.map { $0.isEmpty ? prefix : "\(prefix).\($0)" } ?? prefix
        return copy
    }
}
