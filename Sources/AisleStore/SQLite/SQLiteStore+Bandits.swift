public import AisleCore
import Foundation
import GRDB

/// Bandits and what they learned (`bandits`, migration v13).
extension SQLiteStore {
    public func putBandit(_ bandit: Bandit, at now: Timestamp) async throws {
        let arms = String(decoding: try JSONEncoder().encode(bandit.arms), as: UTF8.self)
        let context = String(decoding: try JSONEncoder().encode(bandit.context), as: UTF8.self)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO bandits (id, arms, reward, context, minimum_exploration, attribution_window_minutes,
                        updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET arms = excluded.arms, reward = excluded.reward,
                        context = excluded.context, minimum_exploration = excluded.minimum_exploration,
                        attribution_window_minutes = excluded.attribution_window_minutes,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    bandit.id.rawValue, arms, bandit.reward.name, context, bandit.minimumExploration,
                    bandit.attributionWindowMinutes, now.millisecondsSinceEpoch,
                ]
            )
        }
    }

    public func banditIDs() async throws -> [BanditID] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT id FROM bandits ORDER BY id").map(BanditID.init)
        }
    }

    public func bandit(_ id: BanditID) async throws -> Bandit? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM bandits WHERE id = ?", arguments: [id.rawValue])
            else { return nil }
            let rewardName: String = row["reward"]
            return Bandit(
                id: id,
                arms: try JSONDecoder().decode([BanditArm].self, from: Data((row["arms"] as String).utf8)),
                reward: (try? BanditReward(name: rewardName, field: "reward")) ?? .event(.click),
                context: try JSONDecoder().decode([BanditFeature].self, from: Data((row["context"] as String).utf8)),
                minimumExploration: row["minimum_exploration"],
                attributionWindowMinutes: row["attribution_window_minutes"]
            )
        }
    }

    public func saveBanditState(_ state: [UInt8], of id: BanditID) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE bandits SET state = ? WHERE id = ?", arguments: [Data(state), id.rawValue])
        }
    }

    public func banditState(of id: BanditID) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT state FROM bandits WHERE id = ?", arguments: [id.rawValue]).map(
                Array.init
            )
        }
    }
}
