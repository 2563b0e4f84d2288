public import AisleCore
import AisleExperiment
import AisleStore
import Foundation

/// Bandits (docs/EXPERIMENTS.md, "Bandits"): choices that shift traffic to the arm that earns
/// the most, learning from posted rewards and from reward events after a choice.
extension Engine {
    /// Creates or replaces a bandit's definition; what it learned so far is kept (new arms
    /// start fresh, retired arms keep their record).
    public func putBandit(_ bandit: Bandit) async throws -> BanditSummary {
        try bandit.validate()
        try await store.putBandit(bandit, at: .now())
        bandits.replace(bandit)
        await store.publish(.bandit(bandit.id))
        return try await banditSummary(bandit.id)
    }

    /// Every bandit's summary, in id order.
    public func banditSummaries() async throws -> [BanditSummary] {
        var summaries: [BanditSummary] = []
        for id in try await store.banditIDs() {
            summaries.append(try await banditSummary(id))
        }
        return summaries
    }

    /// The bandit with each arm's pulls, rewards and posterior mean with a 95% interval.
    public func banditSummary(_ id: BanditID) async throws -> BanditSummary {
        let summary = try await bandits.with(id, load: { try await loadBandit(id) }) { live in
            BanditSummary(live.bandit, learning: live.learning)
        }
        guard let summary else { throw Self.noBandit(id) }
        return summary
    }

    /// The arm to show `shopper`. The same shopper keeps their arm for 30 minutes (a session);
    /// `platform` and `returning` are the request's context, read by a bandit that has it.
    public func banditChoice(
        _ id: BanditID,
        for shopper: Shopper,
        platform: String? = nil,
        returning: Bool? = nil
    ) async throws -> BanditArm {
        let unit = try await exposureUnit(of: shopper)
        let now = Date()
        let outcome = try await bandits.with(id, load: { try await loadBandit(id) }) { live -> BanditArm in
            let active = live.bandit.arms.filter { !$0.retired }
            if let kept = live.choices[unit.key], now.timeIntervalSince(kept.at) < BanditRegistry.stickiness,
                let arm = active.first(where: { $0.id == kept.arm })
            {
                return arm
            }
            let features = BanditRegistry.features(live.bandit, platform: platform, returning: returning)
            var random = SystemRandomNumberGenerator()
            let index: Int?
            if live.bandit.context.isEmpty {
                let sampler = ThompsonSampling(
                    kind: live.bandit.reward.isBinary ? .binary : .continuous,
                    minimumExploration: live.bandit.minimumExploration
                )
                index = sampler.choose(active.map { live.learning.arms[$0.id]?.record ?? ArmRecord() }, using: &random)
            } else {
                let linear = active.map {
                    live.learning.arms[$0.id]?.linear.flatMap { $0.dimension == features.count ? $0 : nil }
                        ?? LinUCB.Arm(dimension: features.count)
                }
                index = LinUCB(minimumExploration: live.bandit.minimumExploration).choose(
                    linear,
                    context: features,
                    using: &random
                )
            }
            let arm = active[index ?? 0]
            live.learning.arms[arm.id, default: BanditRegistry.ArmLearning()].record.pull()
            live.choices[unit.key] = BanditRegistry.Choice(arm: arm.id, at: now, features: features)
            Self.sweep(&live, now: now)
            live.dirty = true
            return arm
        }
        guard let outcome else { throw Self.noBandit(id) }
        return outcome
    }

    /// Saves the bandits with unsaved choices (`BanditSaveService` calls it every second).
    func saveBandits() async {
        for (id, state) in bandits.takeUnsaved() {
            do {
                try await store.saveBanditState(Array(state), of: id)
            } catch {
                // Not written (the store failed, or shutdown cancelled the write): the next
                // save, the one at shutdown included, writes it again.
                bandits.markUnsaved(id)
            }
        }
    }

    /// Counts a reward for `arm` shown to `shopper` (their latest choice, within the
    /// attribution window; else `conflict`): 0 or 1 for a binary reward, any finite value for
    /// revenue. A binary reward counts once per choice; a revenue bandit's several orders all count.
    /// Saved before it returns.
    public func banditReward(_ id: BanditID, for shopper: Shopper, arm: String, reward: Double) async throws {
        let unit = try await exposureUnit(of: shopper)
        let state = try await bandits.with(id, load: { try await loadBandit(id) }) { live -> Data in
            guard live.bandit.arms.contains(where: { $0.id == arm }) else {
                throw AisleError.invalid("arm", "no arm \"\(arm.prefix(64))\" in this bandit")
            }
            guard reward.isFinite, !live.bandit.reward.isBinary || reward == 0 || reward == 1 else {
                throw AisleError.invalid(
                    "reward",
                    live.bandit.reward.isBinary
                        ? "this bandit's rewards are 0 or 1, got \(reward)" : "rewards are finite numbers"
                )
            }
            // Only for an arm the shopper was shown within the window: a reward without a pull
            // would tell the posterior of an arm that was never tried.
            let window = TimeInterval(live.bandit.attributionWindowMinutes * 60)
            guard let choice = live.choices[unit.key], choice.arm == arm, Date().timeIntervalSince(choice.at) <= window
            else {
                throw AisleError(
                    code: .conflict,
                    message:
                        "\(arm.prefix(64)) was not shown to this shopper in the last \(live.bandit.attributionWindowMinutes) minutes (GET /v1/bandits/{id}/choice first)"
                )
            }
            if live.bandit.reward.isBinary && choice.rewarded {
                throw AisleError(code: .conflict, message: "this choice was rewarded already (0 or 1 once per choice)")
            }
            Self.reward(&live, unit: unit.key, arm: arm, value: reward)
            live.dirty = false
            return try JSONEncoder().encode(live.learning)
        }
        guard let state else { throw Self.noBandit(id) }
        try await store.saveBanditState(Array(state), of: id)
    }

    /// Rewards from stored events: an event of a bandit's reward type from a shopper chosen
    /// for within its attribution window, once per choice.
    func rewardBandits(with events: [Event]) async throws {
        for type in Set(events.map(\.type)) {
            for id in bandits.loaded(rewardedBy: type) {
                let state = try await bandits.with(id, load: { nil }) { live -> Data? in
                    var changed = false
                    let window = TimeInterval(live.bandit.attributionWindowMinutes * 60)
                    for event in events where event.type == type {
                        let keys = [
                            event.userID.map { ExposureUnit.user($0).key },
                            event.deviceID.map { ExposureUnit.device($0).key },
                        ]
                        guard let key = keys.compactMap({ $0 }).first(where: { live.choices[$0] != nil }),
                            let choice = live.choices[key], !choice.rewarded,
                            Date().timeIntervalSince(choice.at) <= window
                        else { continue }
                        Self.reward(
                            &live,
                            unit: key,
                            arm: choice.arm,
                            value: live.bandit.reward.isBinary ? 1 : event.value ?? 0
                        )
                        changed = true
                    }
                    guard changed else { return nil }
                    live.dirty = false
                    return try JSONEncoder().encode(live.learning)
                }
                if let state = state.flatMap({ $0 }) { try await store.saveBanditState(Array(state), of: id) }
            }
        }
    }

    private static func reward(_ live: inout BanditRegistry.Live, unit: String, arm: String, value: Double) {
        var learning = live.learning.arms[arm] ?? BanditRegistry.ArmLearning()
        learning.record.reward(value)
        if !live.bandit.context.isEmpty {
            // The context of this shopper's choice when it was this arm, else the intercept alone.
            let features =
                live.choices[unit].flatMap { $0.arm == arm ? $0.features : nil }
                ?? BanditRegistry.features(live.bandit, platform: nil, returning: nil)
            var linear =
                learning.linear.flatMap { $0.dimension == features.count ? $0 : nil }
                ?? LinUCB.Arm(dimension: features.count)
            linear.update(features, reward: value)
            learning.linear = linear
        }
        live.learning.arms[arm] = learning
        live.choices[unit]?.rewarded = true
    }

    private static func sweep(_ live: inout BanditRegistry.Live, now: Date) {
        guard live.choices.count > BanditRegistry.choicesSwept else { return }
        let keep = max(BanditRegistry.stickiness, TimeInterval(live.bandit.attributionWindowMinutes * 60))
        live.choices = live.choices.filter { now.timeIntervalSince($0.value.at) <= keep }
    }

    private func loadBandit(_ id: BanditID) async throws -> BanditRegistry.Live? {
        guard let bandit = try await store.bandit(id) else { return nil }
        let learning = try await store.banditState(of: id).map {
            try JSONDecoder().decode(BanditRegistry.Learning.self, from: Data($0))
        }
        return BanditRegistry.Live(bandit: bandit, learning: learning ?? BanditRegistry.Learning())
    }

    /// A user by their id; a device by its linked user, else by itself.
    func exposureUnit(of shopper: Shopper) async throws -> ExposureUnit {
        switch shopper {
        case .user(let user): return .user(user)
        case .device(let device):
            return try await store.linkedUser(of: device).map(ExposureUnit.user) ?? .device(device)
        case .anonymous:
            throw AisleError.invalid("user_id", "give user_id or device_id: a stable id for the shopper")
        }
    }

    private static func noBandit(_ id: BanditID) -> AisleError {
        AisleError(code: .notFound, message: "no bandit \"\(id.rawValue.prefix(64))\"")
    }
}

/// A bandit and what it learned, per arm.
public struct BanditSummary: Sendable, Equatable {
    public struct Arm: Sendable, Equatable {
        public var arm: BanditArm
        public var pulls: Int
        public var rewards: Int
        /// Posterior mean reward per pull and its central 95% interval.
        public var mean: Double
        public var low: Double
        public var high: Double
    }

    public var bandit: Bandit
    public var arms: [Arm]

    init(_ bandit: Bandit, learning: BanditRegistry.Learning) {
        self.bandit = bandit
        let sampler = ThompsonSampling(kind: bandit.reward.isBinary ? .binary : .continuous)
        arms = bandit.arms.map { arm in
            let record = learning.arms[arm.id]?.record ?? ArmRecord()
            let posterior = sampler.posterior(record)
            return Arm(
                arm: arm,
                pulls: record.pulls,
                rewards: record.rewards,
                mean: posterior.value,
                low: posterior.low,
                high: posterior.high
            )
        }
    }
}
