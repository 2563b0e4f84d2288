import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// `/v1/keys` (admin): named keys with a subset of permissions, an expiry, allowed browser
/// origins and their own rate limit. The secret is shown once, in the answer that made it.
struct KeyRoutes {
    let engine: Engine
    let keys: KeyRing

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.post("keys", use: create)
        group.get("keys", use: list)
        group.delete("keys/{id}", use: revoke)
    }

    @Sendable func create(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(KeyRequestBody.self, maxBytes: 64 * 1024)
        let (id, secret) = KeyRing.newMadeKey()
        let record = try body.validated(id: id, secretDigest: Hex.string(KeyRing.digest(secret)), now: .now())
        try await engine.createAPIKey(record)
        keys.add(record)
        var response = JSONResponse.encoded(KeyBody(record, secret: secret), status: .created)
        response.headers[.location] = "/v1/keys/\(record.id)"
        return response
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(PageBody(data: try await engine.apiKeys().map { KeyBody($0) }, nextCursor: nil))
    }

    @Sendable func revoke(request: Request, context: AisleRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id"), id.utf8.count <= 64 else {
            throw AisleError.invalid("id", "a key id is key_ and 16 hex digits")
        }
        // Refused from now on, on this server, whatever the store answers next.
        keys.remove(id: id)
        guard try await engine.revokeAPIKey(id: id) else {
            throw AisleError.notFound("no key \"\(id.prefix(64))\" (or it was revoked before)")
        }
        return JSONResponse.encoded(["id": id, "status": "revoked"])
    }
}
