public import AisleEngine
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The assistant's language model over an OpenAI-compatible chat API (`POST
/// {url}/chat/completions`): OpenAI, vLLM, llama.cpp's or llama-cpp-python's server, Ollama.
/// Only what `ReplyRewriter` hands over is sent; the key goes in `Authorization: Bearer`.
public struct OpenAIChatModel: ChatModel {
    let endpoint: String
    let model: String
    let apiKey: String?
    let timeout: Duration

    /// `url` is the API's base (`http://127.0.0.1:8091/v1`) or its chat completions URL.
    public init(url: String, model: String, apiKey: String?, timeout: Duration) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base.hasSuffix("/chat/completions") ? base : base + "/chat/completions"
        self.model = model
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
    }

    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        var model: String
        var messages: [Message]
        var temperature: Double
        var maxTokens: Int
        var stream: Bool

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream
            case maxTokens = "max_tokens"
        }
    }

    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }

            var message: Message
        }

        var choices: [Choice]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    public func complete(_ messages: [ChatModelMessage], maxTokens: Int) async throws -> String {
        let body = Request(
            model: model,
            messages: messages.map { .init(role: $0.role.rawValue, content: $0.content) },
            temperature: 0.2,
            maxTokens: maxTokens,
            stream: false
        )
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        // The engine gives up at `timeout` and cancels this request; the client's own deadline,
        // a second later, only guards a caller that does not.
        let milliseconds = Int64((timeout / .milliseconds(1)).rounded(.up)) + 1000
        let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(milliseconds))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else {
            let text = String(decoding: bytes.readableBytesView.prefix(200), as: UTF8.self)
            throw Failure(description: "\(endpoint) answered \(response.status.code): \(text)")
        }
        guard let decoded = try? JSONDecoder().decode(Response.self, from: Data(bytes.readableBytesView)),
            let content = decoded.choices.first?.message.content
        else {
            throw Failure(description: "\(endpoint) answered no choices[0].message.content")
        }
        return content
    }
}
