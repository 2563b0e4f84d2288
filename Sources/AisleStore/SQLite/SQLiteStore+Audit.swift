public import AisleCore
import GRDB

/// The audit log (`audit_log`, migration v11).
extension SQLiteStore {
    public func appendAudit(_ entry: AuditEntry) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, key_id, action, target, status) VALUES (?, ?, ?, ?, ?)",
                arguments: [entry.at.millisecondsSinceEpoch, entry.keyID, entry.action, entry.target, entry.status]
            )
        }
    }

    public func auditEntries(before cursor: Int64?, limit: Int, actions: Set<String>?) async throws -> [AuditEntry] {
        try await read { db in
            var sql = "SELECT seq, at, key_id, action, target, status FROM audit_log WHERE seq < ?"
            var arguments: StatementArguments = [cursor ?? Int64.max]
            if let actions {
                sql += " AND action IN (\(actions.map { _ in "?" }.joined(separator: ", ")))"
                for action in actions.sorted() { arguments += [action] }
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditEntry(
                    sequence: row["seq"],
                    at: Timestamp(millisecondsSinceEpoch: row["at"]),
                    keyID: row["key_id"],
                    action: row["action"],
                    target: row["target"],
                    status: row["status"]
                )
            }
        }
    }

    public func pruneAudit(before time: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE at < ?", arguments: [time.millisecondsSinceEpoch])
            return db.changesCount
        }
    }

    public func replaceAuditTarget(_ target: String, with replacement: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE audit_log SET target = ? WHERE target = ?", arguments: [replacement, target])
        }
    }
}
