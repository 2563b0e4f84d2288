import AisleCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client over AsyncHTTPClient for the end-to-end tests.
struct HTTP: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: Data
        var headers: [String: String] = [:]

        var text: String { String(decoding: body, as: UTF8.self) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: body)
        }

        var errorCode: String? { (try? JSONDecoder().decode(ErrorBody.self, from: body))?.error.code }
    }

    let client: HTTPClient
    let baseURL: String

    func call(
        _ method: HTTPMethod,
        _ path: String,
        key: String? = ServerProcess.adminKey,
        body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        var replyHeaders: [String: String] = [:]
        for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), body: Data(bytes.readableBytesView), headers: replyHeaders)
    }

    /// A request with a raw body of `contentType` (none: no `Content-Type` header).
    func call(
        _ method: HTTPMethod,
        _ path: String,
        key: String? = ServerProcess.adminKey,
        bytes: [UInt8],
        contentType: String?,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        var replyHeaders: [String: String] = [:]
        for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), body: Data(body.readableBytesView), headers: replyHeaders)
    }

    func call(
        _ method: HTTPMethod,
        _ path: String,
        key: String? = ServerProcess.adminKey,
        json: String,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        try await call(method, path, key: key, body: Data(json.utf8), headers: headers)
    }

    func post<T: Encodable>(_ path: String, key: String? = ServerProcess.adminKey, encoding value: T) async throws
        -> Reply
    {
        try await call(.POST, path, key: key, body: try JSONEncoder().encode(value))
    }

    /// Every event of a user, following next_cursor to the end.
    func history(of user: String, pageSize: Int = 1000) async throws -> [EventBody] {
        var events: [EventBody] = []
        var path = "/v1/users/\(user)/history?limit=\(pageSize)"
        while true {
            let page = try await call(.GET, path).decode(PageBody<EventBody>.self)
            events += page.data
            guard let next = page.nextCursor else { return events }
            path = "/v1/users/\(user)/history?limit=\(pageSize)&cursor=\(next)"
        }
    }
}

/// Runs `body` with a fresh HTTP client, shut down afterwards.
func withHTTP<T>(_ server: ServerProcess, _ body: (HTTP) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(HTTP(client: client, baseURL: server.baseURL))
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

struct EventBatch: Encodable {
    var events: [EventBody]
}

extension HTTP {
    /// `POST /v1/models:train` with the admin key. Ingest may already have started a scheduled
    /// training (a fresh server trains after its first 100 events): that answers 409 until it
    /// ends, so the call is made again, for up to 30 s.
    func train() async throws -> Reply {
        var reply = try await call(.POST, "/v1/models:train")
        for _ in 0..<300 where reply.status == 409 {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await call(.POST, "/v1/models:train")
        }
        return reply
    }
}
