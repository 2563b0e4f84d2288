public import AisleCore
public import AisleEngine
import Crypto
import Foundation

/// Signs and checks user tokens: `ut1.<user, base64url>.<expiry, epoch seconds>.<HMAC-SHA256>`.
/// The store's backend asks for one at sign-in (`POST /v1/users/{id}/token`, admin key) and
/// hands it to the app, which sends it as `X-Aisle-User-Token`; the token proves that the app
/// speaks for that user until it expires, as Algolia's secured keys do. Nothing is stored per
/// token: the signature and the expiry are checked on each request.
public struct UserTokens: Sendable {
    /// The name under which the signing secret is kept in the store, beside the keys' hashes.
    static let secretName = "user_token_secret"
    /// Longest lifetime a token may be given: 30 days.
    public static let maxTTLSeconds = 30 * 24 * 3600
    /// Lifetime when the backend asks for none: a day.
    public static let defaultTTLSeconds = 24 * 3600

    /// The HMAC key's bytes (`SymmetricKey` is not `Sendable`; one is made per signature).
    private let secret: [UInt8]
    public let mode: UserTokenMode

    /// Tokens signed with `secret` (at least 32 bytes).
    public init(secret: [UInt8], mode: UserTokenMode) {
        self.secret = secret
        self.mode = mode
    }

    /// Loads the signing secret from the store, or makes and stores a new one, so tokens stay
    /// valid across restarts and on every node of one store.
    public static func load(engine: Engine, mode: UserTokenMode, now: Timestamp = .now()) async throws -> UserTokens {
        if let stored = try await engine.storedKeyHash(scope: secretName), let secret = Hex.bytes(stored),
            secret.count >= 32
        {
            return UserTokens(secret: secret, mode: mode)
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        try await engine.storeKeyHash(Hex.string(secret), scope: secretName, at: now)
        return UserTokens(secret: secret, mode: mode)
    }

    /// Tokens with a fresh random secret that lives as long as the value: for tests and for
    /// routers built without a store's secret.
    public static func ephemeral(mode: UserTokenMode = .optional) -> UserTokens {
        var generator = SystemRandomNumberGenerator()
        return UserTokens(secret: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }, mode: mode)
    }

    /// A keyed pseudonym of `user` for the audit log after their erasure: HMAC-SHA256 with
    /// this server's secret, so the same user always gets the same one and it cannot be turned
    /// back into the id without the secret.
    public func pseudonym(of user: UserID) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data(("audit-pseudonym:" + user.rawValue).utf8),
            using: SymmetricKey(data: secret)
        )
        return "erased-" + Hex.string(Array(code).prefix(12).map { $0 })
    }

    /// A token for `user` that expires `ttlSeconds` after `now`.
    public func issue(for user: UserID, now: Timestamp, ttlSeconds: Int) -> (token: String, expiresAt: Timestamp) {
        let expiry = now.millisecondsSinceEpoch / 1000 + Int64(ttlSeconds)
        let payload = "ut1.\(Self.base64URL(Array(user.rawValue.utf8))).\(expiry)"
        return (payload + "." + signature(of: payload), Timestamp(millisecondsSinceEpoch: expiry * 1000))
    }

    /// The user a token speaks for; throws `unauthorized` for a malformed, forged or expired one.
    public func verify(_ token: String, now: Timestamp) throws(AisleError) -> UserID {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "ut1", let expiry = Int64(parts[2]),
            let userBytes = Self.bytes(base64URL: String(parts[1])),
            let user = String(validating: userBytes, as: UTF8.self)
        else {
            throw AisleError(code: .unauthorized, message: "the user token is not one this server issued")
        }
        let expected = Array(signature(of: parts[0..<3].joined(separator: ".")).utf8)
        guard KeyRing.constantTimeEqual(expected, Array(parts[3].utf8)) else {
            throw AisleError(code: .unauthorized, message: "the user token is not one this server issued")
        }
        guard expiry > now.millisecondsSinceEpoch / 1000 else {
            throw AisleError(
                code: .unauthorized,
                message: "the user token has expired; ask the store's backend for a new one (POST /v1/users/{id}/token)"
            )
        }
        do {
            return try UserID(validating: user, field: "X-Aisle-User-Token")
        } catch {
            throw AisleError(code: .unauthorized, message: "the user token is not one this server issued")
        }
    }

    private func signature(of payload: String) -> String {
        Self.base64URL(
            Array(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: secret)))
        )
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func bytes(base64URL text: String) -> [UInt8]? {
        guard text.utf8.count <= 512 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
