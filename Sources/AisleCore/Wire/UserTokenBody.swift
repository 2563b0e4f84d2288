/// `POST /v1/users/{id}/token`: `{"ttl_seconds": 3600}`, or an empty body for the default.
public struct UserTokenRequestBody: Codable, Sendable, Equatable {
    public var ttlSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ttlSeconds = "ttl_seconds"
    }

    public init(ttlSeconds: Int? = nil) {
        self.ttlSeconds = ttlSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ttlSeconds = try container.decodeIfPresent(Int.self, forKey: .ttlSeconds)
    }
}

/// The answer to `POST /v1/users/{id}/token`: the token the app sends as `X-Aisle-User-Token`.
public struct UserTokenBody: Codable, Sendable, Equatable {
    public var userID: String
    public var token: String
    public var expiresAt: TimestampBody

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case token
        case expiresAt = "expires_at"
    }

    public init(userID: String, token: String, expiresAt: TimestampBody) {
        self.userID = userID
        self.token = token
        self.expiresAt = expiresAt
    }
}
