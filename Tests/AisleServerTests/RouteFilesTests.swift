import AisleCore
import Foundation
import Hummingbird
import Testing

/// One suite per route file without its own, through Hummingbird's test client (no sockets):
/// each route's answer and its unhappy paths.
@Suite struct SearchRoutesTests {
    static let items = #"""
        {"items": [
          {"id": "j1", "title": "Waterproof rain jacket", "brand": "Fjellby", "categories": ["Clothing > Jackets"], "price": 120},
          {"id": "j2", "title": "Down jacket", "brand": "Aurora", "categories": ["Clothing > Jackets"], "price": 80},
          {"id": "t1", "title": "Two person tent", "brand": "Aurora", "categories": ["Outdoor > Tents"], "price": 200}
        ]}
        """#

    @Test("search answers with hits, total, mode and facets; bad parameters are 400 naming them")
    func search() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.post, "/v1/items:batch", body: Self.items).status == .ok)
            let found = try await api.call(.get, "/v1/search?q=jacket&facets=brand", key: .ingest)
                .decode(SearchResultsBody.self)
            #expect(Set(found.data.map(\.itemID)) == ["j1", "j2"] && found.total == 2 && found.mode == "lexical")
            #expect(Set(found.facets?["brand"]?.map(\.value) ?? []) == ["Fjellby", "Aurora"])
            for (query, field) in [
                ("mode=fuzzy&q=a", "mode"), ("sort=cheapest&q=a", "sort"), ("min_price=-1&q=a", "min_price"),
                ("limit=0&q=a", "limit"), ("user_id=u1&device_id=d1&q=a", "device_id"), ("", "q"),
            ] {
                let reply = try await api.call(.get, "/v1/search?\(query)", key: .ingest)
                #expect(reply.status == .badRequest && reply.error?.field == field, "\(query): \(reply.text)")
            }
            let semantic = try await api.call(.get, "/v1/search?q=jacket&mode=semantic", key: .ingest)
            #expect(semantic.status == .serviceUnavailable, "no text model here")
        }
    }

    @Test("synonyms: the admin sets them, a bad rule is 400 naming it, the ingest key may not")
    func synonyms() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.post, "/v1/items:batch", body: Self.items).status == .ok)
            let rules = #"{"rules": [{"synonyms": ["anorak", "jacket"]}]}"#
            #expect(try await api.call(.put, "/v1/search/synonyms", key: .ingest, body: rules).status == .forbidden)
            #expect(try await api.call(.put, "/v1/search/synonyms", body: rules).status == .ok)
            let found = try await api.call(.get, "/v1/search?q=anorak", key: .ingest).decode(SearchResultsBody.self)
            #expect(found.total == 2)
            let bad = try await api.call(.put, "/v1/search/synonyms", body: #"{"rules": [{"synonyms": ["x"]}]}"#)
            #expect(bad.status == .badRequest && bad.error?.field == "rules[0]")
            let read = try await api.call(.get, "/v1/search/synonyms").decode(SynonymsBody.self)
            #expect(read.rules.count == 1)
        }
    }

    @Test("autocomplete needs q; zero-result queries are the admin's")
    func autocompleteAndZeroResults() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.post, "/v1/items:batch", body: Self.items).status == .ok)
            let suggestions = try await api.call(.get, "/v1/autocomplete?q=jac", key: .ingest)
                .decode(AutocompleteBody.self)
            #expect(suggestions.data.allSatisfy { $0.kind == "item" } && suggestions.data.count == 2)
            #expect(try await api.call(.get, "/v1/autocomplete", key: .ingest).status == .badRequest)
            _ = try await api.call(.get, "/v1/search?q=snorkel", key: .ingest)
            #expect(try await api.call(.get, "/v1/search/zero-results", key: .ingest).status == .forbidden)
            let zero = try await api.call(.get, "/v1/search/zero-results").decode(ZeroResultsBody.self)
            #expect(zero.data.map(\.query) == ["snorkel"])
        }
    }
}

@Suite struct ReviewRoutesTests {
    @Test("a review is analysed and stored; reads hide its author from the ingest key; unknown items are 404")
    func create() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/items/j1", body: #"{"title": "Rain jacket"}"#)
            let body = #"{"id": "r1", "user_id": "u1", "rating": 5, "text": "Great jacket, very warm."}"#
            let created = try await api.call(.post, "/v1/items/j1/reviews", key: .ingest, body: body)
            #expect(created.status == .ok)
            let review = try created.decode(ReviewBody.self)
            #expect(review.analysis?.polarity == "positive")
            #expect(try await api.call(.get, "/v1/reviews/r1", key: .ingest).decode(ReviewBody.self).userID == nil)
            #expect(try await api.call(.get, "/v1/reviews/r1").decode(ReviewBody.self).userID == "u1")
            let unknown = try await api.call(.post, "/v1/items/nope/reviews", key: .ingest, body: body)
            #expect(unknown.status == .notFound)
            let rewrite = #"{"id": "r1", "user_id": "u1", "rating": 1, "text": "Awful."}"#
            #expect(try await api.call(.post, "/v1/items/j1/reviews", key: .ingest, body: rewrite).status == .conflict)
        }
    }

    @Test("a batch reports unknown items by row; lists page; summaries need a known item and period")
    func batchListSummary() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/items/j1", body: #"{"title": "Rain jacket"}"#)
            let batch = #"""
                {"reviews": [
                  {"id": "r1", "item_id": "j1", "text": "Great."},
                  {"id": "r2", "item_id": "nope", "text": "Great."},
                  {"id": "r3", "item_id": "j1", "text": "Bad zip."},
                  {"id": "r4", "text": "No item."}
                ]}
                """#
            let result = try await api.call(.post, "/v1/reviews:batch", body: batch).decode(BatchResultBody.self)
            #expect(result.upserted == 2 && result.errors.map(\.index) == [1, 3])
            #expect(try await api.call(.post, "/v1/reviews:batch", key: .ingest, body: batch).status == .forbidden)
            let page = try await api.call(.get, "/v1/items/j1/reviews?limit=1", key: .ingest)
                .decode(PageBody<ReviewBody>.self)
            #expect(page.data.count == 1 && page.nextCursor != nil)
            #expect(try await api.call(.get, "/v1/items/j1/review-summary", key: .ingest).status == .ok)
            let badPeriod = try await api.call(.get, "/v1/items/j1/review-summary?period=year", key: .ingest)
            #expect(badPeriod.status == .badRequest && badPeriod.error?.field == "period")
            #expect(try await api.call(.get, "/v1/items/nope/review-summary", key: .ingest).status == .notFound)
            #expect(try await api.call(.delete, "/v1/reviews/r1").status == .noContent)
            #expect(try await api.call(.delete, "/v1/reviews/r1").status == .notFound)
        }
    }
}

@Suite struct RecommendationRoutesTests {
    @Test("feeds answer before any model, from live popularity, and say so")
    func fallback() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/items/j1", body: #"{"title": "Rain jacket"}"#)
            let feed = try await api.call(.get, "/v1/users/u1/recommendations", key: .ingest)
                .decode(RecommendationListBody.self)
            #expect(
                feed.data.map(\.itemID) == ["j1"] && feed.model.trainedAt == nil && feed.model.fallback == "popularity"
            )
            let device = try await api.call(.get, "/v1/devices/d1/recommendations", key: .ingest)
            #expect(device.status == .ok)
            let trending = try await api.call(.get, "/v1/trending?window=1d", key: .ingest)
            #expect(trending.status == .ok)
            let badWindow = try await api.call(.get, "/v1/trending?window=century", key: .ingest)
            #expect(badWindow.status == .badRequest && badWindow.error?.field == "window")
        }
    }

    @Test("contextual requests validate their body; model status and training are the admin's")
    func contextualAndModels() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/items/j1", body: #"{"title": "Rain jacket"}"#)
            let both = #"{"user_id": "u1", "device_id": "d1"}"#
            let reply = try await api.call(.post, "/v1/recommendations", key: .ingest, body: both)
            #expect(reply.status == .badRequest && reply.error?.field == "device_id")
            let cart = #"{"cart_item_ids": ["j1"], "limit": 5}"#
            #expect(try await api.call(.post, "/v1/recommendations", key: .ingest, body: cart).status == .ok)
            let badLimit = try await api.call(.post, "/v1/recommendations", key: .ingest, body: #"{"limit": 0}"#)
            #expect(badLimit.status == .badRequest && badLimit.error?.field == "limit")
            #expect(try await api.call(.get, "/v1/models", key: .ingest).status == .forbidden)
            let status = try await api.call(.post, "/v1/models:train").decode(TrainingReportBody.self)
            #expect(status.trainedAt == nil && status.interactions == 0, "no interactions: no model yet")
        }
    }
}

@Suite struct SystemAndEmbeddingRoutesTests {
    @Test("health and readiness need no key; metrics render; embeddings say there is no model")
    func system() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.get, "/health", key: .none).status == .ok)
            #expect(try await api.call(.get, "/ready", key: .none).text.contains("ready"))
            #expect(try await api.call(.get, "/metrics", key: .none).status == .ok)
            let embed = try await api.call(.post, "/v1/embeddings", body: #"{"texts": ["rain jacket"]}"#)
            #expect(embed.status == .serviceUnavailable && embed.text.contains("make models"))
            _ = try await api.call(.put, "/v1/items/j1", body: #"{"title": "Rain jacket"}"#)
            #expect(try await api.call(.get, "/v1/items/j1/embedding").status == .serviceUnavailable)
        }
    }
}

@Suite struct UserRoutesTests {
    @Test("profiles, history with cursors and type filters, devices, erasure")
    func users() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.put, "/v1/users/u1", body: #"{"attributes": {"tier": "gold"}}"#).status == .ok)
            let events = #"""
                {"events": [
                  {"type": "view", "user_id": "u1", "item_id": "j1", "timestamp": "2026-11-01T10:00:00Z"},
                  {"type": "purchase", "user_id": "u1", "item_id": "j1", "timestamp": "2026-11-01T10:05:00Z"},
                  {"type": "view", "device_id": "d1", "item_id": "j2", "timestamp": "2026-11-01T10:06:00Z"}
                ]}
                """#
            #expect(try await api.call(.post, "/v1/events", key: .ingest, body: events).status == .ok)
            _ = try await api.call(.post, "/v1/identify", key: .ingest, body: #"{"device_id": "d1", "user_id": "u1"}"#)
            let page = try await api.call(.get, "/v1/users/u1/history?limit=2").decode(PageBody<EventBody>.self)
            #expect(page.data.count == 2 && page.nextCursor != nil)
            let purchases = try await api.call(.get, "/v1/users/u1/history?types=purchase")
                .decode(PageBody<EventBody>.self)
            #expect(purchases.data.count == 1)
            let badType = try await api.call(.get, "/v1/users/u1/history?types=teleport")
            #expect(badType.status == .badRequest && badType.error?.field == "types")
            let badCursor = try await api.call(.get, "/v1/users/u1/history?cursor=bm9wZQ")
            #expect(badCursor.status == .badRequest && badCursor.error?.field == "cursor")
            let devices = try await api.call(.get, "/v1/users/u1/devices").decode(PageBody<DeviceLinkBody>.self)
            #expect(devices.data.count == 1)
            let erased = try await api.call(.delete, "/v1/users/u1").decode(UserErasureBody.self)
            #expect(erased.events == 3 && erased.devices == 1 && erased.profiles == 1)
            #expect(try await api.call(.delete, "/v1/users/u1").status == .notFound)
            #expect(try await api.call(.get, "/v1/users/u1").status == .notFound)
        }
    }
}
