public import AisleCore
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// Aisle's data on a shared PostgreSQL database, for several `aisle serve` nodes (issue 26;
/// docs/ARCHITECTURE.md). Every role of `Store`, passing the contract tests the SQLite store
/// passes, one file per role (`PostgresStore+Catalog.swift`, `+Events`, `+History`, …).
///
/// One connection pool per store (`PostgresClient`, run by the store's own task until `close`).
/// The schema is migrated once at connect, under an advisory lock, so nodes starting together
/// migrate it once. Writes to the event log update one counter row, holding its lock until they
/// commit; an append checks that row's version instead when nothing came between its read and
/// its write (`+Events`). Either way the log's sequence numbers follow commit order across nodes.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    let runner: Task<Void, Never>
    let sessions: SessionPolicy
    let appends = GroupCommit<AppendRequest, AppendOutcome>()
    /// An import's memory while it loads an empty event log (`bulkLoad`); nil otherwise.
    let bulk = Mutex<BulkAppendState?>(nil)
    /// When an optimistic append last found the event log changed under it (`+Events`).
    let optimisticMiss = Mutex<ContinuousClock.Instant?>(nil)
    /// How long a statement or transaction may take, waiting for a connection included, before
    /// the call answers `unavailable` (the database is down or overloaded) instead of hanging.
    let requestTimeout: Duration
    /// Whether the last call reached the database: while it is out of reach, calls wait
    /// `outageTimeout` at most, so a node answers 503 at once rather than after `requestTimeout`.
    let reachable = Mutex(true)
    static let outageTimeout = Duration.seconds(2)
    /// This store's name among the nodes, so it skips its own notifications.
    let node = UUID().uuidString

    /// What `connect` reads from a `postgres://` URL.
    public struct Location: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// `sslmode=require` (TLS or no connection), `prefer` or `disable` (the default: a
        /// database on the same host or a private network).
        public var tls: TLSMode

        public enum TLSMode: String, Sendable {
            case disable, prefer, require
        }

        /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=…]` (or
        /// `postgresql://`); throws `invalid` naming what is wrong, without echoing a password.
        public init(url: String) throws {
            guard let parts = URLComponents(string: url), let scheme = parts.scheme,
                ["postgres", "postgresql"].contains(scheme.lowercased())
            else {
                throw AisleError.invalid("store", "expected postgres://user@host:port/database")
            }
            guard let host = parts.host, !host.isEmpty else {
                throw AisleError.invalid("store", "the URL names no host")
            }
            guard let user = parts.user, !user.isEmpty else {
                throw AisleError.invalid("store", "the URL names no user")
            }
            let database = String(parts.path.drop { $0 == "/" })
            guard !database.isEmpty, !database.contains("/") else {
                throw AisleError.invalid("store", "the URL names no database (postgres://user@host:port/database)")
            }
            var tls = TLSMode.disable
            for item in parts.queryItems ?? [] {
                guard item.name == "sslmode" else {
                    throw AisleError.invalid(
                        "store",
                        "unknown URL parameter \"\(item.name.prefix(40))\" (sslmode is known)"
                    )
                }
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw AisleError.invalid("store", "sslmode must be disable, prefer or require")
                }
                tls = mode
            }
            self.host = host
            self.port = parts.port ?? 5432
            self.user = user
            self.password = parts.password
            self.database = database
            self.tls = tls
        }
    }

    private init(client: PostgresClient, logger: Logger, sessions: SessionPolicy, requestTimeout: Duration) {
        self.client = client
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.sessions = sessions
        runner = Task { await client.run() }
    }

    /// Connects to the database at `url` (see `Location`) with at most `maximumConnections`, and
    /// brings its schema up to date. Throws `unavailable` when the database cannot be reached
    /// within `connectTimeout`.
    public static func connect(
        url: String,
        maximumConnections: Int = 10,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(15),
        sessions: SessionPolicy = SessionPolicy()
    ) async throws -> PostgresStore {
        let logger = Logger(label: "aisle.postgres")
        let location = try Location(url: url)
        var configuration = PostgresClient.Configuration(
            host: location.host,
            port: location.port,
            username: location.user,
            password: location.password,
            database: location.database,
            tls: {
                switch location.tls {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            }()
        )
        configuration.options.maximumConnections = max(1, maximumConnections)
        // Prepared statements skip the parse, but are planned for each call's values: a plan
        // cached while a table was small (a sequential scan) would stay as it grows.
        configuration.options.additionalStartupParameters = [("plan_cache_mode", "force_custom_plan")]
        configuration.options.connectTimeout = connectTimeout
        let store = PostgresStore(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            logger: logger,
            sessions: sessions,
            requestTimeout: requestTimeout
        )
        // The pool retries a refused connection for as long as it is asked to wait: the first
        // use gets the connect timeout, so an unreachable database is an error, not a hang. The
        // migration is not waited for once the time is up (a cancelled lease may take the pool's
        // retry time to notice), and the pool is abandoned, not closed, for the same reason.
        do {
            guard try await Self.first(within: connectTimeout, { try await store.migrate() }) != nil else {
                throw AisleError(code: .unavailable, message: "no connection within \(connectTimeout)")
            }
        } catch {
            store.runner.cancel()
            throw AisleError(
                code: .unavailable,
                message: "PostgreSQL at \(location.host):\(location.port)/\(location.database): \(Self.describe(error))"
            )
        }
        return store
    }

    /// `operation`'s result, or nil when `timeout` passes first; then the operation is cancelled
    /// and left to end on its own (this returns at once). The timer ends with the operation.
    static func first<T: Sendable>(
        within timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        let once = FirstClaim()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, any Error>) in
            let work = Task {
                do {
                    let value = try await operation()
                    if once.claim() { continuation.resume(returning: value) }
                } catch {
                    if once.claim() { continuation.resume(throwing: error) }
                }
                once.cancelTimer()
            }
            let clock = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                work.cancel()
                if once.claim() { continuation.resume(returning: nil) }
            }
            once.setTimer(clock)
        }
    }

    /// Runs `body` in a transaction on one pooled connection, within `requestTimeout`; an error
    /// `body` threw comes out as itself (PostgresNIO wraps it), so a `forbidden` or `conflict`
    /// reaches the caller as such.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let (client, logger) = (self.client, self.logger)
        return try await guarded {
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
                throw error
            }
        }
    }

    /// Runs a statement on a pooled connection, within `requestTimeout`.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let client = self.client
        return try await guarded { try await client.query(query, logger: logger) }
    }

    /// Runs `body` on one pooled connection, within `requestTimeout`.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        let client = self.client
        return try await guarded { try await client.withConnection { connection in try await body(connection) } }
    }

    /// `operation`'s result within `requestTimeout`; an unreachable database (no connection, a
    /// dropped one, a server shutting down, no answer in time) is `unavailable` with a
    /// `Retry-After`, so a node answers 503 and recovers by itself once the database is back.
    func guarded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = reachable.withLock { $0 } ? requestTimeout : Self.outageTimeout
        do {
            guard let value = try await Self.first(within: timeout, operation) else {
                reachable.withLock { $0 = false }
                throw AisleError(
                    code: .unavailable,
                    message: "the database did not answer within \(timeout); try again shortly",
                    retryAfterSeconds: Self.retryAfterSeconds
                )
            }
            reachable.withLock { $0 = true }
            return value
        } catch let error as AisleError {
            throw error
        } catch {
            guard let unavailable = Self.unavailable(error) else { throw error }
            reachable.withLock { $0 = false }
            throw unavailable
        }
    }

    /// Seconds a client is told to wait after the database could not be reached.
    static let retryAfterSeconds = 2

    /// `unavailable` for an error that says the database is out of reach, nil for any other.
    static func unavailable(_ error: any Error) -> AisleError? {
        guard let error = error as? PSQLError else { return nil }
        if error.code == .server {
            // Connection exceptions (08), an operator's shutdown or a recovery (57), too many
            // connections (53) are the database's state; other server errors are the request's.
            let state = error.serverInfo?[.sqlState] ?? ""
            guard ["08", "57", "53"].contains(String(state.prefix(2))) else { return nil }
        }
        return AisleError(
            code: .unavailable,
            message: "the database is unreachable (\(describe(error))); try again shortly",
            retryAfterSeconds: retryAfterSeconds
        )
    }

    /// Closes the pool's connections.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    /// A PostgreSQL error's own message (the server's, when it sent one).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return message
        }
        if let error = error as? AisleError { return error.message }
        // PSQLError's own description hides everything; its code is safe to show.
        if let error = error as? PSQLError { return "\(error.code)" }
        return String(describing: error).prefix(300).description
    }
}

/// A flag that only its first claim wins (which of two racing tasks resumes a continuation).
final class FirstClaim: Sendable {
    private let claimed = Mutex(false)

    private let timer = Mutex<Task<Void, Never>?>(nil)

    /// Keeps the race's timer, to be cancelled when the operation ends (at once if it has).
    func setTimer(_ task: Task<Void, Never>) {
        timer.withLock { $0 = task }
        if claimed.withLock({ $0 }) { task.cancel() }
    }

    func cancelTimer() {
        timer.withLock { $0?.cancel() }
    }

    /// True for the first caller only.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
