import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Consent through the real server (docs/API.md, "Consent").
@Suite(.serialized) struct PrivacyEndToEndTests {
    @Test("with personalization off the feed is exactly the trending list; with tracking off events are not stored")
    func consent() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_TRAIN_AFTER_EVENTS": "0"])
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            let items = (1...8).map { ItemBody(id: "i\($0)", title: "Item \($0)", categories: ["Shop"]) }
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: items)).status == 200)
            var events: [EventBody] = []
            for user in 0..<12 {
                let liked = user % 2 == 0 ? ["i1", "i2", "i3", "i4"] : ["i5", "i6", "i7"]
                for item in liked {
                    events.append(EventBody(type: "purchase", userID: "u\(user)", itemID: item))
                }
            }
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: events)).status == 200)
            #expect(try await http.train().status == 200)
            let feedPath = "/v1/users/u0/recommendations?limit=5"
            let personal = try await http.call(.GET, feedPath).decode(RecommendationListBody.self)
            let trending = try await http.call(.GET, "/v1/trending?limit=5").decode(RecommendationListBody.self)
            #expect(personal.data.map(\.itemID) != trending.data.map(\.itemID), "u0's feed leaves out what they bought")
            let off = try await http.call(
                .PUT,
                "/v1/users/u0/consent",
                key: ServerProcess.ingestKey,
                json: #"{"personalization": false}"#
            )
            #expect(off.status == 200)
            let consented = try await http.call(.GET, feedPath).decode(RecommendationListBody.self)
            #expect(consented.data == trending.data, "the same ids, order and scores as trending")
            // Tracking off: the user's events are answered not_tracked and never reach the history.
            _ = try await http.call(
                .PUT,
                "/v1/users/u1/consent",
                key: ServerProcess.ingestKey,
                json: #"{"tracking": false}"#
            )
            let before = try await http.history(of: "u1").count
            let reply = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [
                    EventBody(type: "view", userID: "u1", itemID: "i8"),
                    EventBody(type: "view", userID: "u2", itemID: "i8"),
                ])
            ).decode(IngestResultBody.self)
            #expect(reply.accepted == 1 && reply.notTracked == [0])
            #expect(try await http.history(of: "u1").count == before)
        }
    }
}
