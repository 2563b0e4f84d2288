public import AisleCore
import PostgresNIO

/// The audit log on PostgreSQL (`AuditStore`): entries numbered by an identity column, read
/// newest first.
extension PostgresStore: AuditStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await query(
            """
            INSERT INTO audit_log (at, key_id, action, target, status)
            VALUES (\(entry.at.millisecondsSinceEpoch), \(entry.keyID), \(entry.action), \(entry.target), \(entry.status))
            """,
            logger: logger
        )
    }

    public func auditEntries(before cursor: Int64?, limit: Int, actions: Set<String>?) async throws -> [AuditEntry] {
        // No action filter: every action; a filter is matched against the array as a whole.
        let filter = actions.map { $0.sorted() }
        let rows = try await query(
            """
            SELECT seq, at, key_id, action, target, status FROM audit_log
            WHERE seq < \(cursor ?? Int64.max) AND (\(filter)::text[] IS NULL OR action = ANY(\(filter)::text[]))
            ORDER BY seq DESC LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        var entries: [AuditEntry] = []
        for try await (sequence, at, keyID, action, target, status) in rows.decode(
            (Int64, Int64, String, String, String?, Int).self
        ) {
            entries.append(
                AuditEntry(
                    sequence: sequence,
                    at: Timestamp(millisecondsSinceEpoch: at),
                    keyID: keyID,
                    action: action,
                    target: target,
                    status: status
                )
            )
        }
        return entries
    }

    public func pruneAudit(before time: Timestamp) async throws -> Int {
        let rows = try await query(
            "DELETE FROM audit_log WHERE at < \(time.millisecondsSinceEpoch) RETURNING seq",
            logger: logger
        )
        return try await rows.collect().count
    }

    public func replaceAuditTarget(_ target: String, with replacement: String) async throws {
        try await query(
            "UPDATE audit_log SET target = \(replacement) WHERE target = \(target)",
            logger: logger
        )
    }
}
