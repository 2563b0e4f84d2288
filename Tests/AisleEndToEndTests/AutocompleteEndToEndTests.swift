import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Autocomplete through the real server (issue 5): a query becomes a suggestion for everyone
/// only once enough distinct shoppers searched it, and never when it holds personal data.
@Suite(.serialized) struct AutocompleteEndToEndTests {
    func search(_ http: HTTP, _ text: String, shopper: String?) async throws {
        let escaped = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        let who = shopper.map { "&user_id=\($0)" } ?? ""
        let reply = try await http.call(.GET, "/v1/search?q=\(escaped)\(who)", key: ServerProcess.ingestKey)
        #expect(reply.status == 200)
    }

    func suggestedQueries(_ http: HTTP, _ typed: String) async throws -> [String] {
        let escaped = typed.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? typed
        return try await http.call(.GET, "/v1/autocomplete?q=\(escaped)", key: ServerProcess.ingestKey)
            .decode(AutocompleteBody.self).data.filter { $0.kind == "query" }.map(\.text)
    }

    @Test(
        "a phrase seeded by few shoppers or holding an ID number is not suggested; five shoppers make one; k is set by AISLE_AUTOCOMPLETE_MIN_SHOPPERS and survives a restart"
    )
    func seededQueriesNotSuggested() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(
                try await http.post("/v1/items:batch", encoding: ItemBatch(items: SearchEndToEndTests.items)).status
                    == 200
            )
            // The attack: three searches for a name and an ID number.
            for _ in 0..<3 { try await search(http, "jacket anna berg 850412", shopper: "attacker") }
            for shopper in 1...4 { try await search(http, "jacket anna berg", shopper: "s\(shopper)") }
            for _ in 0..<10 { try await search(http, "jacket anna berg", shopper: nil) }
            for shopper in 1...8 { try await search(http, "jacket anna@example.com", shopper: "s\(shopper)") }
            for shopper in 1...8 { try await search(http, "jacket 19850412", shopper: "s\(shopper)") }
            #expect(try await suggestedQueries(http, "jacket").isEmpty)
            for shopper in 1...5 { try await search(http, "rain jacket", shopper: "s\(shopper)") }
            #expect(try await suggestedQueries(http, "ra") == ["rain jacket"])
        }
        // A restart reads the shoppers back; with k = 6 the same five are no longer enough.
        #expect(server.stop() == 0)
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { (http) async throws in
            #expect(try await suggestedQueries(http, "ra") == ["rain jacket"])
        }
        #expect(server.stop() == 0)
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_AUTOCOMPLETE_MIN_SHOPPERS": "6"])
        try await withHTTP(server) { http in
            let items = try await http.call(.GET, "/v1/search?q=rain&record=false", key: ServerProcess.ingestKey)
                .decode(SearchResultsBody.self)
            #expect(!items.data.isEmpty, "the items are searchable: only the suggestion's bar changed")
            #expect(try await suggestedQueries(http, "ra").isEmpty)
        }
    }
}
