import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// `GET /v1/audit` (admin): the audit log, newest first.
struct AuditRoutes {
    let engine: Engine

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.get("audit", use: list)
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        let limit = try request.queryInt("limit", default: 100, in: 1...1_000)
        let cursor = try request.queryString("cursor").map(Self.sequence(from:))
        var actions: Set<String>?
        if let asked = request.queryString("action") {
            // An action (`users.erase`) or a family (`users`, all of its actions).
            let family = AuditActions.names.filter { $0 == asked || $0.hasPrefix(asked + ".") }
            guard !family.isEmpty else {
                throw AisleError.invalid(
                    "action",
                    "unknown action \"\(asked.prefix(64))\"; known: \(AuditActions.names.sorted().joined(separator: ", "))"
                )
            }
            actions = family
        }
        let entries = try await engine.auditEntries(before: cursor, limit: limit + 1, actions: actions)
        let page = entries.prefix(limit)
        let next = entries.count > limit ? page.last.map { Cursor.encode("a:\($0.sequence)") } : nil
        return JSONResponse.encoded(PageBody(data: page.map(AuditEntryBody.init), nextCursor: next))
    }

    static func sequence(from cursor: String) throws -> Int64 {
        let text = try Cursor.decode(cursor)
        guard text.hasPrefix("a:"), let sequence = Int64(text.dropFirst(2)) else {
            throw AisleError.invalid("cursor", "cursor is not one this server issued; pass next_cursor back unchanged")
        }
        return sequence
    }
}
