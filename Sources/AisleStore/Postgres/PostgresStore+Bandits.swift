public import AisleCore
import Foundation
import PostgresNIO

/// Bandits on PostgreSQL (`BanditStore`): definitions, and what each learned as opaque bytes.
extension PostgresStore: BanditStore {
    public func putBandit(_ bandit: Bandit, at now: Timestamp) async throws {
        let arms = String(decoding: try JSONEncoder().encode(bandit.arms), as: UTF8.self)
        let context = String(decoding: try JSONEncoder().encode(bandit.context), as: UTF8.self)
        try await query(
            """
            INSERT INTO bandits (id, arms, reward, context, minimum_exploration, attribution_window_minutes,
                updated_at)
            VALUES (\(bandit.id.rawValue), \(arms)::jsonb, \(bandit.reward.name), \(context)::jsonb,
                \(bandit.minimumExploration), \(bandit.attributionWindowMinutes), \(now.millisecondsSinceEpoch))
            ON CONFLICT (id) DO UPDATE SET arms = excluded.arms, reward = excluded.reward,
                context = excluded.context, minimum_exploration = excluded.minimum_exploration,
                attribution_window_minutes = excluded.attribution_window_minutes, updated_at = excluded.updated_at
            """,
            logger: logger
        )
    }

    public func banditIDs() async throws -> [BanditID] {
        var ids: [BanditID] = []
        for try await id in try await query("SELECT id FROM bandits ORDER BY id", logger: logger).decode(
            String.self
        ) {
            ids.append(BanditID(id))
        }
        return ids
    }

    public func bandit(_ id: BanditID) async throws -> Bandit? {
        let rows = try await query(
            """
            SELECT arms::text, reward, context::text, minimum_exploration, attribution_window_minutes
            FROM bandits WHERE id = \(id.rawValue)
            """,
            logger: logger
        )
        for try await (arms, reward, context, exploration, window) in rows.decode(
            (String, String, String, Double, Int).self
        ) {
            return Bandit(
                id: id,
                arms: try SQLiteStore.decodeJSON([BanditArm].self, arms),
                reward: (try? BanditReward(name: reward, field: "reward")) ?? .event(.click),
                context: try SQLiteStore.decodeJSON([BanditFeature].self, context),
                minimumExploration: exploration,
                attributionWindowMinutes: window
            )
        }
        return nil
    }

    public func saveBanditState(_ state: [UInt8], of id: BanditID) async throws {
        try await query("UPDATE bandits SET state = \(Data(state)) WHERE id = \(id.rawValue)", logger: logger)
    }

    public func banditState(of id: BanditID) async throws -> [UInt8]? {
        let rows = try await query("SELECT state FROM bandits WHERE id = \(id.rawValue)", logger: logger)
        for try await state in rows.decode(Data?.self) { return state.map(Array.init) }
        return nil
    }
}
