import AisleCore
import Foundation
import HTTPTypes
import Hummingbird

/// Lets a request through when it carries `Authorization: Bearer KEY` with a key that has the
/// route's permission (`RoutePermissions`): 401 without a valid key (or an expired one), 403
/// for a key without the permission or used from an origin it does not allow.
struct KeyAuthMiddleware: RouterMiddleware {
    typealias Context = AisleRequestContext

    /// Where an app sends the token its backend got for the signed-in user.
    static let userTokenHeader: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Aisle-User-Token") else { preconditionFailure("a valid header name") }
        return name
    }()

    let keys: KeyRing
    let tokens: UserTokens
    /// Set when the server serves the storefront: its same-origin calls need no key.
    var storefront: StorefrontSession? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            if let storefront, storefront.authorises(request.head, now: .now()) {
                return try await authorised(request, context: context, as: .storefront, next: next)
            }
            throw AisleError(code: .unauthorized, message: "send the API key as 'Authorization: Bearer KEY'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AisleError(code: .unauthorized, message: "the Authorization header must be 'Bearer KEY'")
        }
        let key = try keys.holder(of: String(parts[1]).trimmingCharacters(in: .whitespaces), now: .now())
        return try await authorised(request, context: context, as: key, next: next)
    }

    /// Checks `key`'s permission for the route and origin, then runs the route as `key`.
    private func authorised(
        _ request: Request,
        context: Context,
        as key: KeyHolder,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let required = RoutePermissions.required(method: request.method, route: context.endpointPath)
        guard key.may(required) else {
            if key.id == KeyScope.ingest.rawValue && required == .admin {
                throw AisleError(
                    code: .forbidden,
                    message:
                        "this route needs the admin key; the ingest key may post events, identify devices, and read recommendations, search, reviews and the visible catalog"
                )
            }
            let held = key.permissions.sorted().map(\.rawValue).joined(separator: ", ")
            throw AisleError(
                code: .forbidden,
                message: "this route needs the \(required.rawValue) permission; this key has \(held)"
            )
        }
        if let allowed = key.allowedOrigins, let origin = request.headers[.origin], !allowed.contains(origin) {
            throw AisleError(code: .forbidden, message: "this key may not be used from \(origin.prefix(100))")
        }
        var context = context
        context.key = key
        context.userTokenMode = tokens.mode
        if let token = request.headers[Self.userTokenHeader] {
            context.tokenUser = try tokens.verify(token.trimmingCharacters(in: .whitespaces), now: .now())
        }
        return try await next(request, context)
    }
}

/// The permission each route needs. A route missing here needs `admin`;
/// `RoutePermissionsTests` checks that every route of the router is listed.
enum RoutePermissions {
    static func required(method: HTTPRequest.Method, route: String?) -> Permission {
        route.flatMap { table["\(method) \($0)"] } ?? .admin
    }

    static let table: [String: Permission] = [
        "POST /v1/events": .eventsWrite,
        "POST /v1/identify": .identify,
        // The app that tracks a shopper may record their choice about it.
        "PUT /v1/users/{id}/consent": .eventsWrite,
        "GET /v1/users/{id}/consent": .eventsWrite,
        "GET /v1/users/{id}/recommendations": .recommendationsRead,
        "GET /v1/devices/{id}/recommendations": .recommendationsRead,
        "GET /v1/items/{id}/similar": .recommendationsRead,
        "GET /v1/items/{id}/bought-together": .recommendationsRead,
        "GET /v1/trending": .recommendationsRead,
        "POST /v1/recommendations": .recommendationsRead,
        "GET /v1/search": .searchRead,
        "GET /v1/autocomplete": .searchRead,
        "POST /v1/items/{id}/reviews": .reviewsWrite,
        "GET /v1/items/{id}/reviews": .reviewsRead,
        "GET /v1/items/{id}/review-summary": .reviewsRead,
        "GET /v1/reviews/{id}": .reviewsRead,
        // The catalog: a key that keeps it in sync may read it back.
        // Visible items for any reader; hidden ones need catalog:write (ItemRoutes).
        "GET /v1/items": .catalogRead,
        "GET /v1/items/{id}": .catalogRead,
        "PUT /v1/items/{id}": .catalogWrite,
        "DELETE /v1/items/{id}": .catalogWrite,
        "PUT /v1/items/{id}/image": .catalogWrite,
        "DELETE /v1/items/{id}/image": .catalogWrite,
        "GET /v1/items/{id}/image/info": .catalogWrite,
        // When renditions are not public (`images.publicRenditions`): what a shopper's app sees.
        "GET /v1/items/{id}/image": .recommendationsRead,
        "GET /v1/images/{sha256}": .recommendationsRead,
        "GET /v1/items/{id}/visually-similar": .recommendationsRead,
        "POST /v1/items:batch": .catalogWrite,
        "GET /v1/users/{id}": .usersRead,
        "GET /v1/users/{id}/devices": .usersRead,
        "GET /v1/users/{id}/history": .usersRead,
        "PUT /v1/users/{id}": .usersWrite,
        "POST /v1/users:batch": .usersWrite,
        "DELETE /v1/users/{id}": .usersWrite,
        "POST /v1/users/{id}/token": .usersWrite,
        "GET /v1/models": .admin,
        "POST /v1/models:train": .admin,
        "GET /v1/search/zero-results": .admin,
        "GET /v1/search/synonyms": .admin,
        "PUT /v1/search/synonyms": .admin,
        "POST /v1/reviews:batch": .admin,
        "DELETE /v1/reviews/{id}": .admin,
        "POST /v1/embeddings": .admin,
        "GET /v1/items/{id}/embedding": .admin,
        "GET /v1/images/duplicates": .admin,
        "POST /v1/keys": .admin,
        "GET /v1/keys": .admin,
        "DELETE /v1/keys/{id}": .admin,
        "GET /v1/audit": .admin,
        "GET /v1/stats": .admin,
        // The assistant: shoppers' messages from apps; its knowledge and memory for the backend.
        "POST /v1/assistant/messages": .assistant,
        "PUT /v1/assistant/faqs": .admin,
        "GET /v1/assistant/faqs": .admin,
        "GET /v1/assistant/conversations/{id}": .admin,
        "PUT /v1/orders/{id}": .admin,
        "GET /v1/orders/{id}": .admin,
        "GET /v1/users/{id}/orders": .admin,
        "GET /v1/review-overview": .admin,
        "GET /v1/users/{id}/export": .admin,
        "GET /v1/experiments/{id}/assignment": .experimentsRead,
        "PUT /v1/experiments/{id}": .admin,
        "GET /v1/experiments/{id}": .admin,
        "GET /v1/experiments": .admin,
        "GET /v1/experiments/{id}/results": .admin,
        "GET /v1/bandits/{id}/choice": .experimentsRead,
        "POST /v1/bandits/{id}/rewards": .eventsWrite,
        "PUT /v1/bandits/{id}": .admin,
        "GET /v1/bandits/{id}": .admin,
        "GET /v1/bandits": .admin,
    ]
}
