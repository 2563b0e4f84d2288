import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// What counts as a match, through the real server: only confident matches in hybrid search
/// (issue 9) and one typo in 4-letter words (issue 10).
@Suite(.serialized) struct SearchMatchingEndToEndTests {
    static let items = [
        ItemBody(id: "j1", title: "Waterproof down jacket", categories: ["Clothing > Jackets"], brand: "Fjellby"),
        ItemBody(id: "j2", title: "Rain jacket", categories: ["Clothing > Jackets"], brand: "Aurora"),
        ItemBody(id: "b1", title: "Leather boots", categories: ["Shoes > Boots"], brand: "Stigen"),
        ItemBody(id: "r1", title: "Trail running shoes", categories: ["Shoes > Running"], brand: "Pace"),
        ItemBody(id: "d1", title: "Floral summer dress", categories: ["Clothing > Dresses"], brand: "Bloom"),
        ItemBody(id: "h1", title: "Bluetooth headphones", categories: ["Electronics > Audio"], brand: "Lumen"),
        ItemBody(id: "s1", title: "Star Wars poster", categories: ["Home > Posters"], brand: "Printhaus"),
        ItemBody(id: "s2", title: "Star Trek poster", categories: ["Home > Posters"], brand: "Printhaus"),
    ]

    func search(_ http: HTTP, _ query: String) async throws -> SearchResultsBody {
        let reply = try await http.call(.GET, "/v1/search?" + query, key: ServerProcess.ingestKey)
        #expect(reply.status == 200, "\(query): \(String(decoding: reply.body, as: UTF8.self).prefix(200))")
        return try reply.decode(SearchResultsBody.self)
    }

    @Test("hybrid: q=snorkel finds nothing and is a zero-result query; total and facets count confident matches only")
    func confidentMatches() async throws {
        let server = ServerProcess()
        try server.start(
            environment: ["AISLE_MODEL_DIR": EmbeddingEndToEndTests.modelFolder, "AISLE_TRAIN_ON_START": "false"]
        )
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            // Items are embedded in the background (one pass for this batch): wait for hybrid.
            var probe = try await search(http, "q=jacket&record=false")
            for _ in 0..<600 where probe.mode != "hybrid" {
                try await Task.sleep(for: .milliseconds(100))
                probe = try await search(http, "q=jacket&record=false")
            }
            #expect(probe.mode == "hybrid")

            let snorkel = try await search(http, "q=snorkel&facets=brand")
            #expect(snorkel.data.isEmpty && snorkel.total == 0, "\(snorkel.data.map(\.itemID))")
            #expect(snorkel.facets?["brand"] == [])
            let zero = try await http.call(.GET, "/v1/search/zero-results").decode(ZeroResultsBody.self)
            #expect(zero.data.map(\.query) == ["snorkel"])

            let jacket = try await search(http, "q=jacket&facets=brand,category&record=false")
            #expect(Set(jacket.data.map(\.itemID)) == ["j1", "j2"])
            #expect(jacket.total == 2)
            #expect(Set(jacket.facets?["brand"]?.map(\.value) ?? []) == ["Fjellby", "Aurora"])
            let categories = jacket.facets?["category"]?.map(\.value) ?? []
            #expect(!categories.contains("Clothing > Dresses"))
        }
    }

    @Test("`star wras` finds Star Wars: one typo, a swap of neighbours, in a 4-letter word")
    func shortWordTypo() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: Self.items)).status == 200)
            let results = try await search(http, "q=star%20wras")
            #expect(results.data.first?.itemID == "s1")
            #expect(results.corrections["wras"]?.contains("wars") == true)
        }
    }
}
