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
        try await withHTTP(server) { http in
            var results = try await search(http, "q=earbuds")
            for _ in 0..<50 where results.data.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                results = try await search(http, "q=earbuds")
            }
            #expect(results.data.map(\.itemID) == ["5"])
            #expect(try await search(http, "q=leather").data.isEmpty)
        }
    }
}
