import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// The text encoder through the real server: `POST /v1/embeddings` in the OpenAI shape, and
/// catalog items embedded in the background after their upsert.
@Suite(.serialized) struct EmbeddingEndToEndTests {
    static let modelFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/all-MiniLM-L6-v2").path

    struct EmbeddingRequest: Encodable {
        var input: [String]
        var model: String?
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("POST /v1/embeddings answers in the OpenAI shape, with normalised vectors that rank meaning")
    func embeddings() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_MODEL_DIR": Self.modelFolder, "AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        #expect(server.printed.contains("text encoder all-MiniLM-L6-v2 loaded"))
        try await withHTTP(server) { http in
            let texts = ["warm winter jacket", "down parka for cold weather", "chocolate cake recipe"]
            let reply = try await http.post(
                "/v1/embeddings",
                encoding: EmbeddingRequest(input: texts, model: "all-MiniLM-L6-v2")
            )
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self).prefix(300))")
            let body = try reply.decode(EmbeddingResponseBody.self)
            #expect(body.object == "list" && body.model == "all-MiniLM-L6-v2")
            #expect(body.data.map(\.index) == [0, 1, 2] && body.data.allSatisfy { $0.object == "embedding" })
            #expect(body.data.allSatisfy { $0.embedding.count == 384 })
            #expect(body.data.allSatisfy { abs(Self.cosine($0.embedding, $0.embedding) - 1) < 1e-4 })
            let jacket = body.data[0].embedding
            // sentence-transformers gives 0.4054 and 0.1006 for these pairs.
            #expect(abs(Self.cosine(jacket, body.data[1].embedding) - 0.4054) < 0.001)
            #expect(abs(Self.cosine(jacket, body.data[2].embedding) - 0.1006) < 0.001)
            #expect(body.usage.promptTokens > 6 && body.usage.totalTokens == body.usage.promptTokens)
            // A single string is one input (alone, other product shapes round a little differently).
            let one = try await http.call(.POST, "/v1/embeddings", json: #"{"input": "warm winter jacket"}"#)
            let alone = try #require(try one.decode(EmbeddingResponseBody.self).data.first?.embedding)
            #expect(Self.cosine(alone, jacket) > 0.99999)

            let cases: [(String, Int, String, String?)] = [
                (#"{"input": []}"#, 400, "invalid_field", "input"),
                (#"{}"#, 400, "invalid_field", "input"),
                (#"{"input": 5}"#, 400, "invalid_field", "input"),
                (#"{"input": ["a"], "model": "text-embedding-3-large"}"#, 400, "invalid_field", "model"),
                (#"{"input": ["a"], "encoding_format": "base64"}"#, 400, "invalid_field", "encoding_format"),
                (#"{"input": ["a"], "user": "x"}"#, 400, "invalid_field", "user"),
                (#"{"input": ["a"]"#, 400, "invalid_json", nil),
            ]
            for (json, status, code, field) in cases {
                let bad = try await http.call(.POST, "/v1/embeddings", json: json)
                #expect(bad.status == status, "\(json)")
                #expect(bad.errorCode == code, "\(json)")
                #expect((try? bad.decode(ErrorBody.self))?.error.field == field, "\(json)")
            }
            let tooMany = try await http.post(
                "/v1/embeddings",
                encoding: EmbeddingRequest(input: Array(repeating: "a", count: 257))
            )
            #expect(tooMany.status == 400)
            let ingest = try await http.call(
                .POST,
                "/v1/embeddings",
                key: ServerProcess.ingestKey,
                json: #"{"input": "a"}"#
            )
            #expect(ingest.status == 403)
        }
    }

    @Test("items are embedded in the background after an upsert, and again after a change")
    func itemEmbeddings() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_MODEL_DIR": Self.modelFolder, "AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let jacket = ItemBody(
                title: "Down jacket",
                description: "A warm winter parka with a hood.",
                categories: ["Clothing > Jackets"],
                brand: "Fjellby"
            )
            #expect(try await http.call(.PUT, "/v1/items/j1", body: try JSONEncoder().encode(jacket)).status == 200)
            func embedding(_ id: String, newerThan: TimestampBody? = nil) async throws -> ItemEmbeddingBody? {
                for _ in 0..<600 {
                    let reply = try await http.call(.GET, "/v1/items/\(id)/embedding")
                    if reply.status == 200 {
                        let body = try reply.decode(ItemEmbeddingBody.self)
                        if newerThan.map({ body.itemUpdatedAt.timestamp > $0.timestamp }) ?? true { return body }
                    } else {
                        #expect(reply.status == 404)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            let first = try #require(try await embedding("j1"))
            #expect(first.model == "all-MiniLM-L6-v2" && first.embedding.count == 384)
            let direct = try await http.post(
                "/v1/embeddings",
                encoding: EmbeddingRequest(input: [
                    "Down jacket. Fjellby. Clothing > Jackets. A warm winter parka with a hood."
                ])
            ).decode(EmbeddingResponseBody.self)
            #expect(Self.cosine(first.embedding, direct.data[0].embedding) > 0.9999)

            var cake = jacket
            cake.title = "Chocolate cake"
            cake.description = "A rich dessert."
            #expect(try await http.call(.PUT, "/v1/items/j1", body: try JSONEncoder().encode(cake)).status == 200)
            let second = try #require(try await embedding("j1", newerThan: first.itemUpdatedAt))
            #expect(Self.cosine(first.embedding, second.embedding) < 0.9)
            #expect(try await http.call(.GET, "/v1/items/nope/embedding").status == 404)
        }
    }

    @Test("without a model the embedding routes answer 503 with advice")
    func withoutModel() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_MODEL_DIR": "/nonexistent/model", "AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        #expect(server.printed.contains("no text encoder at /nonexistent/model"))
        try await withHTTP(server) { http in
            let reply = try await http.call(.POST, "/v1/embeddings", json: #"{"input": "a"}"#)
            #expect(reply.status == 503)
            #expect((try? reply.decode(ErrorBody.self))?.error.message.contains("make models") == true)
        }
    }
}
