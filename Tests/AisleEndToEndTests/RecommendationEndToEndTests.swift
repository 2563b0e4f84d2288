import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Recommendations through the real binary over loopback: a small store with two tastes (jackets,
/// boots), trained through `POST /v1/models:train`, then asked as a shop's pages would ask.
@Suite(.serialized) struct RecommendationEndToEndTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_790_000_000_000)

    static func time(_ minutes: Int) -> TimestampBody {
        TimestampBody(start.adding(.seconds(minutes * 60)))
    }

    /// Jackets j1–j10 and boots s1–s10; h1 (hidden) and o1 (out of stock) are jackets everyone views.
    static let items: [ItemBody] =
        (1...10).map {
            ItemBody(
                id: "j\($0)",
                title: "Down jacket \($0)",
                categories: ["Clothing > Jackets"],
                brand: "Fjellby",
                tags: ["winter"]
            )
        }
        + (1...10).map {
            ItemBody(
                id: "s\($0)",
                title: "Leather boot \($0)",
                categories: ["Shoes > Boots"],
                brand: "Stigen",
                tags: ["leather"]
            )
        }
        + [
            ItemBody(
                id: "h1",
                title: "Draft jacket",
                categories: ["Clothing > Jackets"],
                hidden: true,
                tags: ["winter"]
            ),
            ItemBody(
                id: "o1",
                title: "Sold-out jacket",
                categories: ["Clothing > Jackets"],
                inStock: false,
                tags: ["winter"]
            ),
        ]

    /// 20 jacket shoppers view j1 → j2 → … (with h1 and o1 among them), 20 boot shoppers s1 → s2 → …;
    /// ten of them buy j1 and s1 in one session.
    static var events: [EventBody] {
        var events: [EventBody] = []
        for shopper in 0..<20 {
            let jackets = ["j1", "h1", "j2", "o1", "j3", "j4", "j5", "j6", "j7", "j8"].prefix(4 + shopper % 6)
            for (step, item) in jackets.enumerated() {
                events.append(
                    EventBody(
                        type: "view",
                        userID: "jacket-\(shopper)",
                        itemID: item,
                        timestamp: time(shopper * 100 + step)
                    )
                )
            }
            for (step, item) in ["s1", "s2", "s3", "s4", "s5", "s6", "s7"].prefix(3 + shopper % 5).enumerated() {
                events.append(
                    EventBody(
                        type: "view",
                        userID: "boot-\(shopper)",
                        itemID: item,
                        timestamp: time(shopper * 100 + step)
                    )
                )
            }
        }
        for buyer in 0..<10 {
            for (step, item) in ["j1", "s1"].enumerated() {
                for type in ["add_to_cart", "purchase"] {
                    events.append(
                        EventBody(
                            type: type,
                            userID: "buyer-\(buyer)",
                            itemID: item,
                            value: 1,
                            timestamp: time(3_000 + buyer * 10 + step)
                        )
                    )
                }
            }
        }
        return events
    }

    /// Starts a server, loads the store, trains, and runs `body`.
    private func withTrainedServer(_ body: (HTTP) async throws -> Void) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            let ingest = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: Self.events)
            )
            #expect(try ingest.decode(IngestResultBody.self).accepted == Self.events.count)
            let trained = try await http.train()
            #expect(trained.status == 200)
            #expect(try trained.decode(TrainingReportBody.self).items == Self.items.count)
            try await body(http)
        }
    }

    /// A list read as the app reads it: the ingest key, plus the shopper's user token on a
    /// user's feed (so explanations may name the shopper's items).
    private func list(_ http: HTTP, _ path: String) async throws -> RecommendationListBody {
        var headers: [String: String] = [:]
        if path.hasPrefix("/v1/users/"), let user = path.split(separator: "/").dropFirst(2).first {
            let token = try await http.call(.POST, "/v1/users/\(user)/token").decode(UserTokenBody.self).token
            headers["X-Aisle-User-Token"] = token
        }
        let reply = try await http.call(.GET, path, key: ServerProcess.ingestKey, headers: headers)
        #expect(reply.status == 200, "\(path): \(String(decoding: reply.body, as: UTF8.self))")
        return try reply.decode(RecommendationListBody.self)
    }

    @Test("a new shopper gets what is trending, explained as trending")
    func coldStart() async throws {
        try await withTrainedServer { http in
            let feed = try await list(http, "/v1/users/newcomer/recommendations?limit=5&explain=true")
            #expect(feed.data.count == 5)
            #expect(feed.data.allSatisfy { $0.reason?.type == "trending" })
            #expect(feed.model.trainedAt != nil)
        }
    }

    @Test("a new shopper's trends lean to their locale: from the profile, or from the request")
    func coldStartByLocale() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            // German-speaking shoppers view s8–s10, which nobody else does.
            var events = Self.events
            for shopper in 0..<5 {
                let profile = UserBody(attributes: ["locale": .string("de-DE")])
                #expect(
                    try await http.call(.PUT, "/v1/users/de-\(shopper)", body: JSONEncoder().encode(profile)).status
                        == 200
                )
                for (step, item) in ["s8", "s9", "s10"].enumerated() {
                    events.append(
                        EventBody(
                            type: "view",
                            userID: "de-\(shopper)",
                            itemID: item,
                            timestamp: Self.time(8_000 + shopper * 10 + step)
                        )
                    )
                }
            }
            #expect(
                try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: EventBatch(events: events))
                    .status == 200
            )
            #expect(try await http.train().status == 200)
            let newcomer = UserBody(attributes: ["locale": .string("de-AT")])
            #expect(try await http.call(.PUT, "/v1/users/hans", body: JSONEncoder().encode(newcomer)).status == 200)
            let german = ["s8", "s9", "s10"]
            let hans = try await list(http, "/v1/users/hans/recommendations?limit=3")
            #expect(Set(hans.data.map(\.itemID)) == Set(german))
            let device = try await list(http, "/v1/devices/new-tablet/recommendations?limit=3&locale=de")
            #expect(Set(device.data.map(\.itemID)) == Set(german))
            let other = try await list(http, "/v1/devices/new-tablet/recommendations?limit=3")
            #expect(Set(other.data.map(\.itemID)) != Set(german))
        }
    }

    @Test("one new event changes the shopper's next list without retraining")
    func realTime() async throws {
        try await withTrainedServer { http in
            let before = try await list(http, "/v1/users/jacket-3/recommendations?limit=5&explain=true")
            #expect(before.data.allSatisfy { $0.itemID.hasPrefix("j") }, "a jacket shopper is shown jackets")
            let view = EventBody(type: "view", userID: "jacket-3", itemID: "s3", timestamp: Self.time(9_000))
            #expect(
                try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: EventBatch(events: [view]))
                    .status == 200
            )
            let after = try await list(http, "/v1/users/jacket-3/recommendations?limit=5&explain=true")
            #expect(after.data.map(\.itemID) != before.data.map(\.itemID))
            let next = try #require(
                after.data.first { $0.itemID == "s4" },
                "what boot shoppers view after s3 joins the list"
            )
            #expect(next.reason?.type == "similar_to_viewed")
            #expect(next.reason?.itemIDs?.first == "s3")
        }
    }

    @Test("the same user gets the same list on every device; a device that identifies gets it on its next call")
    func crossDevice() async throws {
        try await withTrainedServer { http in
            let phoneView = EventBody(
                type: "view",
                userID: "ana",
                deviceID: "ana-phone",
                itemID: "j2",
                timestamp: Self.time(9_000)
            )
            let tabletView = EventBody(type: "view", deviceID: "ana-tablet", itemID: "s2", timestamp: Self.time(9_001))
            let reply = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [phoneView, tabletView])
            )
            #expect(reply.status == 200)
            let anonymousTablet = try await list(http, "/v1/devices/ana-tablet/recommendations?limit=5")
            let user = try await list(http, "/v1/users/ana/recommendations?limit=5")
            #expect(
                anonymousTablet.data.map(\.itemID) != user.data.map(\.itemID),
                "before identify the tablet has its own history"
            )
            let identify = try await http.post(
                "/v1/identify",
                key: ServerProcess.ingestKey,
                encoding: IdentifyBody(deviceID: "ana-tablet", userID: "ana")
            )
            #expect(identify.status == 200)
            // Signing in on the phone links it too, as apps do at login.
            let phoneLogin = try await http.post(
                "/v1/identify",
                key: ServerProcess.ingestKey,
                encoding: IdentifyBody(deviceID: "ana-phone", userID: "ana")
            )
            #expect(phoneLogin.status == 200)
            let merged = try await list(http, "/v1/users/ana/recommendations?limit=5")
            let phone = try await list(http, "/v1/devices/ana-phone/recommendations?limit=5")
            let tablet = try await list(http, "/v1/devices/ana-tablet/recommendations?limit=5")
            #expect(phone.data == merged.data)
            #expect(tablet.data == merged.data)
            #expect(
                !merged.data.contains { $0.itemID == "j2" || $0.itemID == "s2" },
                "both devices' items count as seen"
            )
        }
    }

    @Test("hidden and out-of-stock items never appear; going out of stock takes effect at once")
    func visibility() async throws {
        try await withTrainedServer { http in
            // h1 and o1 are among the most viewed items and j1's closest neighbours.
            for path in [
                "/v1/users/newcomer/recommendations?limit=22", "/v1/trending?limit=22", "/v1/items/j1/similar?limit=22",
                "/v1/items/j2/bought-together?limit=22", "/v1/users/boot-1/recommendations?limit=22",
            ] {
                let page = try await list(http, path)
                #expect(!page.data.isEmpty)
                #expect(!page.data.contains { $0.itemID == "h1" || $0.itemID == "o1" }, "\(path)")
            }
            let shown = try await list(http, "/v1/users/newcomer/recommendations?limit=1")
            let top = try #require(shown.data.first?.itemID)
            let item = try #require(Self.items.first { $0.id == top })
            var soldOut = item
            soldOut.id = nil
            soldOut.inStock = false
            #expect(try await http.call(.PUT, "/v1/items/\(top)", body: JSONEncoder().encode(soldOut)).status == 200)
            let after = try await list(http, "/v1/users/newcomer/recommendations?limit=22")
            #expect(!after.data.contains { $0.itemID == top })
            #expect(try await http.call(.DELETE, "/v1/items/\(after.data[0].itemID)").status == 204)
            let afterDelete = try await list(http, "/v1/users/newcomer/recommendations?limit=22")
            #expect(!afterDelete.data.contains { $0.itemID == after.data[0].itemID })
        }
    }

    @Test("category filter, diversity, purchases left out, and stable pages that never overlap")
    func filtersAndPages() async throws {
        try await withTrainedServer { http in
            let boots = try await list(http, "/v1/users/jacket-5/recommendations?limit=10&category=Shoes")
            #expect(!boots.data.isEmpty && boots.data.allSatisfy { $0.itemID.hasPrefix("s") })
            let diverse = try await list(http, "/v1/users/newcomer/recommendations?limit=6&diversity=2")
            let groups = Dictionary(grouping: diverse.data) { $0.itemID.prefix(1) }
            #expect(groups.values.allSatisfy { $0.count <= 2 })
            let buyer = try await list(http, "/v1/users/buyer-1/recommendations?limit=20")
            #expect(!buyer.data.contains { $0.itemID == "j1" || $0.itemID == "s1" })
            let first = try await list(http, "/v1/trending?limit=4")
            let cursor = try #require(first.nextCursor)
            let second = try await list(http, "/v1/trending?limit=4&cursor=\(cursor)")
            let again = try await list(http, "/v1/trending?limit=4&cursor=\(cursor)")
            #expect(second.data == again.data)
            #expect(Set(first.data.map(\.itemID)).isDisjoint(with: second.data.map(\.itemID)))
            let whole = try await list(http, "/v1/trending?limit=8")
            #expect(whole.data.map(\.itemID) == (first.data + second.data).map(\.itemID))
        }
    }

    @Test("similar items, bought together, and the cart page explain themselves")
    func itemPages() async throws {
        try await withTrainedServer { http in
            let similar = try await list(http, "/v1/items/s2/similar?limit=3&explain=true")
            #expect(similar.data.allSatisfy { $0.itemID.hasPrefix("s") && $0.itemID != "s2" })
            #expect(similar.data.first?.reason?.itemIDs == ["s2"])
            let together = try await list(http, "/v1/items/j1/bought-together?limit=3&explain=true")
            #expect(together.data.first?.itemID == "s1")
            #expect(together.data.first?.reason?.type == "bought_together")
            let cart = RecommendationRequestBody(userID: "jacket-2", cartItemIDs: ["j1"], limit: 3, explain: true)
            let reply = try await http.post("/v1/recommendations", key: ServerProcess.ingestKey, encoding: cart)
            let page = try reply.decode(RecommendationListBody.self)
            #expect(page.data.first?.itemID == "s1")
            #expect(page.data.first?.reason?.type == "bought_together")
            #expect(page.data.first?.reason?.itemIDs == ["j1"])
        }
    }

    @Test("a new item is recommendable by content as soon as it is upserted")
    func newItemByContent() async throws {
        try await withTrainedServer { http in
            let item = ItemBody(
                title: "Down jacket 99",
                categories: ["Clothing > Jackets"],
                brand: "Fjellby",
                tags: ["winter"]
            )
            #expect(try await http.call(.PUT, "/v1/items/j99", body: JSONEncoder().encode(item)).status == 200)
            let similar = try await list(http, "/v1/items/j99/similar?limit=5&explain=true")
            #expect(similar.data.allSatisfy { $0.itemID.hasPrefix("j") })
            #expect(similar.data.first?.reason?.type == "similar_content")
            let alsoSimilar = try await list(http, "/v1/items/j1/similar?limit=20")
            #expect(alsoSimilar.data.contains { $0.itemID == "j99" })
            let feed = try await list(http, "/v1/users/jacket-9/recommendations?limit=20")
            #expect(feed.data.contains { $0.itemID == "j99" })
        }
    }

    @Test(
        "bad recommendation requests get 400 or 404 naming the problem",
        arguments: [
            ("/v1/users/u/recommendations?limit=0", 400, "invalid_field"),
            ("/v1/users/u/recommendations?cursor=bm9wZQ", 400, "invalid_field"),
            ("/v1/users/u/recommendations?explain=maybe", 400, "invalid_field"),
            ("/v1/users/u/recommendations?diversity=0", 400, "invalid_field"),
            ("/v1/trending?window=1y", 400, "invalid_field"),
            ("/v1/items/nope/similar", 404, "not_found"),
            ("/v1/items/nope/bought-together", 404, "not_found"),
        ]
    )
    func badRequests(path: String, status: Int, code: String) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let reply = try await http.call(.GET, path, key: ServerProcess.ingestKey)
            #expect(reply.status == status)
            #expect(reply.errorCode == code)
        }
    }

    @Test("malformed POST /v1/recommendations bodies are rejected with the field")
    func badContextBodies() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            for (json, field) in [
                (#"{"user_id":"a","device_id":"b"}"#, "device_id"), (#"{"limit":"ten"}"#, "limit"),
                (#"{"cart_item_ids":[""]}"#, "cart_item_ids[0]"), (#"{"colour":"red"}"#, "colour"), ("{", nil),
            ] {
                let reply = try await http.call(.POST, "/v1/recommendations", key: ServerProcess.ingestKey, json: json)
                #expect(reply.status == 400, "\(json)")
                if let field {
                    let error = try reply.decode(ErrorBody.self).error
                    #expect(error.field == field, "\(json): \(error.message)")
                }
            }
            #expect(try await http.call(.POST, "/v1/models:train", key: ServerProcess.ingestKey).status == 403)
        }
    }

    @Test("a restarted server serves the saved snapshot without training")
    func restartLoadsSnapshot() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        var trainedAt: TimestampBody?
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            _ = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: Self.events)
            )
            trainedAt = try await http.train().decode(TrainingReportBody.self).trainedAt
        }
        server.stop()
        try server.start(environment: [
            "AISLE_TRAIN_ON_START": "true", "AISLE_TRAIN_EVERY_MINUTES": "0", "AISLE_TRAIN_AFTER_EVENTS": "0",
        ])
        defer { server.stop() }
        try await withHTTP(server) { http in
            // Ready means the saved model is loaded.
            let status = try await http.call(.GET, "/v1/models").decode(TrainingReportBody.self)
            #expect(status.trainedAt == trainedAt)
            #expect(status.items == Self.items.count)
        }
    }

    @Test("review sentiment is an item feature: min_review_score leaves out badly reviewed items after training")
    func reviewSentimentFilter() async throws {
        try await withTrainedServer { http in
            let before = try await list(http, "/v1/items/j1/similar?limit=5")
            let panned = try #require(before.data.first?.itemID)
            let praised = try #require(before.data.dropFirst().first?.itemID)
            for index in 0..<3 {
                let bad = ReviewBody(
                    userID: "critic-\(index)",
                    text: "Terrible quality, it broke after one day. Very disappointed."
                )
                let good = ReviewBody(userID: "fan-\(index)", text: "Excellent quality, very warm, I love it!")
                #expect(
                    try await http.post("/v1/items/\(panned)/reviews", key: ServerProcess.ingestKey, encoding: bad)
                        .status == 200
                )
                #expect(
                    try await http.post("/v1/items/\(praised)/reviews", key: ServerProcess.ingestKey, encoding: good)
                        .status == 200
                )
            }
            #expect(try await http.train().status == 200)
            let unfiltered = try await list(http, "/v1/items/j1/similar?limit=5")
            #expect(unfiltered.data.map(\.itemID).contains(panned))
            let filtered = try await list(http, "/v1/items/j1/similar?limit=5&min_review_score=0")
            #expect(!filtered.data.map(\.itemID).contains(panned))
            #expect(filtered.data.map(\.itemID).contains(praised))
            let feed = try await list(http, "/v1/users/jacket-3/recommendations?limit=20&min_review_score=0")
            #expect(!feed.data.map(\.itemID).contains(panned))
            let wrong = try await http.call(.GET, "/v1/trending?min_review_score=2", key: ServerProcess.ingestKey)
            #expect(wrong.status == 400 && wrong.errorCode == "invalid_field")
        }
    }
}

struct ItemBatch: Encodable {
    var items: [ItemBody]
}
