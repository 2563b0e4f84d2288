import AisleCore
import Crypto
import Foundation
import HTTPTypes

/// The storefront's calls carry no API key: the page gets a session cookie when it loads, and
/// requests with that cookie from the same origin are authorised as the storefront principal
/// (the ingest key's permissions). The cookie is `SameSite=Strict` and `HttpOnly`, and a
/// request must also come from the page's own origin (`Sec-Fetch-Site`, `Origin`), so another
/// site cannot spend it. Signed with a secret derived from the ingest key, so every node that
/// shares the keys accepts the cookies of the others.
struct StorefrontSession: Sendable {
    static let cookieName = "aisle_storefront"
    /// How long a loaded page's cookie is honoured.
    static let lifetime: Int64 = 7 * 86_400

    /// The HMAC key's bytes (SymmetricKey is not Sendable).
    private let key: [UInt8]
    /// Set when the server listens on loopback only: requests must then name a loopback host.
    let loopbackOnly: Bool

    /// `secret` empty (a server without keys): a random one, good for this process only.
    init(secret: [UInt8], loopbackOnly: Bool = false) {
        self.loopbackOnly = loopbackOnly
        var generator = SystemRandomNumberGenerator()
        let material = secret.isEmpty ? (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) } : secret
        key = Array(SHA256.hash(data: Array("aisle storefront session v1".utf8) + material))
    }

    /// A new cookie value, `issued.nonce.mac` (seconds, 16 random bytes, HMAC), for `now`.
    func issue(now: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let payload = "\(now.millisecondsSinceEpoch / 1000).\(Hex.string(nonce))"
        return "\(payload).\(mac(payload))"
    }

    /// Whether `value` is a cookie this server (or one sharing its keys) issued, and not older
    /// than `lifetime`.
    func isValid(_ value: String, now: Timestamp) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let issued = Int64(parts[0]), parts[1].count == 32 else { return false }
        let age = now.millisecondsSinceEpoch / 1000 - issued
        guard age >= -60, age <= Self.lifetime else { return false }
        // Constant time: a guess learns nothing from how long the comparison took.
        return KeyRing.constantTimeEqual(Array(mac("\(parts[0]).\(parts[1])").utf8), Array(parts[2].utf8))
    }

    /// The `Set-Cookie` value for a new session.
    func setCookie(now: Timestamp) -> String {
        "\(Self.cookieName)=\(issue(now: now)); Path=/; Max-Age=\(Self.lifetime); HttpOnly; SameSite=Strict"
    }

    /// Whether `request` carries a valid session cookie and comes from the page's own origin.
    func authorises(_ request: HTTPRequest, now: Timestamp) -> Bool {
        guard let cookie = Self.cookie(in: request), isValid(cookie, now: now) else { return false }
        // DNS rebinding: a page of another site whose name now points at 127.0.0.1 would be
        // "same-origin" with itself; a server on loopback answers only loopback names.
        if loopbackOnly, !Self.isLoopback(authority: request.authority) { return false }
        // Browsers say where a request comes from; a page of another site is refused even if
        // a browser sent the cookie with it. Sec-Fetch-Site is the browser's own verdict (and
        // holds behind a proxy that rewrites Host); Origin, compared with Host, for browsers
        // that do not send it.
        if let site = request.headerFields[Self.fetchSite] { return site == "same-origin" }
        if let origin = request.headerFields[.origin] {
            // HTTP/1.1's Host header is the request's authority.
            guard let host = request.authority else { return false }
            return origin == "http://\(host)" || origin == "https://\(host)"
        }
        return true
    }

    /// Whether a Host names this machine's loopback interface (with or without a port).
    static func isLoopback(authority: String?) -> Bool {
        guard let authority = authority?.lowercased() else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.dropFirst().prefix { $0 != "]" }
        } else {
            host = authority.prefix { $0 != ":" }
        }
        return host == "localhost" || host == "::1" || host == "127.0.0.1" || host.hasSuffix(".localhost")
    }

    static let fetchSite: HTTPField.Name = {
        guard let name = HTTPField.Name("Sec-Fetch-Site") else { preconditionFailure("a valid header name") }
        return name
    }()

    static func cookie(in request: HTTPRequest) -> String? {
        for header in request.headerFields[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("\(cookieName)=") { return String(trimmed.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    private func mac(_ payload: String) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: SymmetricKey(data: key)))
    }
}
