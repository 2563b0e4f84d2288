import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// The security review's findings, through the real binary over loopback: reviews the ingest
/// key cannot rewrite, user tokens for personal data, connections that must keep moving, cut-off
/// bodies, byte-exact ids in the recommender, and control characters refused.
@Suite(.serialized) struct SecurityEndToEndTests {
    private func withServer(
        _ environment: [String: String] = [:],
        _ body: (HTTP, ServerProcess) async throws -> Void
    ) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"].merging(environment) { $1 })
        defer { server.stop() }
        try await withHTTP(server) { http in try await body(http, server) }
    }

    private func ingest(_ http: HTTP, _ path: String, _ json: String, token: String? = nil) async throws -> HTTP.Reply {
        try await http.call(
            .POST,
            path,
            key: ServerProcess.ingestKey,
            json: json,
            headers: token.map { ["X-Aisle-User-Token": $0] } ?? [:]
        )
    }

    private func token(_ http: HTTP, for user: String, json: String = "") async throws -> String {
        let reply = try await http.call(.POST, "/v1/users/\(user)/token", json: json)
        #expect(reply.status == 200, "\(reply.text)")
        return try reply.decode(UserTokenBody.self).token
    }

    // MARK: - 1. Reviews

    @Test("the ingest key creates a review once: a retry is harmless, a rewrite is 409 and changes nothing")
    func ingestKeyCannotRewriteReviews() async throws {
        try await withServer { http, _ in
            #expect(try await http.call(.PUT, "/v1/items/jacket", json: #"{"title":"Jacket"}"#).status == 200)
            let original = #"{"id":"r1","user_id":"u1","rating":5,"text":"Warm and well made."}"#
            #expect(try await ingest(http, "/v1/items/jacket/reviews", original).status == 200)
            // The same review again (an app retrying) is answered with the stored one.
            #expect(try await ingest(http, "/v1/items/jacket/reviews", original).status == 200)

            let rewrites = [
                #"{"id":"r1","user_id":"u1","rating":1,"text":"Warm and well made."}"#,
                #"{"id":"r1","user_id":"u2","rating":5,"text":"Warm and well made."}"#,
                #"{"id":"r1","user_id":"u1","rating":5,"text":"Terrible, avoid."}"#,
                #"{"id":"r1","rating":5,"text":"Warm and well made."}"#,
            ]
            for rewrite in rewrites {
                let reply = try await ingest(http, "/v1/items/jacket/reviews", rewrite)
                #expect(reply.status == 409, "\(rewrite): \(reply.text)")
                #expect(reply.errorCode == "conflict")
            }
            #expect(try await http.call(.PUT, "/v1/items/boots", json: #"{"title":"Boots"}"#).status == 200)
            let moved = try await ingest(http, "/v1/items/boots/reviews", original)
            #expect(moved.status == 409)

            let stored = try await http.call(.GET, "/v1/reviews/r1").decode(ReviewBody.self)
            #expect(stored.text == "Warm and well made.")
            #expect(stored.rating == 5)
            #expect(stored.userID == "u1")
            #expect(stored.itemID == "jacket")

            // The admin key edits.
            let edited = try await http.call(
                .POST,
                "/v1/items/jacket/reviews",
                json: #"{"id":"r1","user_id":"u1","rating":4,"text":"Warm, one seam came loose."}"#
            )
            #expect(edited.status == 200)
            #expect(try await http.call(.GET, "/v1/reviews/r1").decode(ReviewBody.self).rating == 4)
        }
    }

    // MARK: - 2. User tokens

    /// Ten shoppers viewed a and b; u0 viewed only a. After training, u0's feed explains b by a.
    private func trainedStore(_ http: HTTP) async throws {
        let items = ItemBatch(items: ["a", "b", "c"].map { ItemBody(id: $0, title: "item \($0)") })
        #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
        var events: [EventBody] = [EventBody(type: "view", userID: "u0", itemID: "a")]
        for user in 1...10 {
            events.append(EventBody(type: "view", userID: "u\(user)", itemID: "a"))
            events.append(EventBody(type: "view", userID: "u\(user)", itemID: "b"))
        }
        for user in 11...13 { events.append(EventBody(type: "view", userID: "u\(user)", itemID: "c")) }
        #expect(try await http.post("/v1/events", encoding: EventBatch(events: events)).status == 200)
        #expect(try await http.train().status == 200)
    }

    private func reasonItems(_ reply: HTTP.Reply) throws -> [String] {
        try reply.decode(RecommendationListBody.self).data.flatMap { $0.reason?.itemIDs ?? [] }
    }

    @Test("explanations name history items only for the admin key or the user's own token")
    func explanationsNeedTheUsersToken() async throws {
        try await withServer { http, _ in
            try await trainedStore(http)
            let path = "/v1/users/u0/recommendations?explain=true"
            let admin = try await http.call(.GET, path)
            #expect(try reasonItems(admin).contains("a"), "\(admin.text)")

            let anonymous = try await http.call(.GET, path, key: ServerProcess.ingestKey)
            #expect(anonymous.status == 200)
            #expect(try reasonItems(anonymous) == [], "\(anonymous.text)")
            #expect(try anonymous.decode(RecommendationListBody.self).data.map(\.itemID).contains("b"))

            let own = try await http.call(
                .GET,
                path,
                key: ServerProcess.ingestKey,
                headers: ["X-Aisle-User-Token": try await token(http, for: "u0")]
            )
            #expect(try reasonItems(own).contains("a"), "\(own.text)")

            let someoneElses = try await http.call(
                .GET,
                path,
                key: ServerProcess.ingestKey,
                headers: ["X-Aisle-User-Token": try await token(http, for: "u5")]
            )
            #expect(someoneElses.status == 403)
        }
    }

    @Test("a forged or malformed user token is 401, and ttl_seconds is checked")
    func forgedTokens() async throws {
        try await withServer { http, _ in
            let good = try await token(http, for: "u0", json: #"{"ttl_seconds":600}"#)
            let parts = good.split(separator: ".").map(String.init)
            let forgedUser = ["ut1", "dTU", parts[2], parts[3]].joined(separator: ".")
            for bad in [forgedUser, good + "x", "ut1.dTA.9999999999.AAAA", "not-a-token", ""] {
                let reply = try await http.call(
                    .GET,
                    "/v1/users/u0/recommendations",
                    key: ServerProcess.ingestKey,
                    headers: ["X-Aisle-User-Token": bad]
                )
                #expect(reply.status == 401, "\(bad): \(reply.text)")
            }
            for ttl in ["0", "-5", "2592001", "\"1h\""] {
                let reply = try await http.call(.POST, "/v1/users/u0/token", json: #"{"ttl_seconds":\#(ttl)}"#)
                #expect(reply.status == 400, "\(ttl)")
            }
            #expect(try await http.call(.POST, "/v1/users/u0/token", key: ServerProcess.ingestKey).status == 403)
        }
    }

    @Test("review reads show user ids only to the admin key and to the author's own token")
    func reviewUserIDsNeedTheToken() async throws {
        try await withServer { http, _ in
            #expect(try await http.call(.PUT, "/v1/items/jacket", json: #"{"title":"Jacket"}"#).status == 200)
            #expect(
                try await ingest(http, "/v1/items/jacket/reviews", #"{"id":"r1","user_id":"u1","text":"Great."}"#)
                    .status == 200
            )
            #expect(
                try await ingest(http, "/v1/items/jacket/reviews", #"{"id":"r2","user_id":"u2","text":"Fine."}"#).status
                    == 200
            )

            func userIDs(key: String, token: String? = nil) async throws -> [String?] {
                let reply = try await http.call(
                    .GET,
                    "/v1/items/jacket/reviews",
                    key: key,
                    headers: token.map { ["X-Aisle-User-Token": $0] } ?? [:]
                )
                return try reply.decode(PageBody<ReviewBody>.self).data.sorted { ($0.id ?? "") < ($1.id ?? "") }.map(
                    \.userID
                )
            }
            #expect(try await userIDs(key: ServerProcess.ingestKey) == [nil, nil])
            #expect(
                try await userIDs(key: ServerProcess.ingestKey, token: try await token(http, for: "u1")) == ["u1", nil]
            )
            #expect(try await userIDs(key: ServerProcess.adminKey) == ["u1", "u2"])
            let one = try await http.call(.GET, "/v1/reviews/r2", key: ServerProcess.ingestKey)
            #expect(try one.decode(ReviewBody.self).userID == nil)
        }
    }

    @Test("with --user-tokens required, personal reads and identify need the user's token")
    func requiredTokens() async throws {
        try await withServer(["AISLE_USER_TOKENS": "required"]) { http, _ in
            try await trainedStore(http)
            let feed = "/v1/users/u0/recommendations"
            #expect(try await http.call(.GET, feed, key: ServerProcess.ingestKey).status == 401)
            let token = try await token(http, for: "u0")
            let withToken = try await http.call(
                .GET,
                feed,
                key: ServerProcess.ingestKey,
                headers: ["X-Aisle-User-Token": token]
            )
            #expect(withToken.status == 200)
            #expect(
                try await http.call(.GET, "/v1/search?q=item&user_id=u0", key: ServerProcess.ingestKey).status == 401
            )

            let identify = #"{"device_id":"phone-1","user_id":"u0"}"#
            #expect(try await ingest(http, "/v1/identify", identify).status == 401)
            #expect(
                try await ingest(http, "/v1/identify", identify, token: try await self.token(http, for: "u1")).status
                    == 403
            )
            #expect(try await ingest(http, "/v1/identify", identify, token: token).status == 200)

            // An event with both ids links nothing without the user's token; it is still stored.
            let event = #"{"type":"view","user_id":"u2","device_id":"tablet-9","item_id":"a"}"#
            #expect(try await ingest(http, "/v1/events", event).status == 200)
            let devices = try await http.call(.GET, "/v1/users/u2/devices").decode(PageBody<DeviceLinkBody>.self)
            #expect(devices.data.isEmpty)
            #expect(try await http.history(of: "u2").count == 3)
        }
    }

    // MARK: - 3. and 4. Connections

    @Test("slow clients are cut off at the header and body timeouts while /health keeps answering")
    func slowLoris() async throws {
        let timeouts = [
            // The idle timeout stays long: the test's own client keeps its connection between calls.
            "AISLE_HEADER_TIMEOUT_SECONDS": "1", "AISLE_BODY_TIMEOUT_SECONDS": "1", "AISLE_IDLE_TIMEOUT_SECONDS": "60",
        ]
        try await withServer(timeouts) { http, server in
            var slow: [RawConnection] = []
            for index in 0..<60 {
                let connection = try RawConnection(port: server.port)
                if index % 3 == 0 {
                    connection.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")  // a head never finished
                } else if index % 3 == 1 {
                    connection.send(
                        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerProcess.ingestKey)\r\nContent-Length: 1000\r\n\r\n{\"type\""
                    )  // a body never finished
                }  // else: connected, never sent a byte
                slow.append(connection)
            }
            #expect(try await http.call(.GET, "/health", key: nil).status == 200)
            for (index, connection) in slow.enumerated() {
                // Closed by the server well before this generous wait ends.
                #expect(connection.readUntilClosed(within: 20) != nil, "connection \(index) was not closed")
            }
            #expect(try await http.call(.GET, "/health", key: nil).status == 200)
        }
    }

    @Test("past --max-connections a new connection waits until one closes")
    func connectionLimit() async throws {
        try await withServer(["AISLE_MAX_CONNECTIONS": "2", "AISLE_IDLE_TIMEOUT_SECONDS": "2"]) { _, server in
            // Two kept-alive connections, each answered once, so both are surely accepted and open.
            var held: [RawConnection] = []
            for _ in 0..<2 {
                let connection = try RawConnection(port: server.port)
                connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(connection.readSome(within: 20)?.hasPrefix("HTTP/1.1 200") == true)
                held.append(connection)
            }
            let waiting = try RawConnection(port: server.port)
            waiting.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = try #require(waiting.readUntilClosed(within: 30))
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            // The answer came only once a held connection was closed by its idle timeout.
            #expect(held.contains { $0.isClosedByServer })
        }
    }

    @Test("a body cut off before Content-Length bytes is 400, not 500, and stores nothing")
    func truncatedBody() async throws {
        try await withServer { http, server in
            let connection = try RawConnection(port: server.port)
            connection.send(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerProcess.adminKey)\r\nContent-Length: 100\r\n\r\n{\"type\":\"view\""
            )
            connection.finishSending()
            let answer = try #require(connection.readUntilClosed(within: 20))
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.contains("invalid_json"))
            #expect(try await http.call(.GET, "/health", key: nil).status == 200)
        }
    }

    // MARK: - 6. and 7. Ids and control characters

    @Test("NFC and NFD twins stay two items in trained lists")
    func unicodeTwins() async throws {
        try await withServer { http, _ in
            let nfc = "caf\u{E9}"
            let nfd = "cafe\u{301}"
            let items = ItemBatch(items: [
                ItemBody(id: nfc, title: "Coffee beans"), ItemBody(id: nfd, title: "Coffee grinder"),
                ItemBody(id: "tea", title: "Tea"),
            ])
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            var events: [EventBody] = []
            for user in 0..<6 {
                events.append(EventBody(type: "purchase", userID: "u\(user)", itemID: user < 4 ? nfc : nfd))
                events.append(EventBody(type: "view", userID: "u\(user)", itemID: "tea"))
            }
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: events)).status == 200)
            #expect(try await http.train().status == 200)
            let trending = try await http.call(.GET, "/v1/trending?limit=10", key: ServerProcess.ingestKey)
            let ids = try trending.decode(RecommendationListBody.self).data.map(\.itemID)
            #expect(ids.contains { $0.utf8.elementsEqual(nfc.utf8) }, "\(ids)")
            #expect(ids.contains { $0.utf8.elementsEqual(nfd.utf8) }, "\(ids)")
        }
    }

    @Test("control characters are refused in event context keys and synonym terms")
    func controlCharacters() async throws {
        try await withServer { http, _ in
            for key in ["a\\u0007b", "line\\nbreak", "nested\\u001b[31m"] {
                let event = #"{"type":"view","user_id":"u1","item_id":"a","context":{"\#(key)":1}}"#
                let reply = try await http.call(.POST, "/v1/events", json: event)
                #expect(reply.status == 400, "\(key): \(reply.text)")
            }
            let nested = #"{"type":"view","user_id":"u1","item_id":"a","context":{"ok":{"bad\u0000":1}}}"#
            #expect(try await http.call(.POST, "/v1/events", json: nested).status == 400)
            let synonyms = #"{"rules":[{"synonyms":["sofa","couch\u0007"]}]}"#
            let reply = try await http.call(.PUT, "/v1/search/synonyms", json: synonyms)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(try await http.history(of: "u1").isEmpty)
        }
    }
}
