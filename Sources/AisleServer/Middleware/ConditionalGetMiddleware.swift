import Foundation
import Hummingbird

/// `If-None-Match` on reads: a GET whose answer has the `ETag` the client already holds gets
/// `304 Not Modified` without the body (a phone polling its feed downloads it only when it
/// changed). Other methods carry no `ETag`: only reads are cacheable.
struct ConditionalGetMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        guard request.method == .get || request.method == .head else {
            response.headers[.eTag] = nil
            return response
        }
        guard response.status == .ok, let tag = response.headers[.eTag],
            let held = request.headers[.ifNoneMatch],
            held == "*"
                || held.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag })
        else { return response }
        var headers = HTTPFields()
        headers[.eTag] = tag
        return Response(status: .notModified, headers: headers)
    }
}
