public import AisleCore
import GRDB

/// Consent per user (`user_consent`, migration v10).
extension SQLiteStore {
    public func consent(of user: UserID) async throws -> Consent? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT personalization, tracking, updated_at FROM user_consent WHERE user_id = ?",
                arguments: [user.rawValue]
            ).map(Self.consent)
        }
    }

    public func updateConsent(of user: UserID, personalization: Bool?, tracking: Bool?, at now: Timestamp)
        async throws -> Consent
    {
        try await write { db in
            var consent =
                try Row.fetchOne(
                    db,
                    sql: "SELECT personalization, tracking, updated_at FROM user_consent WHERE user_id = ?",
                    arguments: [user.rawValue]
                ).map(Self.consent) ?? .granted
            consent.personalization = personalization ?? consent.personalization
            consent.tracking = tracking ?? consent.tracking
            consent.updatedAt = now
            try db.execute(
                sql: """
                    INSERT INTO user_consent (user_id, personalization, tracking, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET personalization = excluded.personalization,
                        tracking = excluded.tracking, updated_at = excluded.updated_at
                    """,
                arguments: [user.rawValue, consent.personalization, consent.tracking, now.millisecondsSinceEpoch]
            )
            return consent
        }
    }

    public func restrictedConsents() async throws -> [(user: UserID, consent: Consent)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT user_id, personalization, tracking, updated_at FROM user_consent
                    WHERE personalization = 0 OR tracking = 0
                    """
            ).map { (UserID($0["user_id"] as String), Self.consent($0)) }
        }
    }

    private static func consent(_ row: Row) -> Consent {
        Consent(
            personalization: row["personalization"],
            tracking: row["tracking"],
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
        )
    }
}
