import AisleCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Browser access (CORS) and the request id on every answer.
@Suite struct CORSAndRequestIDTests {
    static func execute(_ api: TestAPI.Caller, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields)
        async throws -> TestAPI.Reply
    {
        try await api.client.execute(uri: uri, method: method, headers: headers, body: nil) { response in
            TestAPI.Reply(
                status: response.status,
                body: Data(response.body.readableBytesView),
                headers: response.headers
            )
        }
    }

    static let requestID: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Request-ID") else { preconditionFailure("a valid header name") }
        return name
    }()

    @Test("a preflight from any origin is answered 204 with the methods and headers the API takes")
    func preflight() async throws {
        try await TestAPI().run { api in
            var headers = HTTPFields()
            headers[.origin] = "https://shop.example.com"
            headers[.accessControlRequestMethod] = "POST"
            let reply = try await Self.execute(api, .options, "/v1/events", headers: headers)
            #expect(reply.status == .noContent)
            #expect(reply.headers[.accessControlAllowOrigin] == "https://shop.example.com")
            #expect(reply.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(reply.headers[.accessControlAllowMethods]?.contains("POST") == true)
        }
    }

    @Test("an answer to a page's request lets that page read it, and says it varies by origin")
    func allowOrigin() async throws {
        try await TestAPI().run { api in
            var headers = HTTPFields()
            headers[.origin] = "https://shop.example.com"
            headers[.authorization] = "Bearer \(TestAPI.ingestKey)"
            let reply = try await Self.execute(api, .get, "/v1/trending", headers: headers)
            #expect(reply.status == .ok && reply.headers[.accessControlAllowOrigin] == "https://shop.example.com")
            #expect(reply.headers[.vary] == "Origin")
            #expect(reply.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            let plain = try await api.call(.get, "/v1/trending", key: .ingest)
            #expect(plain.headers[.accessControlAllowOrigin] == nil, "no Origin, no CORS headers")
        }
    }

    @Test("every answer, errors included, carries a request id; a sane one from the client is kept")
    func requestIDs() async throws {
        try await TestAPI().run { api in
            let first = try await api.call(.get, "/v1/items/missing")
            let second = try await api.call(.get, "/health", key: .none)
            let one = try #require(first.headers[Self.requestID])
            let two = try #require(second.headers[Self.requestID])
            #expect(!one.isEmpty && one != two)
            var headers = HTTPFields()
            headers[Self.requestID] = "checkout-7f3a"
            #expect(
                try await Self.execute(api, .get, "/health", headers: headers).headers[Self.requestID]
                    == "checkout-7f3a"
            )
            headers[Self.requestID] = "has space"
            #expect(
                try await Self.execute(api, .get, "/health", headers: headers).headers[Self.requestID] != "has space"
            )
            headers[Self.requestID] = String(repeating: "x", count: 129)
            #expect(
                try await Self.execute(api, .get, "/health", headers: headers).headers[Self.requestID]?.count != 129
            )
        }
    }
}
