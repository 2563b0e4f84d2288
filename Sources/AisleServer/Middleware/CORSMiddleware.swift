import HTTPTypes
import Hummingbird

/// Browsers: answers CORS preflights for `/v1` and lets pages read the answers. Whether a key
/// may be used from a page's origin is the key's (`allowed_origins`, checked in
/// `KeyAuthMiddleware`): a preflight carries no key, so it is answered for any origin, and the
/// real request is then refused (403) from an origin its key does not allow.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    static var allowedHeaders: String {
        "Authorization, Content-Type, Content-Encoding, If-None-Match, X-Aisle-User-Token, X-Request-ID"
    }
    static var exposedHeaders: String { "ETag, Retry-After, X-Request-ID, Accept-Encoding" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil,
            request.uri.path.hasPrefix("/v1/")
        {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE"
            headers[.accessControlAllowHeaders] = Self.allowedHeaders
            headers[.accessControlMaxAge] = "600"
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }
}
