import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server for the tests: Debian's `postgresql` (scripts/install-deps.sh
/// installs it), `initdb` into a temporary folder, a free port on 127.0.0.1, started once per
/// test process. A watchdog shell stops it and removes the folder when the test process exits.
/// Each test gets a database of its own (`newDatabase`). `AISLE_TEST_POSTGRES_URL`
/// (postgres://user@host:port) points the tests at a server of your own instead.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()
    /// How long a test's store waits for its first connection.
    public static let connectTimeout: Duration = .seconds(120)

    public enum Failure: Error, CustomStringConvertible {
        case notInstalled(String)
        case failed(String)

        public var description: String {
            switch self {
            case .notInstalled(let detail): "PostgreSQL is not installed (\(detail)): run scripts/install-deps.sh"
            case .failed(let detail): detail
            }
        }
    }

    /// The server's base URL (no database), once started.
    private var started: Result<String, Failure>?
    private var databases = 0

    /// Where Debian puts the server's programs: the newest version's bin folder, or nil.
    public static var binaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
    }

    /// Whether the tests can have a server: an installed one, or one named by the environment.
    public static var available: Bool {
        ProcessInfo.processInfo.environment["AISLE_TEST_POSTGRES_URL"] != nil || binaries != nil
    }

    /// A URL of a new, empty database on the server (started on the first call).
    public func newDatabase() throws -> String {
        let base = try baseURL()
        databases += 1
        let name = "aisle_test_\(getpid())_\(databases)"
        try Self.run(["psql", "\(base)/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
        return "\(base)/\(name)"
    }

    private func baseURL() throws -> String {
        if let started { return try started.get() }
        let result: Result<String, Failure>
        if let url = ProcessInfo.processInfo.environment["AISLE_TEST_POSTGRES_URL"] {
            result = .success(url.hasSuffix("/") ? String(url.dropLast()) : url)
        } else {
            result = Result { try Self.start() }.mapError { $0 as? Failure ?? .failed("\($0)") }
        }
        started = result
        return try result.get()
    }

    /// initdb, then pg_ctl start on a free port, as the `postgres` user when the tests run as root
    /// (PostgreSQL refuses to run as root).
    private static func start() throws -> String {
        try Instance().base
    }

    /// A server of its own, which a test may stop and start again (an outage, a failover's
    /// restart); stopped and removed when the test process ends, like the shared one.
    public final class Instance: Sendable {
        /// postgres://aisle@127.0.0.1:PORT (no database).
        public let base: String
        private let startCommand: [String]
        private let stopCommand: [String]

        public init() throws {
            guard let bin = PostgresTestServer.binaries else {
                throw Failure.notInstalled("no /usr/lib/postgresql/*/bin/initdb")
            }
            let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-pg-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let asRoot = getuid() == 0
            if asRoot { try run(["chown", "postgres:postgres", folder]) }
            func asServer(_ arguments: [String]) -> [String] {
                asRoot ? ["runuser", "-u", "postgres", "--"] + arguments : arguments
            }
            let data = folder + "/data"
            try run(
                asServer(["\(bin)/initdb", "-D", data, "-U", "aisle", "--auth=trust", "-E", "UTF8", "--no-sync"])
            )
            let port = try freePort()
            let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
            startCommand = asServer(["\(bin)/pg_ctl", "-D", data, "-l", folder + "/log", "-o", options, "-w", "start"])
            stopCommand = asServer(["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
            try run(startCommand)
            // The watchdog: stop the server and remove its folder once this process is gone.
            try run([
                "sh", "-c",
                "(while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stopCommand.joined(separator: " ")) "
                    + ">/dev/null 2>&1; rm -rf \(folder)) >/dev/null 2>&1 &",
            ])
            base = "postgres://aisle@127.0.0.1:\(port)"
        }

        /// A URL of a new database on this server.
        public func newDatabase(_ name: String) throws -> String {
            try run(["psql", "\(base)/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
            return "\(base)/\(name)"
        }

        /// Stops the server at once (as a crash would: no clean shutdown).
        public func stop() throws { try run(stopCommand) }

        /// Starts it again on the same port and data.
        public func start() throws { try run(startCommand) }
    }

    /// Runs a program to its end; throws with its output when it fails. Spawned and waited for
    /// directly (`posix_spawnp`, `waitpid`), its output in a file: Foundation's `Process` waited
    /// forever for a pg_ctl whose server kept running.
    public static func run(_ arguments: [String]) throws {
        let log = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-pg-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure.failed("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exited normally with 0 (the wait status's low byte is 0 on exit, its next byte the code).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure.failed("\(arguments.prefix(4).joined(separator: " ")) failed: \(text.suffix(800))")
        }
    }

    /// A TCP port nothing listens on now (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure.failed("socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else { throw Failure.failed("could not bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
