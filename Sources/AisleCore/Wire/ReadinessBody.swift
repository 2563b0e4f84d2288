/// `GET /ready`: `ready`, or why not (`starting` with what still loads, `unavailable`). Not the
/// error envelope: probes read `status`.
public struct ReadinessBody: Codable, Sendable, Equatable {
    public var status: String
    /// While `starting`: `search_index`, `saved_model`.
    public var loading: [String]?

    public init(status: String, loading: [String]? = nil) {
        self.status = status
        self.loading = loading
    }
}
