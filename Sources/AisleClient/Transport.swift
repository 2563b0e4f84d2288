import AisleCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// HTTP to the Aisle server: the API key on every request, JSON in and out, errors mapped to
/// `ClientError` with the server's `error.code`.
struct Transport: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        /// `Retry-After` in seconds (the server sends delta-seconds), when present.
        var retryAfter: Duration? {
            headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds($0) }
        }

        /// The server's error body as a `ClientError`.
        var error: ClientError {
            let decoded = try? JSONDecoder().decode(ErrorEnvelope.self, from: body)
            return .server(
                status: status,
                code: decoded?.error.code,
                message: decoded?.error.message ?? String(decoding: body.prefix(200), as: UTF8.self)
            )
        }
    }

    private struct ErrorEnvelope: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
        }

        var error: Detail
    }

    let baseURL: URL
    let apiKey: String
    let session: URLSession
    /// Whether the server said it inflates gzip request bodies (`Accept-Encoding: gzip` on
    /// any answer, RFC 7694); until it has, bodies go uncompressed.
    private let serverInflates = Locked(false)

    var acceptsGzip: Bool { serverInflates.withLock { $0 } }

    /// A path of percent-encoded segments (ids may hold `/`, spaces, unicode).
    static func path(_ segments: String...) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/")
        return segments.map { "/" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) }.joined()
    }

    init(baseURL: URL, apiKey: String, timeout: Duration) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    /// Sends one request; throws `offline` when no answer came (no network, refused, timed out).
    func send(
        _ method: String,
        _ path: String,
        query: [URLQueryItem] = [],
        body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws(ClientError) -> Response {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw .invalid("the base URL \(baseURL) cannot take a path")
        }
        components.percentEncodedPath = components.percentEncodedPath.trimmingSuffix("/") + path
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw .invalid("cannot build a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .offline("\(method) \(path): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { throw .offline("\(method) \(path): not an HTTP answer") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        if fields["accept-encoding"]?.lowercased().contains("gzip") == true {
            serverInflates.withLock { $0 = true }
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }

    /// Sends a GET and decodes a 2xx answer as `T`; other statuses throw the server's error.
    func get<T: Decodable>(_ path: String, query: [URLQueryItem], headers: [String: String] = [:], as type: T.Type)
        async throws(ClientError) -> T
    {
        let response = try await send("GET", path, query: query, headers: headers)
        guard (200..<300).contains(response.status) else { throw response.error }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw .server(status: response.status, code: nil, message: "an answer this client cannot read: \(error)")
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
