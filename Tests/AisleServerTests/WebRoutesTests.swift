import AisleCore
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import AisleServer

/// The storefront and dashboard files, their headers, and the storefront's session.
@Suite struct WebRoutesTests {
    static func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return fields
    }

    @Test("pages and files: content types, security headers, gzip, ETag and 304; no way out of the folder")
    func files() async throws {
        try await TestAPI().run { api in
            let page = try await api.send(.get, "/", headers: [:])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<script type=\"module\" src=\"/storefront/app.js\">"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            let cookie = try #require(page.headers[.setCookie])
            #expect(
                cookie.hasPrefix("aisle_storefront=") && cookie.contains("HttpOnly")
                    && cookie.contains("SameSite=Strict")
            )
            // The page is never a 304: each load renews the session.
            #expect(page.headers[.eTag] == nil)
            #expect(page.headers[.cacheControl] == "no-store")
            let reload = try await api.send(.get, "/", headers: Self.headers([("If-None-Match", "*")]))
            #expect(reload.status == .ok)
            #expect(reload.headers[.setCookie].map { $0 != cookie } == true)

            let script = try await api.send(.get, "/storefront/app.js", headers: [:])
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.contentEncoding] == nil)
            let tag = try #require(script.headers[.eTag])
            let zipped = try await api.send(
                .get,
                "/storefront/app.js",
                headers: Self.headers([("Accept-Encoding", "gzip, br")])
            )
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.body.count < script.body.count / 2)
            #expect(try Gzip.decompress([UInt8](zipped.body), maxBytes: 1 << 20) == [UInt8](script.body))
            #expect(zipped.headers[.eTag] != tag)
            let again = try await api.send(.get, "/storefront/app.js", headers: Self.headers([("If-None-Match", tag)]))
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)

            for path in ["/storefront/nothing.js", "/storefront/.hidden", "/storefront/..%2Fopenapi.yaml"] {
                let reply = try await api.send(.get, path, headers: [:])
                #expect(reply.status == .notFound, "\(path)")
            }
            let dashboard = try await api.send(.get, "/dashboard", headers: [:])
            #expect(dashboard.status == .ok)
            #expect(dashboard.headers[.setCookie] == nil, "the dashboard starts no storefront session")
            #expect(dashboard.headers[.contentSecurityPolicy] == WebRoutes.contentSecurityPolicy)
        }
    }

    @Test("production serves neither app unless told to; each can be turned on or off alone")
    func modes() async throws {
        let cases: [(WebConfiguration.Environment, Bool?, Bool?, HTTPResponse.Status, HTTPResponse.Status)] = [
            (.production, nil, nil, .notFound, .notFound),
            (.production, true, nil, .ok, .notFound),
            (.production, nil, true, .notFound, .ok),
            (.development, false, nil, .notFound, .ok),
            (.development, nil, nil, .ok, .ok),
        ]
        for (environment, storefront, dashboard, shop, board) in cases {
            let server = try TestAPI(configure: {
                $0.web.environment = environment
                $0.web.storefront = storefront
                $0.web.dashboard = dashboard
            })
            try await server.run { api in
                let home = try await api.send(.get, "/", headers: [:])
                #expect(home.status == shop, "\(environment) storefront \(String(describing: storefront))")
                let panel = try await api.send(.get, "/dashboard", headers: [:])
                #expect(panel.status == board, "\(environment) dashboard \(String(describing: dashboard))")
            }
        }
    }

    @Test("the storefront's cookie stands for the ingest key's permissions, from its own origin only")
    func session() async throws {
        try await TestAPI().run { api in
            let page = try await api.send(.get, "/", headers: [:])
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let sameOrigin = Self.headers([("Cookie", cookie), ("Sec-Fetch-Site", "same-origin")])
            #expect(try await api.send(.get, "/v1/trending", headers: sameOrigin).status == .ok)
            // Without Sec-Fetch-Site (an older browser, a script that loaded the page) the cookie holds.
            #expect(try await api.send(.get, "/v1/trending", headers: Self.headers([("Cookie", cookie)])).status == .ok)
            let admin = try await api.send(.get, "/v1/keys", headers: sameOrigin)
            #expect(admin.status == .forbidden)
            #expect(admin.error?.code == "forbidden")
            for refused in [
                [("Sec-Fetch-Site", "cross-site")], [("Sec-Fetch-Site", "same-site")],
                [("Origin", "https://evil.example")],
            ] {
                let reply = try await api.send(
                    .get,
                    "/v1/trending",
                    headers: Self.headers([("Cookie", cookie)] + refused)
                )
                #expect(reply.status == .unauthorized, "\(refused)")
            }
            #expect(try await api.send(.get, "/v1/trending", headers: [:]).status == .unauthorized)
            // Behind a proxy that rewrites Host, the browser's own Sec-Fetch-Site decides.
            let proxied = Self.headers([
                ("Cookie", cookie), ("Sec-Fetch-Site", "same-origin"), ("Origin", "https://shop.example"),
            ])
            #expect(try await api.send(.get, "/v1/trending", headers: proxied).status == .ok)
            let forged = String(cookie.dropLast(2)) + (cookie.hasSuffix("00") ? "11" : "00")
            #expect(
                try await api.send(.get, "/v1/trending", headers: Self.headers([("Cookie", forged)])).status
                    == .unauthorized
            )
            // A wrong key is still refused even with a good cookie: a key, when sent, decides.
            var wrongKey = sameOrigin
            wrongKey[.authorization] = "Bearer not-a-key-at-all"
            #expect(try await api.send(.get, "/v1/trending", headers: wrongKey).status == .unauthorized)
        }
    }

    @Test("without the storefront its cookies authorise nothing")
    func noStorefrontNoSession() async throws {
        let cookie = StorefrontSession(
            secret: KeyRing(adminKey: TestAPI.adminKey, ingestKey: TestAPI.ingestKey).storefrontSecret
        )
        .issue(now: .now())
        let server = try TestAPI(configure: { $0.web.storefront = false })
        let headers = Self.headers([("Cookie", "aisle_storefront=\(cookie)"), ("Sec-Fetch-Site", "same-origin")])
        try await server.run { api in
            let reply = try await api.send(.get, "/v1/trending", headers: headers)
            #expect(reply.status == .unauthorized)
        }
    }

    @Test("session cookies: signed, expiring, and tied to the keys")
    func cookies() {
        let keys = KeyRing(adminKey: TestAPI.adminKey, ingestKey: TestAPI.ingestKey)
        let session = StorefrontSession(secret: keys.storefrontSecret)
        let now = Timestamp.now()
        let value = session.issue(now: now)
        #expect(session.isValid(value, now: now))
        #expect(
            session.isValid(value, now: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 6 * 86_400_000))
        )
        #expect(
            !session.isValid(value, now: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 8 * 86_400_000))
        )
        #expect(session.issue(now: now) != value, "each page load gets its own")
        // Another node with the same keys accepts it; a server with another ingest key does not.
        #expect(StorefrontSession(secret: keys.storefrontSecret).isValid(value, now: now))
        let other = KeyRing(adminKey: TestAPI.adminKey, ingestKey: "another-ingest-key-0000")
        #expect(!StorefrontSession(secret: other.storefrontSecret).isValid(value, now: now))
        for bad in ["", "1.2.3", "x.\(String(repeating: "0", count: 32)).00", value + "0", "9" + value] {
            #expect(!session.isValid(bad, now: now), "\(bad)")
        }
    }

    @Test("a server on loopback takes storefront calls only for loopback names (no DNS rebinding)")
    func loopbackNames() {
        for name in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST", "shop.localhost:80"] {
            #expect(StorefrontSession.isLoopback(authority: name), "\(name)")
        }
        for name in ["evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.1:8080", ""] {
            #expect(!StorefrontSession.isLoopback(authority: name), "\(name)")
        }
        #expect(!StorefrontSession.isLoopback(authority: nil))
        let session = StorefrontSession(secret: Array("s".utf8), loopbackOnly: true)
        let cookie = session.issue(now: .now())
        func request(host: String) -> HTTPRequest {
            let fields = Self.headers([("Cookie", "aisle_storefront=\(cookie)"), ("Sec-Fetch-Site", "same-origin")])
            return HTTPRequest(
                method: .get,
                scheme: "http",
                authority: host,
                path: "/v1/trending",
                headerFields: fields
            )
        }
        #expect(session.authorises(request(host: "127.0.0.1:8080"), now: .now()))
        #expect(!session.authorises(request(host: "rebound.example:8080"), now: .now()))
        #expect(
            StorefrontSession(secret: Array("s".utf8)).authorises(request(host: "rebound.example:8080"), now: .now())
        )
    }
}
