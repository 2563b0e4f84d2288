public import AisleCore
import Foundation
import PostgresNIO

/// User profiles, consent and erasure on PostgreSQL (`UserStore`). Erasure takes the event
/// counter's lock like an append, so no node stores an event of the user while they are erased.
extension PostgresStore: UserStore {
    public func putUsers(_ users: [User], at now: Timestamp) async throws -> [User] {
        guard !users.isEmpty else { return [] }
        // The last of one id in the batch wins, as the SQLite store's one-by-one upserts do;
        // rows in id order so that two nodes' batches lock them in the same order.
        var latest: [String: Int] = [:]
        for (position, user) in users.enumerated() { latest[user.id.rawValue] = position }
        let positions = latest.values.sorted { users[$0].id.rawValue < users[$1].id.rawValue }
        let ids = positions.map { users[$0].id.rawValue }
        let attributes = positions.map { JSONValue.object(users[$0].attributes).jsonText }
        let rows = try await query(
            """
            INSERT INTO users (id, attributes, created_at, updated_at)
            SELECT id, attributes::jsonb, \(now.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch)
            FROM unnest(\(ids)::text[], \(attributes)::text[]) AS u(id, attributes)
            ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at
            RETURNING id, attributes::text, created_at, updated_at
            """,
            logger: logger
        )
        var stored: [String: User] = [:]
        for try await (id, attributes, created, updated) in rows.decode((String, String, Int64, Int64).self) {
            stored[id] = try Self.user(id: id, attributes: attributes, created: created, updated: updated)
        }
        return try users.map { user in
            guard let found = stored[user.id.rawValue] else {
                throw AisleError(code: .unavailable, message: "user \(user.id) vanished during its upsert")
            }
            return found
        }
    }

    public func user(_ id: UserID) async throws -> User? {
        try await users("SELECT id, attributes::text, created_at, updated_at FROM users WHERE id = \(id.rawValue)")
            .first
    }

    public func users(after cursor: UserID?, limit: Int) async throws -> [User] {
        try await users(
            """
            SELECT id, attributes::text, created_at, updated_at FROM users
            WHERE id > \(cursor?.rawValue ?? "") ORDER BY id LIMIT \(max(0, limit))
            """
        )
    }

    private func users(_ query: PostgresQuery) async throws -> [User] {
        var found: [User] = []
        for try await (id, attributes, created, updated) in try await self.query(query, logger: logger).decode(
            (String, String, Int64, Int64).self
        ) {
            found.append(try Self.user(id: id, attributes: attributes, created: created, updated: updated))
        }
        return found
    }

    private static func user(id: String, attributes: String, created: Int64, updated: Int64) throws -> User {
        User(
            id: UserID(id),
            attributes: try SQLiteStore.decodeJSON([String: JSONValue].self, attributes),
            createdAt: Timestamp(millisecondsSinceEpoch: created),
            updatedAt: Timestamp(millisecondsSinceEpoch: updated)
        )
    }

    public func eraseUser(_ id: UserID) async throws -> UserErasure {
        let logger = self.logger
        let user = id.rawValue
        return try await transaction { connection in
            try await Self.lockEventLog(connection, logger: logger)
            func count(_ query: PostgresQuery) async throws -> Int {
                try await connection.query(query, logger: logger).collect().count
            }
            let profiles = try await count("DELETE FROM users WHERE id = \(user) RETURNING id")
            var devices: [String] = []
            for try await device in try await connection.query(
                "DELETE FROM device_links WHERE user_id = \(user) RETURNING device_id",
                logger: logger
            ).decode(String.self) {
                devices.append(device)
            }
            try await connection.query("DELETE FROM user_consent WHERE user_id = \(user)", logger: logger)
            // Their exposures, events (as the user and the linked devices' anonymous ones),
            // reviews, orders, conversations, and the digests that counted them among a
            // query's shoppers.
            let units = [ExposureUnit.user(id).key] + devices.map { ExposureUnit.device(DeviceID($0)).key }
            try await connection.query(
                "DELETE FROM experiment_exposures WHERE unit = ANY(\(units)::text[])",
                logger: logger
            )
            let owners = [Self.owner(user: id)] + devices.map { Self.owner(device: DeviceID($0)) }
            let events = try await count("DELETE FROM events WHERE owner = ANY(\(owners)::text[]) RETURNING seq")
            let reviews = try await count("DELETE FROM reviews WHERE user_id = \(user) RETURNING id")
            let orders = try await count("DELETE FROM orders WHERE user_id = \(user) RETURNING id")
            var conversations: [String] = []
            for try await conversation in try await connection.query(
                """
                DELETE FROM assistant_conversations
                WHERE user_id = \(user) OR device_id = ANY(\(devices)::text[]) RETURNING id
                """,
                logger: logger
            ).decode(String.self) {
                conversations.append(conversation)
            }
            try await connection.query(
                "DELETE FROM assistant_turns WHERE conversation_id = ANY(\(conversations)::text[])",
                logger: logger
            )
            let digests =
                [ShopperDigest(user: id).rawValue] + devices.map { ShopperDigest(device: DeviceID($0)).rawValue }
            try await connection.query(
                "DELETE FROM search_query_shoppers WHERE shopper = ANY(\(digests)::bigint[])",
                logger: logger
            )
            return UserErasure(
                profiles: profiles,
                events: events,
                devices: devices.count,
                reviews: reviews,
                orders: orders,
                conversations: conversations.count
            )
        }
    }

    public func consent(of user: UserID) async throws -> Consent? {
        try await consents(
            "SELECT user_id, personalization, tracking, updated_at FROM user_consent WHERE user_id = \(user.rawValue)"
        ).first?.consent
    }

    public func updateConsent(of user: UserID, personalization: Bool?, tracking: Bool?, at now: Timestamp)
        async throws -> Consent
    {
        // One statement: a setting left nil keeps the stored one (or the default, true), and
        // the row's lock orders two nodes' changes, so both count.
        try await consents(
            """
            INSERT INTO user_consent (user_id, personalization, tracking, updated_at)
            VALUES (\(user.rawValue), COALESCE(\(personalization), true), COALESCE(\(tracking), true),
                \(now.millisecondsSinceEpoch))
            ON CONFLICT (user_id) DO UPDATE SET
                personalization = COALESCE(\(personalization), user_consent.personalization),
                tracking = COALESCE(\(tracking), user_consent.tracking), updated_at = excluded.updated_at
            RETURNING user_id, personalization, tracking, updated_at
            """
        ).first?.consent ?? Consent(updatedAt: now)
    }

    public func restrictedConsents() async throws -> [(user: UserID, consent: Consent)] {
        try await consents(
            """
            SELECT user_id, personalization, tracking, updated_at FROM user_consent
            WHERE NOT personalization OR NOT tracking
            """
        )
    }

    private func consents(_ query: PostgresQuery) async throws -> [(user: UserID, consent: Consent)] {
        var found: [(user: UserID, consent: Consent)] = []
        for try await (user, personalization, tracking, updated) in try await self.query(query, logger: logger)
            .decode((String, Bool, Bool, Int64).self)
        {
            found.append(
                (
                    UserID(user),
                    Consent(
                        personalization: personalization,
                        tracking: tracking,
                        updatedAt: Timestamp(millisecondsSinceEpoch: updated)
                    )
                )
            )
        }
        return found
    }
}
