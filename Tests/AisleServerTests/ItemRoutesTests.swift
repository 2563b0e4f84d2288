import AisleCore
import Foundation
import Hummingbird
import Testing

@testable import AisleServer

@Suite struct ItemRoutesTests {
    @Test("CJK ids and titles with emoji round-trip byte for byte")
    func unicodeRoundTrip() async throws {
        try await TestAPI().run { api in
            let title = "这件羽绒服质量很好 🧥👍🏽"
            let id = "羽绒服-🧥"
            let encodedID = try #require(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed))
            let body = String(
                decoding: try JSONEncoder().encode(["title": title, "brand": "Bosideng 波司登"]),
                as: UTF8.self
            )
            #expect(try await api.call(.put, "/v1/items/\(encodedID)", body: body).status == .ok)
            let stored = try await api.call(.get, "/v1/items/\(encodedID)").decode(ItemBody.self)
            #expect(stored.id.map { Array($0.utf8) } == Array(id.utf8))
            #expect(stored.title.map { Array($0.utf8) } == Array(title.utf8))
            #expect(stored.brand == "Bosideng 波司登")
        }
    }

    @Test("the item list pages in a stable order without gaps or repeats")
    func listPages() async throws {
        try await TestAPI().run { api in
            let ids = (0..<7).map { "item-\($0)" }
            let rows = ids.map { #"{"id":"\#($0)","title":"T \#($0)"}"# }.joined(separator: ",")
            let batch = try await api.call(.post, "/v1/items:batch", body: #"{"items":[\#(rows)]}"#).decode(
                BatchResultBody.self
            )
            #expect(batch.upserted == 7)
            var seen: [String] = []
            var uri = "/v1/items?limit=3"
            while true {
                let page = try await api.call(.get, uri).decode(PageBody<ItemBody>.self)
                seen += page.data.compactMap(\.id)
                guard let next = page.nextCursor else { break }
                uri = "/v1/items?limit=3&cursor=\(next)"
            }
            #expect(seen == ids)
        }
    }

    @Test("an item batch stores valid rows and reports the others by index")
    func batchErrors() async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(
                .post,
                "/v1/items:batch",
                body:
                    #"{"items":[{"id":"a","title":"A"},{"id":"b","price":1},{"title":"no id"},{"id":"c","title":"C","price":"x"}]}"#
            )
            let result = try reply.decode(BatchResultBody.self)
            #expect(result.upserted == 1)
            #expect(result.errors.map(\.index) == [1, 2, 3])
            #expect(result.errors.map(\.field) == ["title", "id", "price"])
            #expect(try await api.call(.get, "/v1/items/a").status == .ok)
        }
    }

    @Test("a deleted item is gone from reads and comes back on upsert")
    func deleteAndRestore() async throws {
        try await TestAPI().run { api in
            try await api.call(.put, "/v1/items/a", body: #"{"title":"A"}"#)
            #expect(try await api.call(.delete, "/v1/items/a").status == .noContent)
            #expect(try await api.call(.get, "/v1/items/a").status == .notFound)
            #expect(try await api.call(.put, "/v1/items/a", body: #"{"title":"A again"}"#).status == .ok)
            #expect(try await api.call(.get, "/v1/items/a").decode(ItemBody.self).title == "A again")
        }
    }

    @Test("catalog:read (the ingest key) sees visible items, by id or in pages; hidden ones need catalog:write")
    func readingTheCatalog() async throws {
        try await TestAPI().run { api in
            let rows = [
                #"{"id":"a","title":"A"}"#, #"{"id":"b","title":"B","hidden":true}"#, #"{"id":"c","title":"C"}"#,
                #"{"id":"d","title":"D"}"#,
            ].joined(separator: ",")
            #expect(try await api.call(.post, "/v1/items:batch", body: #"{"items":[\#(rows)]}"#).status == .ok)
            #expect(try await api.call(.get, "/v1/items/a", key: .ingest).status == .ok)
            let hidden = try await api.call(.get, "/v1/items/b", key: .ingest)
            #expect(hidden.status == .notFound)
            #expect(
                hidden.text
                    == (try await api.call(.get, "/v1/items/nope", key: .ingest)).text.replacingOccurrences(
                        of: "nope",
                        with: "b"
                    )
            )
            #expect(try await api.call(.get, "/v1/items/b").decode(ItemBody.self).hidden == true)

            // By ids: in the order asked, each once, unknown and hidden ones left out.
            let named = try await api.call(.get, "/v1/items?ids=d,b,zz,a,d", key: .ingest).decode(
                PageBody<ItemBody>.self
            )
            #expect(named.data.compactMap(\.id) == ["d", "a"])
            #expect(named.nextCursor == nil)
            let asAdmin = try await api.call(.get, "/v1/items?ids=d,b", key: .admin).decode(PageBody<ItemBody>.self)
            #expect(asAdmin.data.compactMap(\.id) == ["d", "b"])
            let many = (0...100).map { "i\($0)" }.joined(separator: ",")
            let tooMany = try await api.call(.get, "/v1/items?ids=\(many)", key: .ingest)
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.error?.field == "ids")
            let long = String(repeating: "x", count: 300)
            #expect(try await api.call(.get, "/v1/items?ids=a,\(long)", key: .ingest).status == .badRequest)

            // Pages skip hidden items but keep following the ids.
            var seen: [String] = []
            var uri = "/v1/items?limit=2"
            while true {
                let page = try await api.call(.get, uri, key: .ingest).decode(PageBody<ItemBody>.self)
                seen += page.data.compactMap(\.id)
                guard let next = page.nextCursor else { break }
                uri = "/v1/items?limit=2&cursor=\(next)"
            }
            #expect(seen == ["a", "c", "d"])
            // No cursor names a hidden item: b sits right after a.
            let first = try await api.call(.get, "/v1/items?limit=1", key: .ingest).decode(PageBody<ItemBody>.self)
            let cursor = try #require(first.nextCursor)
            #expect(first.data.compactMap(\.id) == ["a"])
            #expect(try Cursor.decode(cursor) == "a")
            let second = try await api.call(.get, "/v1/items?limit=1&cursor=\(cursor)", key: .ingest)
                .decode(PageBody<ItemBody>.self)
            #expect(second.data.compactMap(\.id) == ["c"])
            // Reading is not writing.
            #expect(try await api.call(.put, "/v1/items/a", key: .ingest, body: #"{"title":"X"}"#).status == .forbidden)
        }
    }

    @Test("an item's photo shows in reads and cannot be sent with the item")
    func photoIsReadOnly() async throws {
        try await TestAPI().run { api in
            #expect(try await api.call(.put, "/v1/items/a", body: #"{"title":"A"}"#).status == .ok)
            #expect(try await api.call(.get, "/v1/items/a").decode(ItemBody.self).image == nil)
            let sent = try await api.call(
                .put,
                "/v1/items/a",
                body: #"{"title":"A","image":{"sha256":"00","width":10}}"#
            )
            #expect(sent.status == .badRequest)
            #expect(sent.error?.field == "image")
        }
    }
}
