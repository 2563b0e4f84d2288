import Foundation

/// `POST /v1/keys`: `{"name", "scopes": [...], "expires_in_days"?, "allowed_origins"?, "rate_limit"?}`.
public struct KeyRequestBody: Codable, Sendable, Equatable {
    public var name: String?
    public var scopes: [String]?
    public var expiresInDays: Int?
    public var allowedOrigins: [String]?
    public var rateLimit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, scopes
        case expiresInDays = "expires_in_days"
        case allowedOrigins = "allowed_origins"
        case rateLimit = "rate_limit"
    }

    public init(
        name: String?,
        scopes: [String]?,
        expiresInDays: Int? = nil,
        allowedOrigins: [String]? = nil,
        rateLimit: Int? = nil
    ) {
        self.name = name
        self.scopes = scopes
        self.expiresInDays = expiresInDays
        self.allowedOrigins = allowedOrigins
        self.rateLimit = rateLimit
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes)
        expiresInDays = try container.decodeIfPresent(Int.self, forKey: .expiresInDays)
        allowedOrigins = try container.decodeIfPresent([String].self, forKey: .allowedOrigins)
        rateLimit = try container.decodeIfPresent(Int.self, forKey: .rateLimit)
    }

    /// The key this asks for, checked: a name, known scopes, 1 to 3,650 days, origins like
    /// `https://shop.example.com`, 1 to 1,000,000 requests a second. `id` and `secretDigest`
    /// are the caller's (the server makes the secret).
    public func validated(id: String, secretDigest: String, now: Timestamp) throws(AisleError) -> APIKeyRecord {
        guard let name else { throw .invalid("name", "\"name\" is required: what the key is for") }
        let checkedName = try Validate.text(name, field: "name", maxBytes: 200)
        guard let scopes, !scopes.isEmpty else {
            throw .invalid("scopes", "\"scopes\" is required: one or more of \(Self.knownScopes)")
        }
        var permissions = Set<Permission>()
        for (index, scope) in scopes.enumerated() {
            guard let permission = Permission(rawValue: scope) else {
                throw .invalid("scopes[\(index)]", "unknown scope \"\(scope.prefix(64))\"; known: \(Self.knownScopes)")
            }
            permissions.insert(permission)
        }
        var expiresAt: Timestamp?
        if let days = expiresInDays {
            guard (1...3_650).contains(days) else {
                throw .invalid("expires_in_days", "expires_in_days must be 1 to 3650, got \(days)")
            }
            expiresAt = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64(days) * 86_400_000)
        }
        if let origins = allowedOrigins {
            guard origins.count <= 50 else {
                throw .invalid("allowed_origins", "at most 50 origins, got \(origins.count)")
            }
            for (index, origin) in origins.enumerated() where !Self.isOrigin(origin) {
                throw .invalid(
                    "allowed_origins[\(index)]",
                    "an origin is scheme://host[:port] with no path, like https://shop.example.com; got \"\(origin.prefix(100))\""
                )
            }
        }
        if let rate = rateLimit, !(1...1_000_000).contains(rate) {
            throw .invalid("rate_limit", "rate_limit must be 1 to 1000000 requests a second, got \(rate)")
        }
        return APIKeyRecord(
            id: id,
            name: checkedName,
            secretDigest: secretDigest,
            permissions: permissions,
            createdAt: now,
            expiresAt: expiresAt,
            allowedOrigins: allowedOrigins,
            rateLimit: rateLimit
        )
    }

    static var knownScopes: String { Permission.allCases.map(\.rawValue).joined(separator: ", ") }

    /// What a browser sends as `Origin`: `http` or `https`, a host, maybe a port, nothing else.
    static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= 253, let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else { return false }
        return components.path.isEmpty && components.query == nil && components.fragment == nil
            && components.user == nil
    }
}

/// A made key as `GET /v1/keys` lists it; `key`, the secret, only in the answer that made it.
public struct KeyBody: Codable, Sendable, Equatable {
    public var id: String
    public var key: String?
    public var name: String
    public var scopes: [String]
    public var createdAt: TimestampBody
    public var expiresAt: TimestampBody?
    public var allowedOrigins: [String]?
    public var rateLimit: Int?

    enum CodingKeys: String, CodingKey {
        case id, key, name, scopes
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case allowedOrigins = "allowed_origins"
        case rateLimit = "rate_limit"
    }

    public init(_ record: APIKeyRecord, secret: String? = nil) {
        id = record.id
        key = secret
        name = record.name
        scopes = record.permissions.sorted().map(\.rawValue)
        createdAt = TimestampBody(record.createdAt)
        expiresAt = record.expiresAt.map(TimestampBody.init)
        allowedOrigins = record.allowedOrigins
        rateLimit = record.rateLimit
    }
}

/// One entry of `GET /v1/audit`.
public struct AuditEntryBody: Codable, Sendable, Equatable {
    public var at: TimestampBody
    public var keyID: String
    public var action: String
    public var target: String?
    public var status: Int

    enum CodingKeys: String, CodingKey {
        case at
        case keyID = "key_id"
        case action, target, status
    }

    public init(_ entry: AuditEntry) {
        at = TimestampBody(entry.at)
        keyID = entry.keyID
        action = entry.action
        target = entry.target
        status = entry.status
    }
}
