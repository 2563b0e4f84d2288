public import AisleCore
public import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus who the caller is, set by
/// `KeyAuthMiddleware`, for routes whose rules differ by key (identify, personal reads).
public struct AisleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The key that authenticated the request; nil on routes that need no key.
    public var key: KeyHolder?
    /// The user a valid `X-Aisle-User-Token` speaks for, if the request carried one.
    public var tokenUser: UserID?
    /// Whether personal reads with the ingest key need a token (`--user-tokens`).
    public var userTokenMode = UserTokenMode.optional
    /// The client's IP address, for rate limits; nil when the channel has none (tests).
    public var remoteAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        key = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Whether the request came with an admin key (which may also move devices between users
    /// and replace any review).
    public var isAdmin: Bool { key?.isAdmin ?? false }

    /// Whether the caller may see `user`'s own data (history items in explanations, user ids
    /// on reviews): the admin key always, the ingest key with a token for that user. A token
    /// for another user is `forbidden`; no token is `unauthorized` when tokens are required.
    public func mayReadPersonalData(of user: UserID) throws(AisleError) -> Bool {
        if isAdmin { return true }
        if let tokenUser {
            guard tokenUser == user else {
                throw AisleError(code: .forbidden, message: "the user token is for another user")
            }
            return true
        }
        if userTokenMode == .required {
            throw AisleError(
                code: .unauthorized,
                message:
                    "this server requires a user token for personal data: send X-Aisle-User-Token (from POST /v1/users/{id}/token)"
            )
        }
        return false
    }
}
