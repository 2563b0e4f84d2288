public import AisleCore
import PostgresNIO

/// API keys on PostgreSQL (`KeyStore`): the built-in keys' hashes and the keys made through the
/// API, as the SQLite store keeps them.
extension PostgresStore: KeyStore {
    public func apiKeyHash(scope: String) async throws -> String? {
        let rows = try await query("SELECT hash FROM api_keys WHERE scope = \(scope)", logger: logger)
        for try await hash in rows.decode(String.self) { return hash }
        return nil
    }

    public func setAPIKeyHash(_ hash: String, scope: String, at now: Timestamp) async throws {
        try await query(
            """
            INSERT INTO api_keys (scope, hash, created_at) VALUES (\(scope), \(hash), \(now.millisecondsSinceEpoch))
            ON CONFLICT (scope) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at
            """,
            logger: logger
        )
    }

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try await query(
            """
            INSERT INTO made_api_keys
                (id, name, secret_digest, permissions, created_at, expires_at, allowed_origins, rate_limit)
            VALUES (\(key.id), \(key.name), \(key.secretDigest), \(key.permissions.sorted().map(\.rawValue)),
                \(key.createdAt.millisecondsSinceEpoch), \(key.expiresAt?.millisecondsSinceEpoch),
                \(key.allowedOrigins), \(key.rateLimit))
            """,
            logger: logger
        )
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        let rows = try await query(
            """
            SELECT id, name, secret_digest, permissions, created_at, expires_at, allowed_origins, rate_limit
            FROM made_api_keys WHERE revoked_at IS NULL ORDER BY created_at, id
            """,
            logger: logger
        )
        var keys: [APIKeyRecord] = []
        for try await (id, name, digest, permissions, created, expires, origins, rateLimit) in rows.decode(
            (String, String, String, [String], Int64, Int64?, [String]?, Int?).self
        ) {
            keys.append(
                APIKeyRecord(
                    id: id,
                    name: name,
                    secretDigest: digest,
                    permissions: Set(permissions.compactMap(Permission.init(rawValue:))),
                    createdAt: Timestamp(millisecondsSinceEpoch: created),
                    expiresAt: expires.map(Timestamp.init(millisecondsSinceEpoch:)),
                    allowedOrigins: origins,
                    rateLimit: rateLimit
                )
            )
        }
        return keys
    }

    public func revokeAPIKey(id: String, at now: Timestamp) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE made_api_keys SET revoked_at = \(now.millisecondsSinceEpoch)
            WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """,
            logger: logger
        )
        return try await !rows.collect().isEmpty
    }
}
