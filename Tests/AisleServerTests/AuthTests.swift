import AisleCore
import AisleServer
import Hummingbird
import Testing

@Suite struct AuthTests {
    @Test("a request without a key gets 401 unauthorized with a Bearer challenge")
    func missingKey() async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(.get, "/v1/items", key: .none)
            #expect(reply.status == .unauthorized)
            #expect(reply.error?.code == "unauthorized")
            #expect(reply.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test(
        "a wrong or malformed key gets 401",
        arguments: [
            "Bearer nope", "Basic dGVzdDp0ZXN0", "Bearer", "test-admin-key-000000", "Bearer test-admin-key-00000",
        ]
    )
    func wrongKey(header: String) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(.get, "/v1/items", key: .raw(header))
            #expect(reply.status == .unauthorized)
        }
    }

    @Test(
        "the ingest key gets 403 on admin routes",
        arguments: [
            (HTTPRequest.Method.get, "/v1/items/a/image/info"), (.put, "/v1/items/a"), (.delete, "/v1/items/a"),
            (.get, "/v1/users/u/history"), (.delete, "/v1/users/u"), (.post, "/v1/items:batch"),
        ]
    )
    func ingestKeyScope(method: HTTPRequest.Method, uri: String) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(method, uri, key: .ingest, body: "{}")
            #expect(reply.status == .forbidden)
            #expect(reply.error?.code == "forbidden")
        }
    }

    @Test("the ingest key may post events and identify devices")
    func ingestKeyAllowed() async throws {
        try await TestAPI().run { api in
            let events = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body: #"{"type":"view","device_id":"d","item_id":"i"}"#
            )
            #expect(events.status == .ok)
            let identify = try await api.call(
                .post,
                "/v1/identify",
                key: .ingest,
                body: #"{"device_id":"d","user_id":"u"}"#
            )
            #expect(identify.status == .ok)
        }
    }

    @Test(
        "health, readiness and metrics need no key",
        arguments: ["/health", "/ready", "/metrics", "/v1/openapi.yaml"]
    )
    func openRoutes(uri: String) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(.get, uri, key: .none)
            #expect(reply.status == .ok)
        }
    }

    @Test("keys compare by scope: a generated key is long and scoped")
    func generatedKeys() {
        let key = KeyRing.newKey(scope: .ingest)
        #expect(key.hasPrefix("aisle_ingest_"))
        #expect(key.count == "aisle_ingest_".count + 64)
        let ring = KeyRing(adminKey: "a-admin-key-0000000", ingestKey: key)
        #expect(ring.scope(of: key) == .ingest)
        #expect(ring.scope(of: "a-admin-key-0000000") == .admin)
        #expect(ring.scope(of: key + "x") == nil)
    }
}
