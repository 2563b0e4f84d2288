import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Search through the real server: typos, prefixes, Chinese, filters, deletion and restart.
@Suite(.serialized) struct SearchEndToEndTests {
    static let items = [
        ItemBody(
            id: "1",
            title: "Waterproof down jacket",
            categories: ["Clothing > Jackets"],
            brand: "Fjellby",
            price: 199,
            currency: "EUR"
        ),
        ItemBody(
            id: "2",
            title: "Leather boots",
            categories: ["Shoes > Boots"],
            brand: "Stigen",
            price: 129,
            currency: "EUR"
        ),
        ItemBody(
            id: "3",
            title: "Rain jacket",
            categories: ["Clothing > Jackets"],
            brand: "Aurora",
            price: 89,
            currency: "EUR",
            inStock: false
        ),
        ItemBody(id: "4", title: "这件羽绒服质量很好", categories: ["服装 > 羽绒服"], brand: "波司登", price: 899, currency: "CNY"),
        ItemBody(
            id: "5",
            title: "Bluetooth headphones",
            categories: ["Electronics"],
            brand: "Lumen",
            price: 59,
            currency: "EUR"
        ),
    ]

    func search(_ http: HTTP, _ query: String) async throws -> SearchResultsBody {
        let reply = try await http.call(.GET, "/v1/search?" + query, key: ServerProcess.ingestKey)
        #expect(reply.status == 200, "\(query): \(String(decoding: reply.body, as: UTF8.self).prefix(200))")
        return try reply.decode(SearchResultsBody.self)
    }

    func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test("typos, prefixes, Chinese and filters through the server; deletion and restart")
    func search() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            #expect(try await search(http, "q=jacket").data.map(\.itemID).sorted() == ["1", "3"])
            let typo = try await search(http, "q=\(escaped("waterprof jakcet "))")
            #expect(typo.data.first?.itemID == "1")
            #expect(typo.corrections["waterprof"] == ["waterproof"])
            #expect(try await search(http, "q=headph").data.map(\.itemID) == ["5"])
            #expect(try await search(http, "q=\(escaped("羽绒服"))").data.first?.itemID == "4")
            #expect(try await search(http, "q=jacket&in_stock=true").data.map(\.itemID) == ["1"])
            #expect(try await search(http, "category=Clothing&sort=price_asc").data.map(\.itemID) == ["3", "1"])
            let explained = try await search(http, "q=leather&explain=true")
            #expect(explained.data.first?.matches == ["leather"])
            let paged = try await search(http, "category=Clothing&sort=price_asc&limit=1")
            #expect(paged.total == 2 && paged.data.map(\.itemID) == ["3"])
            let next = try #require(paged.nextCursor)
            #expect(
                try await search(http, "category=Clothing&sort=price_asc&limit=1&cursor=\(next)").data.map(\.itemID)
                    == ["1"]
            )

            for (query, field) in [
                ("", "q"), ("q=a&sort=cheapest", "sort"), ("q=a&min_price=-1", "min_price"), ("q=a&limit=0", "limit"),
                ("q=a&cursor=zz", "cursor"),
            ] {
                let reply = try await http.call(.GET, "/v1/search?" + query, key: ServerProcess.ingestKey)
                #expect(reply.status == 400, "\(query)")
                #expect((try? reply.decode(ErrorBody.self))?.error.field == field, "\(query)")
            }
            #expect(try await http.call(.GET, "/v1/search?q=a", key: nil).status == 401)

            #expect(try await http.call(.DELETE, "/v1/items/2").status == 204)
            #expect(try await search(http, "q=leather").data.isEmpty)
            var renamed = Self.items[4]
            renamed.title = "Noise cancelling earbuds"
            #expect(try await http.call(.PUT, "/v1/items/5", body: try JSONEncoder().encode(renamed)).status == 200)
            #expect(try await search(http, "q=earbuds").data.map(\.itemID) == ["5"])
            #expect(try await search(http, "q=headphones").data.isEmpty)
        }
        // After a restart the index is built again from the store.
        #expect(server.stop() == 0)
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { (http) async throws in
            // `start` waited for readiness: the index is loaded from the store.
            #expect(try await search(http, "q=earbuds").data.map(\.itemID) == ["5"])
            #expect(try await search(http, "q=leather").data.isEmpty)
        }
    }

    func withColour(_ item: ItemBody, _ colour: String) -> ItemBody {
        var item = item
        item.attributes = ["colour": .string(colour)]
        return item
    }

    @Test(
        "synonyms, facets, attribute filters, autocomplete, zero results, clicks and personal re-ranking; counts and synonyms survive a restart"
    )
    func learning() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        let items =
            [withColour(Self.items[0], "Navy"), withColour(Self.items[2], "red")] + [Self.items[1], Self.items[4]]
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: items)).status == 200)
            // Synonyms: replaced as a whole, checked first.
            let rules = #"{"rules": [{"synonyms": ["headset", "headphones"]}, {"from": "coat", "to": ["jacket"]}]}"#
            let set = try await http.call(.PUT, "/v1/search/synonyms", json: rules)
            #expect(set.status == 200, "\(String(decoding: set.body, as: UTF8.self))")
            #expect(try set.decode(SynonymsBody.self).rules.count == 2)
            #expect(try await search(http, "q=headset").data.map(\.itemID) == ["5"])
            #expect(try await search(http, "q=coat").data.map(\.itemID).sorted() == ["1", "3"])
            #expect(try await search(http, "q=coat").corrections["coat"] == ["jacket"])
            for (json, field) in [
                (#"{"rules": [{"synonyms": ["rain coat", "jacket"]}]}"#, "rules[0]"),
                (#"{"rules": [{"from": "tv"}]}"#, "rules[0]"),
                (#"{"rules": [{"synonyms": "tv"}]}"#, "rules[0].synonyms"),
                (#"{"rules": "#, nil),
            ] {
                let bad = try await http.call(.PUT, "/v1/search/synonyms", json: json)
                #expect(bad.status == 400, "\(json)")
                if let field { #expect((try? bad.decode(ErrorBody.self))?.error.field == field, "\(json)") }
            }
            #expect(try await search(http, "q=headset").data.map(\.itemID) == ["5"], "a rejected set changes nothing")
            #expect(
                try await http.call(.PUT, "/v1/search/synonyms", key: ServerProcess.ingestKey, json: rules).status
                    == 403
            )

            // Facets and attribute filters.
            let faceted = try await search(http, "q=jacket&facets=category,brand,price")
            #expect(faceted.facets?["category"]?.first == SearchResultsBody.FacetValue(value: "Clothing", count: 2))
            #expect(faceted.facets?["brand"]?.count == 2)
            #expect(faceted.facets?["price"]?.map(\.value) == ["50-100", "100-250"])
            #expect(try await search(http, "q=jacket&attr.colour=navy").data.map(\.itemID) == ["1"])
            let badFacet = try await http.call(.GET, "/v1/search?q=a&facets=colour", key: ServerProcess.ingestKey)
            #expect(badFacet.status == 400 && (try? badFacet.decode(ErrorBody.self))?.error.field == "facets")
            let badMode = try await http.call(.GET, "/v1/search?q=a&mode=semantic", key: ServerProcess.ingestKey)
            #expect(badMode.status == 503, "no text model in this server")

            // The query log: zero results for the admin, popular queries in autocomplete.
            // Five distinct shoppers make `jacket` a suggestion (the bar: AutocompleteEndToEndTests);
            // it counts all 7 recorded searches, the two anonymous ones above included.
            for (index, query) in ["snorkel", "snorkel", "jacket", "jacket", "jacket", "jacket", "jacket"].enumerated()
            {
                _ = try await search(http, "q=\(query)&user_id=shopper\(index)")
            }
            _ = try await search(http, "q=jacket&record=false")
            let zero = try await http.call(.GET, "/v1/search/zero-results").decode(ZeroResultsBody.self)
            #expect(zero.data.map(\.query) == ["snorkel"] && zero.data.first?.zeroResults == 2)
            #expect(try await http.call(.GET, "/v1/search/zero-results", key: ServerProcess.ingestKey).status == 403)
            let suggest = try await http.call(.GET, "/v1/autocomplete?q=jac", key: ServerProcess.ingestKey)
            let suggestions = try suggest.decode(AutocompleteBody.self).data
            #expect(
                suggestions.first
                    == AutocompleteBody.Suggestion(text: "jacket", kind: "query", itemID: nil, searches: 7)
            )
            #expect(suggestions.dropFirst().allSatisfy { $0.kind == "item" } && suggestions.count == 3)
            #expect(try await http.call(.GET, "/v1/autocomplete?q=", key: ServerProcess.ingestKey).status == 400)

            // Clicks after a search lift the clicked item for that search.
            let before = try await search(http, "q=jacket&record=false").data.map(\.itemID)
            let second = try #require(before.last)
            for index in 0..<6 {
                let click =
                    #"{"event_id": "c\#(index)", "type": "click", "user_id": "u1", "item_id": "\#(second)", "query": "Jacket", "timestamp": "2026-11-26T10:00:00Z"}"#
                #expect(
                    try await http.call(.POST, "/v1/events", key: ServerProcess.ingestKey, json: click).status == 200
                )
            }
            // The same click again is a duplicate and must not count twice.
            _ = try await http.call(
                .POST,
                "/v1/events",
                key: ServerProcess.ingestKey,
                json:
                    #"{"event_id": "c0", "type": "click", "user_id": "u1", "item_id": "\#(second)", "query": "jacket", "timestamp": "2026-11-26T10:00:00Z"}"#
            )
            let after = try await search(http, "q=jacket&record=false&explain=true")
            #expect(after.data.first?.itemID == second)
            #expect((after.data.first?.explain?.clicks ?? 0) > 0)

            // Personal re-ranking: a shopper who buys Fjellby sees Fjellby first, with the part shown.
            let purchase =
                #"{"type": "purchase", "user_id": "u2", "item_id": "1", "timestamp": "2026-11-26T10:00:00Z"}"#
            #expect(
                try await http.call(.POST, "/v1/events", key: ServerProcess.ingestKey, json: purchase).status == 200
            )
            let personal = try await search(http, "q=jacket&record=false&explain=true&user_id=u2")
            #expect(personal.data.first?.itemID == "1")
            // Same brand and category: the whole boost; same category only: half of it.
            #expect(personal.data.first?.explain?.personal == 0.15)
            #expect(personal.data.last?.explain?.personal == 0.075)
            let both = try await http.call(.GET, "/v1/search?q=a&user_id=u&device_id=d", key: ServerProcess.ingestKey)
            #expect(both.status == 400)

            // Concurrent rule sets: the engine ends with the one the store kept (read back below).
            try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        let rules =
                            #"{"rules": [{"synonyms": ["headset", "headphones"]}, {"from": "word\#(writer)", "to": ["jacket"]}]}"#
                        return try await http.call(.PUT, "/v1/search/synonyms", json: rules).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
        }
        let inForce = try await withHTTP(server) { http in
            try await http.call(.GET, "/v1/search/synonyms").decode(SynonymsBody.self).rules
        }
        // After a restart: synonyms, the query log and clicks are read back from the store.
        #expect(server.stop() == 0)
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { http in
            let stored = try await http.call(.GET, "/v1/search/synonyms").decode(SynonymsBody.self).rules
            #expect(stored == inForce && inForce.count == 2, "the engine's rules are the store's")
            #expect(try await search(http, "q=headset&record=false").data.map(\.itemID) == ["5"])
            let zero = try await http.call(.GET, "/v1/search/zero-results").decode(ZeroResultsBody.self)
            #expect(zero.data.first?.query == "snorkel" && zero.data.first?.zeroResults == 2)
            let suggestions = try await http.call(.GET, "/v1/autocomplete?q=jac", key: ServerProcess.ingestKey)
                .decode(AutocompleteBody.self).data
            #expect(suggestions.first?.searches == 7)
            let clicked = try await search(http, "q=jacket&record=false&explain=true")
            #expect(abs((clicked.data.first?.explain?.clicks ?? 0) - 0.2 * log(7) / log(21)) < 0.001, "6 clicks, not 7")
        }
    }

    @Test("semantic and hybrid search with the real encoder find items by meaning")
    func semantic() async throws {
        let server = ServerProcess()
        try server.start(
            environment: ["AISLE_MODEL_DIR": EmbeddingEndToEndTests.modelFolder, "AISLE_TRAIN_ON_START": "false"]
        )
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            // Items are embedded in the background; wait until hybrid is the default mode.
            var results = try await search(http, "q=\(escaped("something warm for winter"))&record=false")
            for _ in 0..<600 where results.mode != "hybrid" || results.data.count < 2 {
                try await Task.sleep(for: .milliseconds(100))
                results = try await search(http, "q=\(escaped("something warm for winter"))&record=false")
            }
            #expect(results.mode == "hybrid")
            // No word of the query is in a title: meaning alone finds the jackets.
            #expect(Set(results.data.prefix(2).map(\.itemID)).isSubset(of: ["1", "3", "4"]))
            let semantic = try await search(http, "q=\(escaped("music for my ears"))&mode=semantic&explain=true")
            #expect(semantic.mode == "semantic" && semantic.data.first?.itemID == "5")
            #expect((semantic.data.first?.explain?.semantic ?? 0) > 0.2)
            let lexical = try await search(http, "q=\(escaped("something warm for winter"))&mode=lexical")
            #expect(lexical.mode == "lexical" && lexical.data.isEmpty)
            // Exact words still lead in hybrid mode.
            #expect(try await search(http, "q=leather&record=false").data.first?.itemID == "2")
        }
    }
}
