import AisleCore
import AisleServer
import Hummingbird
import Testing

/// `Content-Encoding: gzip` request bodies: inflated under the same body limit, refused clearly
/// when damaged or unsupported; every answer says gzip is accepted.
@Suite struct GzipBodyTests {
    static let batch =
        #"{"events": [{"type": "view", "device_id": "d1", "item_id": "a"}, {"type": "view", "device_id": "d1", "item_id": "b"}]}"#

    static var gzipHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentEncoding] = "gzip"
        return headers
    }

    @Test("a gzip batch is stored like a plain one, and answers advertise Accept-Encoding: gzip")
    func accepted() async throws {
        try await TestAPI().run { api in
            let compressed = try #require(Gzip.compress(Array(Self.batch.utf8)))
            let reply = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                bytes: compressed,
                headers: Self.gzipHeaders
            )
            #expect(reply.status == .ok && reply.text.contains(#""accepted":2"#), "\(reply.text)")
            #expect(reply.headers[.acceptEncoding] == "gzip")
        }
    }

    @Test("a body that is not gzip under Content-Encoding: gzip is 400 invalid_json, nothing stored")
    func damaged() async throws {
        try await TestAPI().run { api in
            var compressed = try #require(Gzip.compress(Array(Self.batch.utf8)))
            compressed.removeLast(12)
            for body in [Array(Self.batch.utf8), compressed] {
                let reply = try await api.call(
                    .post,
                    "/v1/events",
                    key: .ingest,
                    bytes: body,
                    headers: Self.gzipHeaders
                )
                #expect(reply.status == .badRequest && reply.error?.code == "invalid_json", "\(reply.text)")
            }
            let history = try await api.call(.get, "/v1/devices/d1/recommendations", key: .ingest)
            #expect(history.status == .ok)
        }
    }

    @Test("a small gzip body that inflates past the body limit is 413, not a memory blow-up")
    func bomb() async throws {
        try await TestAPI { $0.server.maxBodyBytes = 64 * 1024 }.run { api in
            let zeros = [UInt8](repeating: 0x20, count: 10 << 20)
            let compressed = try #require(Gzip.compress(zeros))
            #expect(compressed.count < 64 * 1024)
            let reply = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                bytes: compressed,
                headers: Self.gzipHeaders
            )
            #expect(reply.status == .contentTooLarge && reply.error?.code == "payload_too_large")
        }
    }

    @Test("an encoding other than gzip is refused, naming what is supported")
    func unsupported() async throws {
        try await TestAPI().run { api in
            var headers = HTTPFields()
            headers[.contentEncoding] = "br"
            let reply = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                bytes: Array(Self.batch.utf8),
                headers: headers
            )
            #expect(reply.status == .badRequest && reply.error?.field == "Content-Encoding")
        }
    }
}
