/// What an API key may do. A route needs one permission (docs/API.md, "Authentication");
/// `admin` includes every other.
public enum Permission: String, Sendable, CaseIterable, Codable, Comparable {
    case eventsWrite = "events:write"
    case identify
    case recommendationsRead = "recommendations:read"
    case searchRead = "search:read"
    case reviewsRead = "reviews:read"
    case reviewsWrite = "reviews:write"
    case assistant
    /// The shop's visible items (`GET /v1/items`, `GET /v1/items/{id}`): what any shopper
    /// sees anyway. Hidden items need `catalog:write`, which includes this.
    case catalogRead = "catalog:read"
    case catalogWrite = "catalog:write"
    case usersRead = "users:read"
    case usersWrite = "users:write"
    case experimentsRead = "experiments:read"
    case admin

    /// The built-in ingest key's permissions: what an app may do with a key anyone can read
    /// out of it.
    public static let ingestBundle: Set<Permission> = [
        .eventsWrite, .identify, .recommendationsRead, .searchRead, .reviewsRead, .reviewsWrite, .assistant,
        .experimentsRead, .catalogRead,
    ]

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A key made with `POST /v1/keys`, as stored: its secret only as a SHA-256 digest.
public struct APIKeyRecord: Sendable, Equatable {
    /// `key_` and 16 hex digits; names the key in lists, logs and the audit trail.
    public var id: String
    public var name: String
    /// The SHA-256 of the secret, in hex.
    public var secretDigest: String
    public var permissions: Set<Permission>
    public var createdAt: Timestamp
    /// After this the key is refused with 401; nil for no expiry.
    public var expiresAt: Timestamp?
    /// Browser origins (`https://shop.example.com`) the key may be used from; nil for any.
    public var allowedOrigins: [String]?
    /// Requests a second for this key, instead of the server's `--rate-limit`.
    public var rateLimit: Int?

    public init(
        id: String,
        name: String,
        secretDigest: String,
        permissions: Set<Permission>,
        createdAt: Timestamp,
        expiresAt: Timestamp? = nil,
        allowedOrigins: [String]? = nil,
        rateLimit: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.secretDigest = secretDigest
        self.permissions = permissions
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.allowedOrigins = allowedOrigins
        self.rateLimit = rateLimit
    }
}
