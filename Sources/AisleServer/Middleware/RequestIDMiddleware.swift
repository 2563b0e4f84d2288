import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, in the `X-Request-ID` answer header and on every log line of the
/// request (`request_id`): the client's own id when it sent a sane one (up to 128 printable
/// ASCII characters), else the server's. At debug level it logs each request: method, route
/// pattern and status, nothing personal.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name? { HTTPField.Name("X-Request-ID") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let sent = Self.header.flatMap { request.headers[$0] }
        let id: String
        if let sent, !sent.isEmpty, sent.utf8.count <= 128, sent.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            id = sent
        } else {
            id = context.logger[metadataKey: "hb.request.id"]?.description ?? "-"
        }
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        if let name = Self.header { response.headers[name] = id }
        // The route's pattern, never the path: paths hold user ids, queries search texts.
        context.logger.debug(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "route": .string(context.endpointPath ?? "unmatched"),
                "status": .stringConvertible(response.status.code),
            ]
        )
        return response
    }
}
