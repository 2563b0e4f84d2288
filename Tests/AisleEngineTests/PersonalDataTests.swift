import AisleCore
import AisleEngine
import AisleMath
import AisleRecommend
import AisleStore
import Testing

/// Personal profile attributes are sealed in the store and open through the engine.
@Suite struct PersonalDataTests {
    static func engine(store: any Store, key: [UInt8]) -> Engine {
        Engine(
            configuration: AisleConfiguration(),
            store: store,
            recommendations: RecommendationService(
                store: store,
                settings: .init(parallelism: .serial, snapshotPath: nil),
                initial: .empty(at: .now())
            ),
            dataKey: key
        )
    }

    @Test("email and phone are stored sealed, read back in clear; other attributes stay as they are")
    func sealed() async throws {
        let store = try SQLiteStore.inMemory()
        let engine = Self.engine(store: store, key: [UInt8](repeating: 7, count: 32))
        let profile = User(
            id: UserID("u"),
            attributes: ["email": .string("alice@example.com"), "phone": .number(4915155501), "tier": .string("gold")]
        )
        let answered = try await engine.putUsers([profile])
        #expect(answered.first?.attributes == profile.attributes)
        let raw = try #require(try await store.user(UserID("u")))
        guard case .string(let sealed)? = raw.attributes["email"] else {
            Issue.record("email not a sealed string: \(String(describing: raw.attributes["email"]))")
            return
        }
        #expect(sealed.hasPrefix("aisle-sealed:v1:") && !sealed.contains("alice"))
        #expect(raw.attributes["tier"] == .string("gold"))
        #expect(try await engine.user(UserID("u"))?.attributes == profile.attributes)
        // Sealed twice by a re-put of what was read: still one layer.
        _ = try await engine.putUsers([try #require(try await engine.user(UserID("u")))])
        #expect(try await engine.user(UserID("u"))?.attributes == profile.attributes)
    }

    @Test("under another key a sealed value is left out, never shown as ciphertext")
    func wrongKey() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await Self.engine(store: store, key: [UInt8](repeating: 1, count: 32))
            .putUsers([User(id: UserID("u"), attributes: ["email": .string("a@b.c"), "tier": .string("x")])])
        let other = Self.engine(store: store, key: [UInt8](repeating: 2, count: 32))
        #expect(try await other.user(UserID("u"))?.attributes == ["tier": .string("x")])
    }
}
