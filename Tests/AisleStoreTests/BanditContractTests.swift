import AisleCore
import AisleStore
import Testing

/// Bandits' contract (`BanditStore`), against SQLite and a real PostgreSQL server.
@Suite struct BanditContractTests {
    static func bandit(_ id: String, arms: [String] = ["a", "b"]) -> Bandit {
        Bandit(
            id: BanditID(id),
            arms: arms.map { BanditArm(id: $0, config: .object(["banner": .string("横幅 \($0)")])) },
            reward: .revenue,
            context: [.platform],
            minimumExploration: 0.1,
            attributionWindowMinutes: 90
        )
    }

    @Test("a bandit reads back field for field; ids are listed in byte order", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.bandit(BanditID("none")) == nil)
        for id in ["b", "a", "Z", "é"] { try await store.putBandit(Self.bandit(id), at: .t0) }
        #expect(try await store.bandit(BanditID("a")) == Self.bandit("a"))
        #expect(try await store.banditIDs() == ["Z", "a", "b", "é"].map(BanditID.init))
    }

    @Test("what a bandit learned is kept as sent, and survives a new definition", arguments: StoreKind.allCases)
    func state(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await store.putBandit(Self.bandit("a"), at: .t0)
        #expect(try await store.banditState(of: BanditID("a")) == nil)
        let bytes: [UInt8] = [0, 1, 2, 255, 0, 128]
        try await store.saveBanditState(bytes, of: BanditID("a"))
        try await store.putBandit(Self.bandit("a", arms: ["a", "b", "c"]), at: .t0(plusMinutes: 1))
        #expect(try await store.banditState(of: BanditID("a")) == bytes)
        #expect(try await store.bandit(BanditID("a"))?.arms.count == 3)
        #expect(try await store.banditState(of: BanditID("none")) == nil)
    }
}
