public import Foundation

/// What the client can fail with. Network and server failures of event uploads are not thrown
/// from `track`: events wait in the queue and are retried; `flush` reports them.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call's input cannot be used (an empty id, an event too large to queue).
    case invalid(String)
    /// The queue's folder cannot be written (a full disk, a quota, permissions). Nothing was
    /// queued by the failing call; earlier events are intact.
    case storage(String)
    /// The server could not be reached, or did not answer in time.
    case offline(String)
    /// The server answered with an error: its status, `error.code` and message.
    case server(status: Int, code: String?, message: String)
    /// The upload is waiting out a backoff (after 429, 5xx or no network); retried at `retryAt`.
    case backingOff(until: Date)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid: \(message)"
        case .storage(let message): "storage: \(message)"
        case .offline(let message): "offline: \(message)"
        case .server(let status, let code, let message): "server \(status) \(code ?? ""): \(message)"
        case .backingOff(let date): "backing off until \(date)"
        }
    }
}

/// How the client queues and uploads; the defaults follow the mobile analytics SDKs.
public struct ClientOptions: Sendable {
    /// Upload once this many events wait.
    public var flushAt = 20
    /// Upload at least this often while events wait.
    public var flushInterval: Duration = .seconds(30)
    /// The queue's bounds: past either one the oldest events are dropped (and counted in
    /// `QueueStatus.dropped`). 10 MB holds about 30,000 typical events.
    public var maxQueuedEvents = 100_000
    public var maxQueueBytes = 10 * 1024 * 1024
    /// Events per upload request (the server takes up to 10,000) and about this many bytes.
    public var maxBatchEvents = 500
    public var maxBatchBytes = 512 * 1024
    /// Retries back off exponentially from `minimumBackoff` to `maximumBackoff`, with full
    /// jitter; a server's `Retry-After` is honoured when longer.
    public var minimumBackoff: Duration = .seconds(1)
    public var maximumBackoff: Duration = .seconds(300)
    /// Time allowed for one request.
    public var requestTimeout: Duration = .seconds(30)
    /// The platform sent with events: `ios`, `android`, `web` or `desktop`.
    public var platform = ClientOptions.defaultPlatform
    /// The app's version, sent with events.
    public var appVersion: String?
    /// Receives one line per dropped event, rejected row and recovery (never personal data).
    public var log: @Sendable (String) -> Void = { _ in }

    public init() {}

    static var defaultPlatform: String {
        #if os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
            "ios"
        #else
            "desktop"
        #endif
    }
}

/// One recommended item.
public struct Recommendation: Sendable, Equatable, Codable {
    public var itemID: String
    /// Higher is better; comparable within one list.
    public var score: Double
    /// Why it is there (`similar_to_viewed`, `trending`, …) when the list was asked to explain.
    public var reason: String?

    public init(itemID: String, score: Double, reason: String? = nil) {
        self.itemID = itemID
        self.score = score
        self.reason = reason
    }
}

/// A page of search results.
public struct SearchPage: Sendable, Equatable {
    public struct Hit: Sendable, Equatable {
        public var itemID: String
        public var score: Double
    }

    public var hits: [Hit]
    /// Matching items across all pages.
    public var total: Int
    /// Words the search read as something else: typo fixes, synonyms, completions.
    public var corrections: [String: [String]]
    /// Pass to the next call for the next page; nil on the last page.
    public var nextCursor: String?
}

/// The last feed the server sent, for showing while offline.
public struct CachedFeed: Sendable, Equatable, Codable {
    public var items: [Recommendation]
    /// When it was fetched.
    public var fetchedAt: Date

    /// How old it is now.
    public var age: TimeInterval { Date().timeIntervalSince(fetchedAt) }
}

/// The queue now.
public struct QueueStatus: Sendable, Equatable {
    /// Events (and identify calls) waiting to be sent.
    public var pending: Int
    /// Their size on disk.
    public var pendingBytes: Int
    /// Events dropped since start: the oldest, to the queue's bounds.
    public var dropped: Int
    /// Rows the server rejected since start (dropped with a log line).
    public var rejected: Int
    /// When the next upload may run after a failure; nil when not backing off.
    public var backingOffUntil: Date?
    /// Events the server took since start, and the request body bytes they needed (gzip
    /// once the server says it inflates).
    public var sentEvents: Int
    public var sentBytes: Int
}
