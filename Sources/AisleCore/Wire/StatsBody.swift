/// `GET /v1/stats`: what the dashboard draws. Totals count since the server started; the
/// dashboard turns two answers into rates and windowed percentiles.
public struct StatsBody: Codable, Sendable, Equatable {
    public var startedAt: TimestampBody
    public var uptimeSeconds: Double
    public var counts: Counts
    public var events: EventTotals
    public var requests: RequestTotals
    /// The newest stored events, newest first.
    public var newestEvents: [EventBody]
    /// The most searched queries, and those that found nothing most often.
    public var search: Search

    public struct Search: Codable, Sendable, Equatable {
        public var topQueries: [ZeroResultsBody.Query]
        public var zeroResultQueries: [ZeroResultsBody.Query]

        enum CodingKeys: String, CodingKey {
            case topQueries = "top_queries"
            case zeroResultQueries = "zero_result_queries"
        }

        public init(topQueries: [ZeroResultsBody.Query], zeroResultQueries: [ZeroResultsBody.Query]) {
            self.topQueries = topQueries
            self.zeroResultQueries = zeroResultQueries
        }
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var items: Int
        public var users: Int
        public var devices: Int
        public var events: Int
        public var reviews: Int

        public init(_ counts: StoreCounts) {
            items = counts.items
            users = counts.users
            devices = counts.devices
            events = counts.events
            reviews = counts.reviews
        }
    }

    public struct EventTotals: Codable, Sendable, Equatable {
        public var accepted: Int
        public var duplicates: Int
        /// Rows refused by validation (the ingest errors).
        public var rejected: Int
        public var unknownItems: Int
        /// Accepted events by type and by the device's platform (`unknown` without one).
        public var byType: [String: Int]
        public var byPlatform: [String: Int]

        enum CodingKeys: String, CodingKey {
            case accepted, duplicates, rejected
            case unknownItems = "unknown_items"
            case byType = "by_type"
            case byPlatform = "by_platform"
        }

        public init(
            accepted: Int,
            duplicates: Int,
            rejected: Int,
            unknownItems: Int,
            byType: [String: Int],
            byPlatform: [String: Int]
        ) {
            self.accepted = accepted
            self.duplicates = duplicates
            self.rejected = rejected
            self.unknownItems = unknownItems
            self.byType = byType
            self.byPlatform = byPlatform
        }
    }

    public struct RequestTotals: Codable, Sendable, Equatable {
        public var total: Int
        /// Answers 400–499 (429 included) and 500–599.
        public var clientErrors: Int
        public var serverErrors: Int
        public var rateLimited: Int
        /// Requests per latency bucket: `count` took at most `le_ms` (and more than the
        /// bucket before); the last bucket has no bound.
        public var latency: [Bucket]

        public struct Bucket: Codable, Sendable, Equatable {
            public var leMs: Double?
            public var count: Int

            enum CodingKeys: String, CodingKey {
                case leMs = "le_ms"
                case count
            }

            public init(leMs: Double?, count: Int) {
                self.leMs = leMs
                self.count = count
            }
        }

        enum CodingKeys: String, CodingKey {
            case total
            case clientErrors = "client_errors"
            case serverErrors = "server_errors"
            case rateLimited = "rate_limited"
            case latency
        }

        public init(total: Int, clientErrors: Int, serverErrors: Int, rateLimited: Int, latency: [Bucket]) {
            self.total = total
            self.clientErrors = clientErrors
            self.serverErrors = serverErrors
            self.rateLimited = rateLimited
            self.latency = latency
        }
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
        case counts, events, requests
        case newestEvents = "newest_events"
        case search
    }

    public init(
        startedAt: TimestampBody,
        uptimeSeconds: Double,
        counts: Counts,
        events: EventTotals,
        requests: RequestTotals,
        newestEvents: [EventBody],
        search: Search
    ) {
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.counts = counts
        self.events = events
        self.requests = requests
        self.newestEvents = newestEvents
        self.search = search
    }
}
