public import AisleCore
import Foundation
import GRDB

/// Keys made through the API (`made_api_keys`, migration v9).
extension SQLiteStore {
    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO made_api_keys
                        (id, name, secret_digest, permissions, created_at, expires_at, allowed_origins, rate_limit)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.name, key.secretDigest,
                    key.permissions.sorted().map(\.rawValue).joined(separator: " "),
                    key.createdAt.millisecondsSinceEpoch, key.expiresAt?.millisecondsSinceEpoch,
                    key.allowedOrigins?.joined(separator: "\n"), key.rateLimit,
                ]
            )
        }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, name, secret_digest, permissions, created_at, expires_at, allowed_origins, rate_limit
                    FROM made_api_keys WHERE revoked_at IS NULL ORDER BY created_at, id
                    """
            ).map { row in
                let permissions: String = row["permissions"]
                let origins: String? = row["allowed_origins"]
                return APIKeyRecord(
                    id: row["id"],
                    name: row["name"],
                    secretDigest: row["secret_digest"],
                    permissions: Set(permissions.split(separator: " ").compactMap { Permission(rawValue: String($0)) }),
                    createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
                    expiresAt: (row["expires_at"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)),
                    allowedOrigins: origins.map { $0.split(separator: "\n").map(String.init) },
                    rateLimit: row["rate_limit"]
                )
            }
        }
    }

    public func revokeAPIKey(id: String, at now: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE made_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [now.millisecondsSinceEpoch, id]
            )
            return db.changesCount > 0
        }
    }
}
