public import AisleCore
import AisleStore

/// The audit log: every admin action, who made it (a key id, never a secret), on what, and how
/// it ended. The server records; the engine keeps and lists.
extension Engine {
    /// Records one action. Never fails the action it records: an entry that cannot be stored
    /// is dropped (and the store's trouble shows in the action itself).
    public func recordAudit(_ entry: AuditEntry) async {
        try? await store.appendAudit(entry)
    }

    /// Entries newest first, before `cursor`, at most `limit`; only `actions` when given.
    public func auditEntries(before cursor: Int64?, limit: Int, actions: Set<String>?) async throws -> [AuditEntry] {
        try await store.auditEntries(before: cursor, limit: limit, actions: actions)
    }
}
