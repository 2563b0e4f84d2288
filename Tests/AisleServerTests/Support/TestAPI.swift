import AisleCore
import AisleEngine
import AisleMath
import AisleRecommend
import AisleServer
import AisleStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A router over a fresh in-memory store with known keys, driven through HummingbirdTesting.
struct TestAPI {
    static let adminKey = "test-admin-key-000000"
    static let ingestKey = "test-ingest-key-00000"

    let store: any Store
    let recommendations: RecommendationService
    let application: Application<RouterResponder<AisleRequestContext>>
    let router: Router<AisleRequestContext>

    init(rateLimiter: RateLimiter? = nil, configure: (inout AisleConfiguration) -> Void = { _ in }) throws {
        var configuration = AisleConfiguration()
        configure(&configuration)
        store = try SQLiteStore.inMemory()
        recommendations = RecommendationService(
            store: store,
            settings: RecommendationService.Settings(parallelism: Parallelism(threads: 2), snapshotPath: nil),
            initial: .empty(at: .now())
        )
        router = AisleApplication.router(
            engine: Engine(configuration: configuration, store: store, recommendations: recommendations),
            keys: KeyRing(adminKey: Self.adminKey, ingestKey: Self.ingestKey),
            tokens: UserTokens.ephemeral(mode: configuration.keys.userTokens),
            rateLimiter: rateLimiter
        )
        application = Application(router: router)
    }

    enum Key {
        case admin, ingest, none
        case raw(String)

        var header: String? {
            switch self {
            case .admin: "Bearer \(TestAPI.adminKey)"
            case .ingest: "Bearer \(TestAPI.ingestKey)"
            case .none: nil
            case .raw(let value): value
            }
        }
    }

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var body: Data
        var headers: HTTPFields

        var error: ErrorBody.Detail? { try? JSONDecoder().decode(ErrorBody.self, from: body).error }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(type, from: body)
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Runs `calls` against the router.
    func run(_ calls: @Sendable (Caller) async throws -> Void) async throws {
        try await application.test(.router) { client in
            try await calls(Caller(client: client))
        }
    }

    struct Caller: Sendable {
        let client: any TestClientProtocol

        @discardableResult
        func call(
            _ method: HTTPRequest.Method,
            _ uri: String,
            key: Key = .admin,
            body: String? = nil,
            headers extra: HTTPFields = [:]
        ) async throws -> Reply {
            var headers = extra
            if let header = key.header { headers[.authorization] = header }
            if body != nil { headers[.contentType] = "application/json" }
            return try await client.execute(
                uri: uri,
                method: method,
                headers: headers,
                body: body.map { ByteBuffer(string: $0) }
            ) { response in
                Reply(status: response.status, body: Data(response.body.readableBytesView), headers: response.headers)
            }
        }

        /// A GET with extra headers (`If-None-Match`, `Origin`), with the admin key or `key`.
        func get(_ uri: String, headers extra: HTTPFields, key: String? = nil) async throws -> Reply {
            var headers = extra
            headers[.authorization] = key.map { "Bearer \($0)" } ?? Key.admin.header
            return try await client.execute(uri: uri, method: .get, headers: headers, body: nil) { response in
                Reply(status: response.status, body: Data(response.body.readableBytesView), headers: response.headers)
            }
        }

        /// A call with exactly `headers` (no key unless they hold one) and no body: what a
        /// browser page sends.
        func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields) async throws -> Reply {
            try await client.execute(uri: uri, method: method, headers: headers, body: nil) { response in
                Reply(status: response.status, body: Data(response.body.readableBytesView), headers: response.headers)
            }
        }

        /// A call with raw body bytes and extra headers (`Content-Encoding`).
        func call(
            _ method: HTTPRequest.Method,
            _ uri: String,
            key: Key = .admin,
            bytes: [UInt8],
            headers extra: HTTPFields
        ) async throws -> Reply {
            var headers = extra
            if let header = key.header { headers[.authorization] = header }
            headers[.contentType] = "application/json"
            return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: bytes))
            {
                response in
                Reply(status: response.status, body: Data(response.body.readableBytesView), headers: response.headers)
            }
        }
    }
}
