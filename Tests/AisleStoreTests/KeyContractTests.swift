import AisleCore
import AisleStore
import Testing

/// API keys' contract (`KeyStore`), against SQLite and a real PostgreSQL server.
@Suite struct KeyContractTests {
    @Test("API key hashes are stored per scope and replaced", arguments: StoreKind.allCases)
    func keyHashes(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.apiKeyHash(scope: "admin") == nil)
        try await store.setAPIKeyHash("aa", scope: "admin", at: .t0)
        try await store.setAPIKeyHash("bb", scope: "admin", at: .t0)
        #expect(try await store.apiKeyHash(scope: "admin") == "bb")
    }

    @Test("made keys: stored with every field, listed oldest first, revoked once", arguments: StoreKind.allCases)
    func madeKeys(kind: StoreKind) async throws {
        let store = try await kind.make()
        let full = APIKeyRecord(
            id: "key_00000000000000aa",
            name: "storefront ✓",
            secretDigest: "d1",
            permissions: [.searchRead, .recommendationsRead],
            createdAt: .t0,
            expiresAt: Timestamp(millisecondsSinceEpoch: Timestamp.t0.millisecondsSinceEpoch + 86_400_000),
            allowedOrigins: ["https://shop.example.com", "http://localhost:3000"],
            rateLimit: 50
        )
        let bare = APIKeyRecord(
            id: "key_00000000000000bb",
            name: "sync",
            secretDigest: "d2",
            permissions: [.catalogWrite],
            createdAt: Timestamp(millisecondsSinceEpoch: Timestamp.t0.millisecondsSinceEpoch + 1)
        )
        try await store.createAPIKey(full)
        try await store.createAPIKey(bare)
        #expect(try await store.apiKeys() == [full, bare])
        #expect(try await store.revokeAPIKey(id: full.id, at: .t0))
        #expect(try await store.revokeAPIKey(id: full.id, at: .t0) == false)
        #expect(try await store.revokeAPIKey(id: "key_missing", at: .t0) == false)
        #expect(try await store.apiKeys() == [bare])
    }
}
