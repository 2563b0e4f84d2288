import AisleCore
import AisleEngine
import AisleExperiment
import AisleStore
import Testing

/// Bandits through the engine: choices, rewards posted and from events, stickiness, persistence.
@Suite struct EngineBanditTests {
    static func bandit(
        _ arms: [String] = ["a", "b", "c"],
        reward: BanditReward = .event(.click),
        context: [BanditFeature] = []
    ) -> Bandit {
        Bandit(
            id: BanditID("home-banner"),
            arms: arms.map { BanditArm(id: $0, config: .object(["banner": .string($0)])) },
            reward: reward,
            context: context
        )
    }

    @Test("with posted rewards the bandit shifts traffic to the best arm (5%, 10%, 25%)")
    func learns() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putBandit(Self.bandit())
        let rates = ["a": 0.05, "b": 0.10, "c": 0.25]
        var random = SplitMix64(seed: 21)
        var shown: [String: Int] = [:]
        for n in 0..<3_000 {
            let shopper = Shopper.user(UserID("u\(n)"))
            let arm = try await fixture.engine.banditChoice(BanditID("home-banner"), for: shopper)
            shown[arm.id, default: 0] += 1
            if random.nextDouble() < (rates[arm.id] ?? 0) {
                try await fixture.engine.banditReward(BanditID("home-banner"), for: shopper, arm: arm.id, reward: 1)
            }
        }
        #expect((shown["c"] ?? 0) > 1_800, "\(shown)")
        let summary = try await fixture.engine.banditSummary(BanditID("home-banner"))
        #expect(summary.arms.map(\.pulls).reduce(0, +) == 3_000)
        let best = try #require(summary.arms.max { $0.mean < $1.mean })
        #expect(best.arm.id == "c")
        #expect(best.low < 0.25 && 0.25 < best.high)
    }

    @Test("a shopper keeps their arm within a session; a reward event after the choice counts once")
    func stickyAndEventRewards() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putBandit(Self.bandit())
        let id = BanditID("home-banner")
        let first = try await fixture.engine.banditChoice(id, for: .device(DeviceID("phone")))
        for _ in 0..<20 { #expect(try await fixture.engine.banditChoice(id, for: .device(DeviceID("phone"))) == first) }
        try await fixture.append([
            EngineFixture.event(.click, device: "phone", item: "j1", secondsAgo: 0),
            EngineFixture.event(.click, device: "phone", item: "j2", secondsAgo: 0),
            EngineFixture.event(.view, device: "other", item: "j2", secondsAgo: 0),
        ])
        let summary = try await fixture.engine.banditSummary(id)
        let arm = try #require(summary.arms.first { $0.arm.id == first.id })
        #expect(arm.pulls == 1 && arm.rewards == 1)
        #expect(summary.arms.map(\.rewards).reduce(0, +) == 1)
    }

    @Test("what a bandit learned outlives the engine: a new engine on the same store reads it back")
    func persists() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putBandit(Self.bandit(["x", "y"]))
        let id = BanditID("home-banner")
        let arm = try await fixture.engine.banditChoice(id, for: .user(UserID("u1")))
        try await fixture.engine.banditReward(id, for: .user(UserID("u1")), arm: arm.id, reward: 1)
        let before = try await fixture.engine.banditSummary(id)
        let second = EngineFixture(sharing: fixture.store)
        #expect(try await second.engine.banditSummary(id) == before)
    }

    @Test("a contextual bandit learns a different best arm per platform")
    func contextual() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putBandit(Self.bandit(["ios-banner", "android-banner"], context: [.platform]))
        let id = BanditID("home-banner")
        var random = SplitMix64(seed: 22)
        var correct = 0
        for n in 0..<2_000 {
            let platform = n % 2 == 0 ? "ios" : "android"
            let shopper = Shopper.user(UserID("u\(n)"))
            let arm = try await fixture.engine.banditChoice(id, for: shopper, platform: platform)
            let rate = arm.id == "\(platform)-banner" ? 0.3 : 0.05
            if n >= 1_000 && arm.id == "\(platform)-banner" { correct += 1 }
            let reward: Double = random.nextDouble() < rate ? 1 : 0
            try await fixture.engine.banditReward(id, for: shopper, arm: arm.id, reward: reward)
        }
        #expect(correct > 800, "\(correct) of the last 1,000 choices matched the platform")
    }

    @Test("retired arms are not chosen and keep their record; bad definitions and rewards are refused")
    func retiredAndUnhappy() async throws {
        let fixture = try EngineFixture()
        let id = BanditID("home-banner")
        _ = try await fixture.engine.putBandit(Self.bandit(["a", "b"]))
        for n in 0..<40 { _ = try await fixture.engine.banditChoice(id, for: .user(UserID("u\(n)"))) }
        var retired = Self.bandit(["a", "b"])
        retired.arms[0].retired = true
        let summary = try await fixture.engine.putBandit(retired)
        #expect(summary.arms.map(\.pulls).reduce(0, +) == 40, "the records are kept")
        for n in 40..<80 { #expect(try await fixture.engine.banditChoice(id, for: .user(UserID("u\(n)"))).id == "b") }
        await #expect(throws: AisleError.self) {
            try await fixture.engine.banditReward(id, for: .user(UserID("u1")), arm: "zzz", reward: 1)
        }
        await #expect(throws: AisleError.self) {
            try await fixture.engine.banditReward(id, for: .user(UserID("u1")), arm: "a", reward: 0.5)
        }
        await #expect(throws: AisleError.self) {
            try await fixture.engine.banditChoice(BanditID("nope"), for: .user(UserID("u1")))
        }
        await #expect(throws: AisleError.self) { try await fixture.engine.banditChoice(id, for: .anonymous) }
        var bad = Self.bandit(["a", "a"])
        await #expect(throws: AisleError.self) { try await fixture.engine.putBandit(bad) }
        bad = Self.bandit(["a"])
        bad.minimumExploration = 0.9
        await #expect(throws: AisleError.self) { try await fixture.engine.putBandit(bad) }
        bad.minimumExploration = 0.05
        bad.arms[0].retired = true
        await #expect(throws: AisleError.self) { try await fixture.engine.putBandit(bad) }
    }
}
