import AisleCore
import AisleServer
import Hummingbird
import Testing

/// ETags on reads: the same answer gives the same tag, `If-None-Match` with it gives 304.
@Suite struct ConditionalGetTests {
    @Test("a GET answer's ETag sent back gives 304 with no body; after a change, 200 with a new tag")
    func notModified() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/items/a", body: #"{"title": "Rain jacket"}"#)
            let first = try await api.call(.get, "/v1/items/a")
            let tag = try #require(first.headers[.eTag])
            #expect(try await api.call(.get, "/v1/items/a").headers[.eTag] == tag, "the same answer, the same tag")
            var headers = HTTPFields()
            headers[.ifNoneMatch] = tag
            let cached = try await api.get("/v1/items/a", headers: headers)
            #expect(cached.status == .notModified && cached.body.isEmpty && cached.headers[.eTag] == tag)
            _ = try await api.call(.put, "/v1/items/a", body: #"{"title": "Down jacket"}"#)
            let changed = try await api.get("/v1/items/a", headers: headers)
            #expect(changed.status == .ok && changed.headers[.eTag] != tag && changed.text.contains("Down"))
        }
    }

    @Test("answers to writes and errors carry no ETag")
    func onlyReads() async throws {
        try await TestAPI().run { (api) async throws in
            #expect(try await api.call(.put, "/v1/items/a", body: #"{"title": "x"}"#).headers[.eTag] == nil)
            #expect(try await api.call(.get, "/v1/items/missing").headers[.eTag] == nil)
        }
    }
}
