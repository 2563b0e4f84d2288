import AisleCore
import Foundation
import Hummingbird
import Testing

/// Bad input gets a clear 4xx and changes nothing.
@Suite struct MalformedRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var status: HTTPResponse.Status
        var code: String
        var field: String?

        var testDescription: String { "\(method) \(uri) \(body?.prefix(40) ?? "") → \(status.code) \(code)" }
    }

    static let cases: [Case] = [
        Case(method: .put, uri: "/v1/items/a", body: "{", status: .badRequest, code: "invalid_json"),
        Case(method: .put, uri: "/v1/items/a", body: "", status: .badRequest, code: "invalid_json"),
        Case(method: .put, uri: "/v1/items/a", body: "[1,2]", status: .badRequest, code: "invalid_json"),
        Case(
            method: .put,
            uri: "/v1/items/a",
            body: #"{"title":7}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "title"
        ),
        Case(
            method: .put,
            uri: "/v1/items/a",
            body: #"{"price":3}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "title"
        ),
        Case(
            method: .put,
            uri: "/v1/items/a",
            body: #"{"title":"t","price":-3}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "price"
        ),
        Case(
            method: .put,
            uri: "/v1/items/a",
            body: #"{"title":"t","pirce":3}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "pirce"
        ),
        Case(
            method: .put,
            uri: "/v1/items/a",
            body: #"{"title":"t","id":"b"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "id"
        ),
        Case(
            method: .put,
            uri: "/v1/items/%ZZ",
            body: #"{"title":"t"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "id"
        ),
        Case(method: .get, uri: "/v1/items/missing", status: .notFound, code: "not_found"),
        Case(method: .delete, uri: "/v1/items/missing", status: .notFound, code: "not_found"),
        Case(method: .get, uri: "/v1/items?limit=0", status: .badRequest, code: "invalid_field", field: "limit"),
        Case(method: .get, uri: "/v1/items?limit=abc", status: .badRequest, code: "invalid_field", field: "limit"),
        Case(method: .get, uri: "/v1/items?cursor=%%%", status: .badRequest, code: "invalid_field", field: "cursor"),
        Case(
            method: .post,
            uri: "/v1/items:batch",
            body: #"{"items":{}}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "items"
        ),
        Case(
            method: .post,
            uri: "/v1/items:batch",
            body: #"{"rows":[]}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "rows"
        ),
        Case(
            method: .put,
            uri: "/v1/users/u",
            body: #"{"attributes":"x"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "attributes"
        ),
        Case(
            method: .put,
            uri: "/v1/users/u",
            body: #"{"locale":"en"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "locale"
        ),
        Case(method: .get, uri: "/v1/users/nobody", status: .notFound, code: "not_found"),
        Case(method: .delete, uri: "/v1/users/nobody", status: .notFound, code: "not_found"),
        Case(
            method: .get,
            uri: "/v1/users/u/history?types=teleport",
            status: .badRequest,
            code: "invalid_field",
            field: "types"
        ),
        Case(
            method: .get,
            uri: "/v1/users/u/history?cursor=bm9wZQ",
            status: .badRequest,
            code: "invalid_field",
            field: "cursor"
        ),
        Case(
            method: .post,
            uri: "/v1/events",
            body: #"{"type":"view"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "user_id"
        ),
        Case(
            method: .post,
            uri: "/v1/events",
            body: #"{"type":"view","user_id":"u","item_id":"i","timestamp":"2099-01-01T00:00:00Z"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "timestamp"
        ),
        Case(
            method: .post,
            uri: "/v1/events",
            body: #"{"events":"all"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "events"
        ),
        Case(
            method: .post,
            uri: "/v1/events",
            body: #"{"events":[],"extra":1}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "extra"
        ),
        Case(method: .post, uri: "/v1/events", body: "null", status: .badRequest, code: "invalid_field"),
        Case(
            method: .post,
            uri: "/v1/identify",
            body: #"{"device_id":"d"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "user_id"
        ),
        Case(
            method: .post,
            uri: "/v1/identify",
            body: #"{"device_id":"","user_id":"u"}"#,
            status: .badRequest,
            code: "invalid_field",
            field: "device_id"
        ),
        Case(method: .get, uri: "/v1/nothing-here", status: .notFound, code: "not_found"),
    ]

    @Test("each malformed request gets its status and error code", arguments: cases)
    func malformed(request: Case) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(request.method, request.uri, body: request.body)
            #expect(reply.status == request.status, "\(reply.text)")
            #expect(reply.error?.code == request.code)
            if let field = request.field { #expect(reply.error?.field == field) }
            #expect(reply.error?.message.isEmpty == false)
        }
    }

    @Test("a rejected update leaves the stored item as it was")
    func rejectedUpdateKeepsData() async throws {
        try await TestAPI().run { api in
            try await api.call(.put, "/v1/items/a", body: #"{"title":"Original","price":5}"#)
            let bad = try await api.call(.put, "/v1/items/a", body: #"{"title":"Changed","price":-1}"#)
            #expect(bad.status == .badRequest)
            let stored = try await api.call(.get, "/v1/items/a").decode(ItemBody.self)
            #expect(stored.title == "Original")
            #expect(stored.price == 5)
        }
    }

    @Test("a body over the limit gets 413 payload_too_large")
    func oversized() async throws {
        let api = try TestAPI { $0.server.maxBodyBytes = 2048 }
        try await api.run { api in
            let big = #"{"title":""# + String(repeating: "x", count: 4000) + #""}"#
            let reply = try await api.call(.put, "/v1/items/a", body: big)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.error?.code == "payload_too_large")
            #expect(try await api.call(.get, "/v1/items/a").status == .notFound)
        }
    }

    @Test("a batch over the row limit is refused whole")
    func tooManyRows() async throws {
        let api = try TestAPI { $0.ingest.maxBatchRows = 3 }
        try await api.run { api in
            let rows = (0..<4).map { #"{"type":"view","user_id":"u","item_id":"i\#($0)"}"# }.joined(separator: ",")
            let reply = try await api.call(.post, "/v1/events", body: #"{"events":[\#(rows)]}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.error?.field == "events")
            let history = try await api.call(.get, "/v1/users/u/history").decode(PageBody<EventBody>.self)
            #expect(history.data.isEmpty)
        }
    }
}
