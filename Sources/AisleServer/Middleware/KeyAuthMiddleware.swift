import AisleCore
import Foundation
import HTTPTypes
import Hummingbird

/// Lets a request through when it carries `Authorization: Bearer KEY` with a key whose scope is
/// at least `required`: 401 without a valid key, 403 for a key of too small a scope.
struct KeyAuthMiddleware: RouterMiddleware {
    typealias Context = AisleRequestContext

    /// Where an app sends the token its backend got for the signed-in user.
    static let userTokenHeader: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Aisle-User-Token") else { preconditionFailure("a valid header name") }
        return name
    }()

    let keys: KeyRing
    let required: KeyScope
    let tokens: UserTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization] else {
            throw AisleError(code: .unauthorized, message: "send the API key as 'Authorization: Bearer KEY'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AisleError(code: .unauthorized, message: "the Authorization header must be 'Bearer KEY'")
        }
        guard let scope = keys.scope(of: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw AisleError(code: .unauthorized, message: "the API key is not valid")
        }
        guard scope >= required else {
            throw AisleError(
                code: .forbidden,
                message:
                    "this route needs the \(required.rawValue) key; the \(scope.rawValue) key may only post events, identify devices and read recommendations"
            )
        }
        var context = context
        context.keyScope = scope
        context.userTokenMode = tokens.mode
        if let token = request.headers[Self.userTokenHeader] {
            context.tokenUser = try tokens.verify(token.trimmingCharacters(in: .whitespaces), now: .now())
        }
        return try await next(request, context)
    }
}
