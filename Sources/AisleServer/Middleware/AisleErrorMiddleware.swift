import AisleCore
import Hummingbird
import Logging
import NIOHTTP1

/// The one place that turns errors into responses: `AisleError` → its 4xx/503 JSON,
/// Hummingbird's own errors (no route, body too large) → the same JSON shape, anything else →
/// a logged 500 that leaks nothing.
struct AisleErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's routes by method, to tell a wrong method (405) from an unknown path (404).
    var allowedMethods = AllowedMethods()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as AisleError {
            return JSONResponse.error(error)
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = allowedMethods.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    var response = JSONResponse.error(
                        AisleError(
                            code: .methodNotAllowed,
                            message:
                                "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: ", "))"
                        )
                    )
                    response.headers[.allow] = allowed.joined(separator: ", ")
                    return response
                }
            }
            return JSONResponse.error(Self.aisleError(for: error, request: request))
        } catch let error as HTTPParserError {
            // The client broke the request off (closed before Content-Length bytes, or sent
            // bytes that are not HTTP): its mistake, not ours, and nothing was stored.
            context.logger.debug(
                "request body cut off or malformed",
                metadata: ["error": "\(error)", "route": "\(context.endpointPath ?? "unmatched")"]
            )
            return JSONResponse.error(
                AisleError(
                    code: .invalidJSON,
                    message: "the request body ended early or is not valid HTTP (\(error)); send the whole body"
                )
            )
        } catch {
            context.logger.error(
                "unhandled error",
                metadata: ["error": "\(String(reflecting: error))", "route": "\(context.endpointPath ?? "unmatched")"]
            )
            return JSONResponse.encoded(
                ErrorBody.internalError,
                status: .internalServerError
            )
        }
    }

    static func aisleError(for error: HTTPError, request: Request) -> AisleError {
        switch error.status {
        case .contentTooLarge:
            return AisleError(code: .payloadTooLarge, message: "the body is larger than this server accepts")
        case .notFound:
            return .notFound("no route for \(request.method) \(request.uri.path)")
        case .methodNotAllowed:
            return AisleError(
                code: .methodNotAllowed,
                message: "\(request.method) is not allowed on \(request.uri.path)"
            )
        case .unauthorized:
            return AisleError(code: .unauthorized, message: error.body ?? "a valid API key is required")
        default:
            return AisleError(code: .invalidField, message: error.body ?? "\(error.status)")
        }
    }
}

extension ErrorBody {
    static let internalError = ErrorBody(code: "internal", message: "an internal error occurred; it has been logged")
}

extension AisleError.Code {
    /// The HTTP status each error code answers with.
    var status: HTTPResponse.Status {
        switch self {
        case .invalidJSON, .invalidField: .badRequest
        case .notFound: .notFound
        case .payloadTooLarge: .contentTooLarge
        case .conflict: .conflict
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .methodNotAllowed: .methodNotAllowed
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .unsupportedMediaType: .unsupportedMediaType
        case .invalidImage: .badRequest
        }
    }
}
