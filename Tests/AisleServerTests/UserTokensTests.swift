import AisleCore
import AisleServer
import Testing

/// User tokens: signed, bound to one user, and expiring.
@Suite struct UserTokensTests {
    let tokens = UserTokens(secret: Array(repeating: 7, count: 32), mode: .optional)
    let now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    @Test("a token verifies as its user until it expires, then is 401")
    func expiry() throws {
        let issued = tokens.issue(for: UserID("u-42"), now: now, ttlSeconds: 60)
        #expect(issued.expiresAt.millisecondsSinceEpoch == now.millisecondsSinceEpoch + 60_000)
        #expect(try tokens.verify(issued.token, now: now) == UserID("u-42"))
        let later = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 61_000)
        #expect(throws: AisleError.self) { try tokens.verify(issued.token, now: later) }
        do {
            _ = try tokens.verify(issued.token, now: later)
        } catch {
            #expect(error.code == .unauthorized)
            #expect(error.message.contains("expired"))
        }
    }

    @Test("a token from another secret, or with any part changed, is refused")
    func forgery() {
        let issued = tokens.issue(for: UserID("u-42"), now: now, ttlSeconds: 600).token
        let other = UserTokens(secret: Array(repeating: 8, count: 32), mode: .optional)
        #expect(throws: AisleError.self) { try other.verify(issued, now: now) }
        var parts = issued.split(separator: ".").map(String.init)
        parts[2] = String((Int(parts[2]) ?? 0) + 86_400)
        #expect(throws: AisleError.self) { try tokens.verify(parts.joined(separator: "."), now: now) }
    }

    @Test("unicode user ids round-trip byte for byte")
    func unicodeUsers() throws {
        for user in ["用户-1", "caf\u{E9}", "cafe\u{301}"] {
            let token = tokens.issue(for: UserID(user), now: now, ttlSeconds: 60).token
            #expect(try tokens.verify(token, now: now).rawValue.utf8.elementsEqual(user.utf8))
        }
    }
}
