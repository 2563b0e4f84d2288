import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// What a first-day user met, through the real binary: a feed before the first model, devices
/// linked by events that carry both ids, and strict query strings and bodies.
@Suite(.serialized) struct FirstDayEndToEndTests {
    private func withServer(
        _ environment: [String: String] = [:],
        _ body: (HTTP, ServerProcess) async throws -> Void
    ) async throws {
        let server = ServerProcess()
        try server.start(environment: environment)
        defer { server.stop() }
        try await withHTTP(server) { http in try await body(http, server) }
    }

    private func catalog(_ http: HTTP) async throws {
        let items = ItemBatch(items: [
            ItemBody(id: "shoe", title: "Red running shoe"), ItemBody(id: "jacket", title: "Blue rain jacket"),
            ItemBody(id: "coat", title: "Red rain coat"),
        ])
        #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
    }

    // MARK: - 8. A feed before the first model

    @Test("a fresh server answers feeds and trending from live popularity, saying so, never empty")
    func feedBeforeTheFirstModel() async throws {
        try await withServer { http, _ in
            try await catalog(http)
            for path in ["/v1/users/new-user/recommendations", "/v1/devices/d1/recommendations", "/v1/trending"] {
                let reply = try await http.call(.GET, path, key: ServerProcess.ingestKey)
                let list = try reply.decode(RecommendationListBody.self)
                #expect(list.data.count == 3, "\(path): \(reply.text)")
                #expect(list.model.fallback == "popularity")
                #expect(list.model.trainedAt == nil)
                #expect(reply.text.contains(#""trained_at":null"#))
            }
            let events = EventBatch(events: [
                EventBody(type: "purchase", userID: "u1", itemID: "jacket"),
                EventBody(type: "view", userID: "u2", itemID: "jacket"),
            ])
            #expect(try await http.post("/v1/events", encoding: events).status == 200)
            // The jacket leads once shoppers act on it, and a shopper's own items are left out.
            let trending = try await http.call(.GET, "/v1/trending", key: ServerProcess.ingestKey)
            #expect(try trending.decode(RecommendationListBody.self).data.first?.itemID == "jacket")
            let feed = try await http.call(.GET, "/v1/users/u2/recommendations", key: ServerProcess.ingestKey)
            let ids = try feed.decode(RecommendationListBody.self).data.map(\.itemID)
            #expect(Set(ids) == ["shoe", "coat"])
            // The coat shares words with the jacket u2 viewed: it comes first.
            #expect(ids.first == "coat")
        }
    }

    // MARK: - 12. Events that carry both ids

    @Test("an event with user_id and device_id links the device as identify would")
    func eventsLinkDevices() async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            try await catalog(http)
            let anonymous = EventBatch(events: [
                EventBody(type: "view", deviceID: "phone-1", itemID: "shoe"),
                EventBody(type: "view", deviceID: "phone-1", itemID: "coat"),
            ])
            #expect(try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: anonymous).status == 200)
            let signedIn = EventBody(type: "view", userID: "u-42", deviceID: "phone-1", itemID: "jacket")
            #expect(try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: signedIn).status == 200)
            // The device's anonymous events became the user's, and later device-only ones are too.
            let later = EventBody(type: "view", deviceID: "phone-1", itemID: "shoe")
            #expect(try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: later).status == 200)
            #expect(try await http.history(of: "u-42").count == 4)
            let devices = try await http.call(.GET, "/v1/users/u-42/devices").decode(PageBody<DeviceLinkBody>.self)
            #expect(devices.data.map(\.deviceID) == ["phone-1"])

            // The ingest key does not move a device another user holds; the event is still stored.
            let other = EventBody(type: "view", userID: "u-7", deviceID: "phone-1", itemID: "coat")
            #expect(try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: other).status == 200)
            #expect(
                try await http.call(.GET, "/v1/users/u-42/devices").decode(PageBody<DeviceLinkBody>.self).data.count
                    == 1
            )
            #expect(try await http.history(of: "u-7").count == 1)
            // The admin key does, as identify would.
            let moved = EventBody(type: "view", userID: "u-7", deviceID: "phone-1", itemID: "shoe")
            #expect(try await http.post("/v1/events", encoding: moved).status == 200)
            #expect(
                try await http.call(.GET, "/v1/users/u-7/devices").decode(PageBody<DeviceLinkBody>.self).data.count == 1
            )
        }
    }

    // MARK: - 13. Strict requests

    @Test(
        "unknown query parameters are 400 naming the known ones",
        arguments: [
            "/v1/items?limt=5", "/v1/users/u1/history?cursr=x", "/v1/trending?windw=day",
            "/v1/search?q=shoe&lim=3", "/v1/items/shoe/reviews?limit=5&sort=new",
        ]
    )
    func unknownQueryParameters(path: String) async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            try await catalog(http)
            let reply = try await http.call(.GET, path)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.text.contains("unknown query parameter"))
            #expect(reply.text.contains("knows:"))
        }
    }

    @Test("a bare JSON array gets a hint, a trailing comma is refused, and nothing is stored")
    func strictBodies() async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            let array = try await http.call(.POST, "/v1/items:batch", json: #"[{"id":"a","title":"A"}]"#)
            #expect(array.status == 400)
            #expect(array.text.contains(#"a batch is {\"items\": [...]}"#), "\(array.text)")
            let events = try await http.call(
                .POST,
                "/v1/events",
                json: #"[{"type":"view","user_id":"u","item_id":"a"}]"#
            )
            #expect(events.status == 400)
            #expect(events.text.contains("events"))

            let trailing = [
                ("/v1/events", #"{"type":"view","user_id":"u","item_id":"a",}"#),
                ("/v1/events", #"{"events":[{"type":"view","user_id":"u","item_id":"a"},]}"#),
                ("/v1/items:batch", #"{"items":[{"id":"a","title":"A", }]}"#),
                ("/v1/identify", "{\"device_id\":\"d\",\"user_id\":\"u\",\n}"),
            ]
            for (path, body) in trailing {
                let reply = try await http.call(.POST, path, json: body)
                #expect(reply.status == 400, "\(path) \(body): \(reply.text)")
                #expect(reply.errorCode == "invalid_json")
            }
            // A comma inside a string is text, not a trailing comma.
            let fine = try await http.call(.PUT, "/v1/items/a", json: #"{"title":"A, ]"}"#)
            #expect(fine.status == 200)
            #expect(try await http.history(of: "u").isEmpty)
        }
    }

    @Test("a wrong method is 405 with Allow; an unknown path stays 404")
    func wrongMethod() async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            let patch = try await http.call(.PATCH, "/v1/items/a", json: "{}")
            #expect(patch.status == 405)
            #expect(patch.headers["allow"] == "DELETE, GET, PUT")
            #expect(patch.errorCode == "method_not_allowed")
            let get = try await http.call(.GET, "/v1/events")
            #expect(get.status == 405)
            #expect(get.headers["allow"] == "POST")
            #expect(try await http.call(.GET, "/v1/nothing-here").status == 404)
        }
    }

    @Test("+ in a query string is a space: the query log stores what was typed")
    func plusIsASpace() async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            try await catalog(http)
            let search = try await http.call(.GET, "/v1/search?q=star+wras&mode=lexical", key: ServerProcess.ingestKey)
            #expect(search.status == 200)
            let log = try await http.call(.GET, "/v1/search/zero-results")
            #expect(log.text.contains(#""query":"star wras""#), "\(log.text)")
            #expect(!log.text.contains("star+wras"))
            // %2B is a literal plus.
            let plus = try await http.call(.GET, "/v1/search?q=c%2B%2B&mode=lexical", key: ServerProcess.ingestKey)
            #expect(plus.status == 200)
            #expect(try await http.call(.GET, "/v1/search/zero-results").text.contains(#""query":"c++""#))
        }
    }

    // MARK: - 10. Typos on short words

    @Test("`star wras` finds Star Wars through the server: one typo is allowed from 4 letters")
    func shortWordTypos() async throws {
        try await withServer(["AISLE_TRAIN_ON_START": "false"]) { http, _ in
            let items = ItemBatch(items: [
                ItemBody(id: "sw", title: "Star Wars: A New Hope"), ItemBody(id: "st", title: "Star Trek"),
                ItemBody(id: "hat", title: "Red hat"),
            ])
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            let reply = try await http.call(.GET, "/v1/search?q=star+wras&mode=lexical", key: ServerProcess.ingestKey)
            let results = try reply.decode(SearchResultsBody.self)
            #expect(results.data.first?.itemID == "sw", "\(reply.text)")
            #expect(results.corrections["wras"]?.contains("wars") == true)
            // Three letters stay as typed: "hta" is no hat.
            let short = try await http.call(.GET, "/v1/search?q=hta+&mode=lexical", key: ServerProcess.ingestKey)
            #expect(try short.decode(SearchResultsBody.self).data.isEmpty)
        }
    }
}
