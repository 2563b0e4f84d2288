import AisleCore
import AisleEngine
import Hummingbird

/// Records every admin action in the audit log after it ran: the key's id, the action, its
/// target and the status it ended with (a refused or failed action too). Shopper traffic
/// (events, identify, reads) is not audited: it is the event log itself.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AisleRequestContext
    let engine: Engine
    let tokens: UserTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let route = context.endpointPath, let action = AuditActions.table["\(request.method) \(route)"] else {
            return try await next(request, context)
        }
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = Int(response.status.code)
        } catch {
            await record(action, request: request, context: context, status: Self.status(of: error), response: nil)
            throw error
        }
        await record(action, request: request, context: context, status: status, response: response)
        return response
    }

    private func record(_ action: String, request: Request, context: Context, status: Int, response: Response?) async {
        await engine.recordAudit(
            AuditEntry(
                at: .now(),
                keyID: context.key?.id ?? "none",
                action: action,
                target: target(of: action, context: context, response: response),
                status: status
            )
        )
    }

    /// What the action acted on, from the route's `{id}` (or, for a made key, the `Location`
    /// of the answer). An erasure names the user by their pseudonym: the erased id must not
    /// stay in the log.
    private func target(of action: String, context: Context, response: Response?) -> String? {
        let id = context.parameters.get("id")
        switch action {
        case "users.erase": return id.map { "user " + tokens.pseudonym(of: UserID($0)) }
        case "users.put", "users.token", "users.export", "consent.set": return id.map { AuditTarget.user(UserID($0)) }
        case "items.put", "items.delete", "images.put", "images.delete": return id.map { AuditTarget.item(ItemID($0)) }
        case "keys.revoke": return id.map(AuditTarget.key)
        case "keys.create":
            return response?.headers[.location].flatMap { $0.split(separator: "/").last.map(String.init) }
                .map(AuditTarget.key)
        case "reviews.delete": return id.map(AuditTarget.review)
        case "experiments.put": return id.map(AuditTarget.experiment)
        case "bandits.put": return id.map(AuditTarget.bandit)
        case "orders.put": return id.map(AuditTarget.order)
        case "conversations.read": return id.map(AuditTarget.conversation)
        default: return nil
        }
    }

    private static func status(of error: any Error) -> Int {
        guard let error = error as? AisleError else { return 500 }
        return Int(error.code.status.code)
    }
}

/// The audited routes and their action names (docs/SECURITY.md lists them).
enum AuditActions {
    static let table: [String: String] = [
        "POST /v1/keys": "keys.create",
        "DELETE /v1/keys/{id}": "keys.revoke",
        "PUT /v1/items/{id}": "items.put",
        "DELETE /v1/items/{id}": "items.delete",
        "POST /v1/items:batch": "items.batch",
        "PUT /v1/items/{id}/image": "images.put",
        "DELETE /v1/items/{id}/image": "images.delete",
        "PUT /v1/users/{id}": "users.put",
        "POST /v1/users:batch": "users.batch",
        "DELETE /v1/users/{id}": "users.erase",
        "POST /v1/users/{id}/token": "users.token",
        "PUT /v1/users/{id}/consent": "consent.set",
        "POST /v1/models:train": "models.train",
        "PUT /v1/search/synonyms": "synonyms.set",
        "POST /v1/reviews:batch": "reviews.batch",
        "DELETE /v1/reviews/{id}": "reviews.delete",
        "GET /v1/users/{id}/export": "users.export",
        "PUT /v1/experiments/{id}": "experiments.put",
        "PUT /v1/bandits/{id}": "bandits.put",
        "PUT /v1/assistant/faqs": "faqs.set",
        "PUT /v1/orders/{id}": "orders.put",
        "GET /v1/assistant/conversations/{id}": "conversations.read",
    ]

    static var names: Set<String> { Set(table.values) }
}
