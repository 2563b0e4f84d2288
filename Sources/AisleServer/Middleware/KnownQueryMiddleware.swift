import AisleCore
import Hummingbird

/// Refuses query parameters a route does not read, as bodies refuse unknown fields: a typo
/// like `limt=5` is a 400 listing the known names, not a silently ignored limit.
struct KnownQueryMiddleware: RouterMiddleware {
    typealias Context = AisleRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.query?.isEmpty == false, let route = context.endpointPath {
            let known = KnownQuery.parameters["\(request.method) \(route)"] ?? []
            for (name, _) in request.queryPairs where !KnownQuery.accepts(name, known: known) {
                let list = known.isEmpty ? "none" : known.joined(separator: ", ")
                throw AisleError.invalid(
                    name,
                    "unknown query parameter \"\(name.prefix(64))\"; \(request.method) \(route) knows: \(list)"
                )
            }
        }
        return try await next(request, context)
    }
}

/// The query parameters each route reads.
enum KnownQuery {
    static func accepts(_ name: String, known: [String]) -> Bool {
        known.contains(name) || (known.contains("attr.NAME") && name.hasPrefix("attr."))
    }

    /// The query parameters of every route, by method and route pattern. A route missing here
    /// takes none; `KnownQueryTests` checks that every route of the router is listed.
    static let parameters: [String: [String]] = {
        let list = ["limit", "cursor"]
        let listOptions = ["limit", "cursor", "category", "diversity", "explain", "min_review_score"]
        let feed = listOptions + ["exclude_purchased", "platform", "locale", "experiment"]
        let rendition = ["w", "h", "fit", "format", "q", "enhance", "dpr"]
        return [
            "GET /v1/items": list + ["ids"],
            "GET /v1/items/{id}": [],
            "PUT /v1/items/{id}": [],
            "DELETE /v1/items/{id}": [],
            "PUT /v1/items/{id}/image": [],
            "DELETE /v1/items/{id}/image": [],
            "GET /v1/items/{id}/image/info": [],
            "GET /v1/items/{id}/image": rendition,
            "GET /v1/images/{sha256}": rendition,
            "GET /v1/items/{id}/visually-similar": ["limit"],
            "GET /v1/images/duplicates": ["max_distance"],
            "POST /v1/items:batch": [],
            "PUT /v1/users/{id}": [],
            "GET /v1/users/{id}": [],
            "DELETE /v1/users/{id}": [],
            "POST /v1/users:batch": [],
            "GET /v1/users/{id}/devices": [],
            "GET /v1/users/{id}/history": ["limit", "cursor", "types"],
            "POST /v1/users/{id}/token": [],
            "PUT /v1/users/{id}/consent": [],
            "GET /v1/users/{id}/consent": [],
            "POST /v1/events": [],
            "POST /v1/identify": [],
            "GET /v1/users/{id}/recommendations": feed,
            "GET /v1/devices/{id}/recommendations": feed,
            "GET /v1/items/{id}/similar": listOptions,
            "GET /v1/items/{id}/bought-together": listOptions,
            "GET /v1/trending": listOptions + ["window"],
            "POST /v1/recommendations": [],
            "GET /v1/models": [],
            "POST /v1/models:train": [],
            "GET /v1/search": [
                "q", "mode", "category", "brand", "min_price", "max_price", "in_stock", "attr.NAME", "sort", "limit",
                "cursor", "explain", "record", "facets", "user_id", "device_id", "experiment",
            ],
            "GET /v1/autocomplete": ["q", "limit"],
            "GET /v1/search/zero-results": ["limit"],
            "GET /v1/stats": ["events", "queries"],
            "GET /v1/bandits": [],
            "POST /v1/assistant/messages": [],
            "PUT /v1/assistant/faqs": [],
            "GET /v1/assistant/faqs": [],
            "GET /v1/assistant/conversations/{id}": [],
            "PUT /v1/orders/{id}": [],
            "GET /v1/orders/{id}": [],
            "GET /v1/users/{id}/orders": ["limit"],
            "GET /v1/review-overview": ["period", "limit"],
            "GET /v1/search/synonyms": [],
            "PUT /v1/search/synonyms": [],
            "POST /v1/items/{id}/reviews": [],
            "GET /v1/items/{id}/reviews": list,
            "GET /v1/items/{id}/review-summary": ["period"],
            "GET /v1/reviews/{id}": [],
            "POST /v1/reviews:batch": [],
            "DELETE /v1/reviews/{id}": [],
            "POST /v1/embeddings": [],
            "GET /v1/items/{id}/embedding": [],
            "POST /v1/keys": [],
            "GET /v1/keys": [],
            "DELETE /v1/keys/{id}": [],
            "GET /v1/audit": ["limit", "cursor", "action"],
            "GET /v1/users/{id}/export": [],
            "PUT /v1/experiments/{id}": [],
            "GET /v1/experiments/{id}": [],
            "GET /v1/experiments": [],
            "GET /v1/experiments/{id}/assignment": ["user_id", "device_id", "platform", "locale"],
            "GET /v1/experiments/{id}/results": [],
            "GET /v1/bandits/{id}/choice": ["user_id", "device_id", "platform", "returning"],
            "POST /v1/bandits/{id}/rewards": [],
            "PUT /v1/bandits/{id}": [],
            "GET /v1/bandits/{id}": [],
            "GET /health": [],
            "GET /ready": [],
            "GET /metrics": [],
            "GET /v1/openapi.yaml": [],
        ]
    }()
}
