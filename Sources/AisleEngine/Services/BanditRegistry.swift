import AisleCore
import AisleExperiment
import Foundation
import Synchronization

/// The bandits in use, in memory: each choice and reward is a short locked update here. What
/// they learned is saved to the store after every reward, and after choices once a second and
/// at shutdown (`BanditSaveService`): a crash loses at most a second of pull counts, never an
/// acknowledged reward.
final class BanditRegistry: Sendable {
    /// What a bandit learned, per arm id: the record Thompson sampling reads, and the linear
    /// model LinUCB reads when the bandit has context.
    struct Learning: Codable, Sendable {
        var arms: [String: ArmLearning] = [:]
    }

    struct ArmLearning: Codable, Sendable {
        var record = ArmRecord()
        var linear: LinUCB.Arm?
    }

    /// A shopper's latest choice: the arm, when, the context it was made in, and whether a
    /// reward was counted for it yet.
    struct Choice: Sendable {
        var arm: String
        var at: Date
        var features: [Double]
        var rewarded = false
    }

    struct Live: Sendable {
        var bandit: Bandit
        var learning: Learning
        var choices: [String: Choice] = [:]
        /// Choices were made since the last save.
        var dirty = false
    }

    /// How long a shopper keeps seeing the same arm (one session).
    static let stickiness: TimeInterval = 30 * 60
    /// Past this many remembered choices, those older than the attribution window are dropped.
    static let choicesSwept = 100_000

    private let live = Mutex<[BanditID: Live]>([:])

    /// The features a contextual bandit learns from: an intercept, then one-hot platform
    /// (ios, android, web, other) and returning, for the features the bandit names.
    static func features(_ bandit: Bandit, platform: String?, returning: Bool?) -> [Double] {
        var x: [Double] = [1]
        for feature in bandit.context {
            switch feature {
            case .platform:
                let known = ["ios", "android", "web"]
                let index = platform.flatMap { known.firstIndex(of: $0.lowercased()) } ?? known.count
                x += (0...known.count).map { $0 == index ? 1 : 0 }
            case .returning:
                x.append(returning == true ? 1 : 0)
            }
        }
        return x
    }

    /// Runs `body` on the bandit's live state, loading it with `load` the first time.
    func with<T: Sendable>(
        _ id: BanditID,
        load: () async throws -> Live?,
        _ body: (inout Live) throws -> T
    ) async throws -> T? {
        if live.withLock({ $0[id] == nil }) {
            guard let loaded = try await load() else { return nil }
            live.withLock { bandits in if bandits[id] == nil { bandits[id] = loaded } }
        }
        return try live.withLock { bandits -> T? in
            // Moved out and back, so the state is uniquely referenced while `body` changes it:
            // a copy left in the dictionary would make every change copy every recent choice.
            guard var state = bandits.removeValue(forKey: id) else { return nil }
            defer { bandits[id] = state }
            return try body(&state)
        }
    }

    /// A new definition for a bandit in use: its learning is kept, new arms start fresh.
    func replace(_ bandit: Bandit) {
        live.withLock { bandits in bandits[bandit.id]?.bandit = bandit }
    }

    /// The learning of every bandit with unsaved choices, encoded; they count as saved.
    func takeUnsaved() -> [(BanditID, Data)] {
        live.withLock { bandits in
            var unsaved: [(BanditID, Data)] = []
            for (id, state) in bandits where state.dirty {
                guard let data = try? JSONEncoder().encode(state.learning) else { continue }
                unsaved.append((id, data))
                bandits[id]?.dirty = false
            }
            return unsaved
        }
    }

    /// Marks a bandit's learning unsaved again after a failed save.
    func markUnsaved(_ id: BanditID) {
        live.withLock { $0[id]?.dirty = true }
    }

    /// Forgets the choices made for these units (erasure).
    func forget(units keys: Set<String>) {
        live.withLock { bandits in
            for id in bandits.keys {
                for key in keys { bandits[id]?.choices[key] = nil }
            }
        }
    }

    /// Whether any bandit is in memory (only those can have recent choices to reward).
    var anyLoaded: Bool { live.withLock { !$0.isEmpty } }

    /// The bandits in memory whose reward is `type`, for rewards from events.
    func loaded(rewardedBy type: EventType) -> [BanditID] {
        live.withLock { bandits in bandits.values.filter { $0.bandit.reward.eventType == type }.map(\.bandit.id) }
    }
}
