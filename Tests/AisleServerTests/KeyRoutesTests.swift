import AisleCore
import Foundation
import Hummingbird
import Testing

@testable import AisleServer

/// `/v1/keys`: named keys with some permissions, revoked at once, refused outside their scope,
/// their origins and their rate.
@Suite struct KeyRoutesTests {
    static func make(_ api: TestAPI.Caller, _ json: String) async throws -> KeyBody {
        let reply = try await api.call(.post, "/v1/keys", body: json)
        #expect(reply.status == .created, "\(reply.text)")
        return try reply.decode(KeyBody.self)
    }

    @Test("a key with search:read searches; elsewhere it gets 403 naming the permission the route needs")
    func scoped() async throws {
        try await TestAPI().run { api in
            let made = try await Self.make(api, #"{"name": "storefront search", "scopes": ["search:read"]}"#)
            let secret = try #require(made.key)
            #expect(made.id.hasPrefix("key_") && secret.hasPrefix("aisle_key_") && made.scopes == ["search:read"])
            #expect(try await api.call(.get, "/v1/search?q=jacket", key: .raw("Bearer \(secret)")).status == .ok)
            let refused = try await api.call(.get, "/v1/trending", key: .raw("Bearer \(secret)"))
            #expect(refused.status == .forbidden && refused.error?.code == "forbidden")
            #expect(refused.error?.message.contains("recommendations:read") == true, "\(refused.text)")
            #expect(try await api.call(.get, "/v1/items", key: .raw("Bearer \(secret)")).status == .forbidden)
            #expect(try await api.call(.get, "/v1/keys", key: .raw("Bearer \(secret)")).status == .forbidden)
        }
    }

    @Test("the list shows keys without their secrets; a revoked key gets 401 at once, and revoking twice is 404")
    func listAndRevoke() async throws {
        try await TestAPI().run { api in
            let made = try await Self.make(api, #"{"name": "sync job", "scopes": ["catalog:write", "users:write"]}"#)
            let secret = try #require(made.key)
            let list = try await api.call(.get, "/v1/keys")
            #expect(list.status == .ok && !list.text.contains(secret) && list.text.contains(made.id))
            #expect(try await api.call(.get, "/v1/items", key: .raw("Bearer \(secret)")).status == .ok)
            let revoked = try await api.call(.delete, "/v1/keys/\(made.id)")
            #expect(revoked.status == .ok)
            let after = try await api.call(.get, "/v1/items", key: .raw("Bearer \(secret)"))
            #expect(after.status == .unauthorized)
            #expect(try await api.call(.delete, "/v1/keys/\(made.id)").status == .notFound)
            #expect(try await api.call(.get, "/v1/keys").text.contains(made.id) == false)
        }
    }

    @Test("an admin-scoped made key may do what the admin key does, making keys included")
    func adminScope() async throws {
        try await TestAPI().run { api in
            let made = try await Self.make(api, #"{"name": "ops", "scopes": ["admin"]}"#)
            let secret = try #require(made.key)
            let reply = try await api.call(
                .post,
                "/v1/keys",
                key: .raw("Bearer \(secret)"),
                body: #"{"name": "child", "scopes": ["identify"]}"#
            )
            #expect(reply.status == .created)
        }
    }

    @Test(
        "bad key requests are 400 on the field at fault, and the ingest key may not make keys",
        arguments: [
            (#"{"scopes": ["search:read"]}"#, "name"),
            (#"{"name": "x", "scopes": []}"#, "scopes"),
            (#"{"name": "x"}"#, "scopes"),
            (#"{"name": "x", "scopes": ["search:read", "search:write"]}"#, "scopes[1]"),
            (#"{"name": "x", "scopes": ["admin"], "expires_in_days": 0}"#, "expires_in_days"),
            (
                #"{"name": "x", "scopes": ["admin"], "allowed_origins": ["https://shop.example.com/cart"]}"#,
                "allowed_origins[0]"
            ),
            (
                #"{"name": "x", "scopes": ["admin"], "allowed_origins": ["ftp://shop.example.com"]}"#,
                "allowed_origins[0]"
            ),
            (#"{"name": "x", "scopes": ["admin"], "rate_limit": 0}"#, "rate_limit"),
            (#"{"name": "x", "scopes": ["admin"], "colour": "red"}"#, "colour"),
            (#"{"name": "   ", "scopes": ["admin"]}"#, "name"),
        ]
    )
    func invalid(body: String, field: String) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(.post, "/v1/keys", body: body)
            #expect(reply.status == .badRequest && reply.error?.field == field, "\(reply.text)")
            let ingest = try await api.call(
                .post,
                "/v1/keys",
                key: .ingest,
                body: #"{"name": "x", "scopes": ["admin"]}"#
            )
            #expect(ingest.status == .forbidden)
            #expect(try await api.call(.get, "/v1/keys").text == #"{"data":[]}"#, "nothing was made")
        }
    }

    @Test("a key with allowed_origins is refused from another browser origin and accepted from its own")
    func origins() async throws {
        try await TestAPI().run { api in
            let made = try await Self.make(
                api,
                #"{"name": "web", "scopes": ["search:read"], "allowed_origins": ["https://shop.example.com"]}"#
            )
            let secret = try #require(made.key)
            var headers = HTTPFields()
            headers[.origin] = "https://evil.example.net"
            let foreign = try await api.get("/v1/search?q=a", headers: headers, key: secret)
            #expect(foreign.status == .forbidden && foreign.error?.message.contains("evil.example.net") == true)
            headers[.origin] = "https://shop.example.com"
            #expect(try await api.get("/v1/search?q=a", headers: headers, key: secret).status == .ok)
        }
    }

    @Test("a key's own rate_limit applies without a server-wide one")
    func ownRate() async throws {
        let stopped = ContinuousClock.now
        try await TestAPI(rateLimiter: RateLimiter(requestsPerSecond: nil) { stopped }).run { api in
            let made = try await Self.make(api, #"{"name": "slow", "scopes": ["search:read"], "rate_limit": 2}"#)
            let secret = try #require(made.key)
            for _ in 0..<2 {
                #expect(try await api.call(.get, "/v1/search?q=a", key: .raw("Bearer \(secret)")).status == .ok)
            }
            let limited = try await api.call(.get, "/v1/search?q=a", key: .raw("Bearer \(secret)"))
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] == "1")
            for _ in 0..<5 { #expect(try await api.call(.get, "/v1/search?q=a", key: .ingest).status == .ok) }
        }
    }

    @Test("an expired key is refused with 401 saying so")
    func expired() throws {
        let ring = KeyRing(adminKey: TestAPI.adminKey, ingestKey: TestAPI.ingestKey)
        let now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        ring.add(
            APIKeyRecord(
                id: "key_0000000000000001",
                name: "old",
                secretDigest: Hex.string(KeyRing.digest("aisle_key_old")),
                permissions: [.searchRead],
                createdAt: now,
                expiresAt: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1_000)
            )
        )
        #expect(try ring.holder(of: "aisle_key_old", now: now).id == "key_0000000000000001")
        #expect {
            try ring.holder(
                of: "aisle_key_old",
                now: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1_000)
            )
        } throws: { ($0 as? AisleError)?.message.contains("expired") == true }
    }

    @Test("every route of the router names the permission it needs")
    func everyRouteHasAPermission() throws {
        let api = try TestAPI()
        let routed = Set(
            api.router.routes.map { "\($0.method) \($0.path)" }.filter {
                $0.contains(" /v1/") && !$0.hasSuffix("openapi.yaml")
            }
        )
        let listed = Set(RoutePermissions.table.keys)
        #expect(routed.subtracting(listed).sorted() == [], "routes missing from RoutePermissions.table")
        #expect(listed.subtracting(routed).sorted() == [], "RoutePermissions.table lists routes that do not exist")
    }
}
