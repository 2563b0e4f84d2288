import Hummingbird

/// Tells clients on every answer that request bodies may be gzip-compressed
/// (`Accept-Encoding: gzip` on a response, RFC 7694), so an SDK compresses only for servers that
/// inflate.
struct AcceptEncodingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.acceptEncoding] = "gzip"
        return response
    }
}
