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
/// migrate it once. Event appends lock one counter row until they commit (`+Events`), so the
/// log's sequence numbers follow commit order across nodes.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    let runner: Task<Void, Never>
    let sessions: SessionPolicy
    let appends = GroupCommit<AppendRequest, AppendOutcome>()
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

    private init(client: PostgresClient, logger: Logger, sessions: SessionPolicy) {
        self.client = client
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
        configuration.options.connectTimeout = connectTimeout
        let store = PostgresStore(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            logger: logger,
            sessions: sessions
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
    /// and left to end on its own (this returns at once).
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
            }
            Task {
                try? await Task.sleep(for: timeout)
                work.cancel()
                if once.claim() { continuation.resume(returning: nil) }
            }
        }
    }

    /// Runs `body` in a transaction on one pooled connection; an error `body` threw comes out as
    /// itself (PostgresNIO wraps it), so a `forbidden` or `conflict` reaches the caller as such.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
            throw error
        }
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
        return String(describing: error).prefix(300).description
    }
}

/// A flag that only its first claim wins (which of two racing tasks resumes a continuation).
final class FirstClaim: Sendable {
    private let claimed = Mutex(false)

    /// True for the first caller only.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
