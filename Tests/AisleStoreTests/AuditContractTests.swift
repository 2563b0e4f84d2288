import AisleCore
import AisleStore
import Testing

/// The audit log's contract (`AuditStore`), against SQLite and a real PostgreSQL server.
@Suite struct AuditContractTests {
    static func entry(_ action: String, target: String?, minute: Int, status: Int = 200) -> AuditEntry {
        AuditEntry(at: .t0(plusMinutes: minute), keyID: "key_admin", action: action, target: target, status: status)
    }

    @Test(
        "entries read back newest first, page by sequence, filter by action; pruning and pseudonyms",
        arguments: StoreKind.allCases
    )
    func log(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.auditEntries(before: nil, limit: 10, actions: nil).isEmpty)
        try await store.appendAudit(Self.entry("items.put", target: "i1", minute: 0))
        try await store.appendAudit(Self.entry("users.erase", target: "alice", minute: 1, status: 204))
        try await store.appendAudit(Self.entry("keys.create", target: nil, minute: 2, status: 201))
        try await store.appendAudit(Self.entry("users.erase", target: "bob", minute: 3, status: 204))
        let all = try await store.auditEntries(before: nil, limit: 10, actions: nil)
        #expect(all.map(\.action) == ["users.erase", "keys.create", "users.erase", "items.put"])
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted(by: >))
        #expect(all[1].target == nil && all[1].status == 201 && all[1].at == .t0(plusMinutes: 2))
        let page = try await store.auditEntries(before: all[1].sequence, limit: 1, actions: nil)
        #expect(page.map(\.target) == ["alice"])
        let erasures = try await store.auditEntries(before: nil, limit: 10, actions: ["users.erase", "none"])
        #expect(erasures.map(\.target) == ["bob", "alice"])
        #expect(try await store.auditEntries(before: nil, limit: 10, actions: []).isEmpty)
        try await store.replaceAuditTarget("alice", with: "erased-7f3a")
        #expect(
            try await store.auditEntries(before: nil, limit: 10, actions: nil).contains { $0.target == "erased-7f3a" }
        )
        #expect(try await store.pruneAudit(before: .t0(plusMinutes: 2)) == 2)
        #expect(
            try await store.auditEntries(before: nil, limit: 10, actions: nil).map(\.action) == [
                "users.erase", "keys.create",
            ]
        )
    }
}
