public import AisleCore
import AisleStore

/// Keys made through the API. The server makes the secrets and checks them; the engine keeps
/// their records (never a secret, only its digest).
extension Engine {
    /// Stores a made key.
    public func createAPIKey(_ key: APIKeyRecord) async throws {
        try await store.createAPIKey(key)
        await store.publish(.madeKeys)
    }

    /// The made keys not revoked, oldest first.
    public func apiKeys() async throws -> [APIKeyRecord] {
        try await store.apiKeys()
    }

    /// Revokes a made key; false when there is none by that id.
    public func revokeAPIKey(id: String, at now: Timestamp = .now()) async throws -> Bool {
        let revoked = try await store.revokeAPIKey(id: id, at: now)
        if revoked { await store.publish(.madeKeys) }
        return revoked
    }
}
