import AisleCore
import Foundation
import Hummingbird
import Testing

/// `GET /v1/stats`: the dashboard's numbers.
@Suite struct StatsRoutesTests {
    @Test("counts events by type and platform as accepted, rejected rows, requests by latency bucket")
    func stats() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.put, "/v1/items/a", body: #"{"title":"A"}"#).status == .ok)
            let batch = """
                {"events": [
                  {"type": "view", "device_id": "d1", "item_id": "a", "device": {"platform": "ios"}},
                  {"type": "view", "device_id": "d2", "item_id": "a", "device": {"platform": "android"}},
                  {"type": "purchase", "user_id": "u1", "item_id": "a", "event_id": "e-1"},
                  {"type": "purchase", "user_id": "u1", "item_id": "a", "event_id": "e-1"},
                  {"type": "view"}
                ]}
                """
            let ingested = try await api.call(.post, "/v1/events", key: .ingest, body: batch).decode(
                IngestResultBody.self
            )
            #expect(ingested.accepted == 3 && ingested.duplicates == 1 && ingested.errors.count == 1)
            #expect(try await api.call(.get, "/v1/stats", key: .ingest).status == .forbidden)

            let stats = try await api.call(.get, "/v1/stats?events=2").decode(StatsBody.self)
            #expect(stats.events.accepted == 3)
            #expect(stats.events.duplicates == 1)
            #expect(stats.events.rejected == 1)
            #expect(stats.events.byType == ["view": 2, "purchase": 1])
            #expect(stats.events.byPlatform == ["ios": 1, "android": 1, "unknown": 1])
            #expect(stats.counts.items == 1 && stats.counts.events == 3)
            #expect(stats.newestEvents.count == 2)
            // PUT, POST, the refused GET: counted before this request was answered.
            #expect(stats.requests.total == 3)
            #expect(stats.requests.clientErrors == 1)
            #expect(stats.requests.latency.reduce(0) { $0 + $1.count } == stats.requests.total)
            #expect(stats.requests.latency.last?.leMs == nil)
            #expect(stats.requests.latency.dropLast().allSatisfy { $0.leMs != nil })
            #expect(stats.uptimeSeconds >= 0)

            let bad = try await api.call(.get, "/v1/stats?events=101")
            #expect(bad.status == .badRequest)
            #expect(bad.error?.field == "events")
        }
    }

    @Test("the review overview sums up every item's reviews and lists the items reviewed worst")
    func reviewOverview() async throws {
        try await TestAPI().run { api in
            let items = #"{"items":[{"id":"a","title":"A"},{"id":"b","title":"B"}]}"#
            #expect(try await api.call(.post, "/v1/items:batch", body: items).status == .ok)
            let empty = try await api.call(.get, "/v1/review-overview").decode(ReviewOverviewBody.self)
            #expect(empty.reviewsRead == 0 && empty.worstItems.isEmpty)
            let texts = [
                ("a", "Terrible quality, it broke after one day."), ("a", "Awful, the quality is very poor."),
                ("a", "Bad quality and slow delivery."), ("b", "Great quality, I love it."),
                ("b", "Excellent, works perfectly."), ("b", "Very good value for the price."),
            ]
            for (item, text) in texts {
                let body = String(decoding: try JSONEncoder().encode(["text": text]), as: UTF8.self)
                #expect(try await api.call(.post, "/v1/items/\(item)/reviews", key: .ingest, body: body).status == .ok)
            }
            #expect(try await api.call(.get, "/v1/review-overview", key: .ingest).status == .forbidden)
            let overview = try await api.call(.get, "/v1/review-overview?limit=1").decode(ReviewOverviewBody.self)
            #expect(overview.reviewsRead == 6)
            #expect(overview.summary.reviewCount == 6)
            #expect(overview.summary.itemID == "*")
            #expect(overview.summary.cons.first?.aspect == "quality", "\(overview.summary.cons)")
            #expect(overview.worstItems.map(\.itemID) == ["a"])
            #expect(overview.worstItems.first.map { $0.averageScore < 0 } == true)
            #expect(try await api.call(.get, "/v1/review-overview?period=year").error?.field == "period")
        }
    }
}
