import AisleCore
import AisleTestPostgres
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `aisle serve` binary on a loopback port chosen by the OS, in its own data folder.
final class ServerProcess: @unchecked Sendable {
    // Mutable state is touched only by the test that owns the server, one call at a time.
    static let adminKey = "e2e-admin-key-0000000"
    static let ingestKey = "e2e-ingest-key-000000"

    let dataDirectory: String
    private var process: Process?
    private var output = OutputCollector()
    private let logCollector = OutputCollector()
    private(set) var port = 0

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The shared database the server stores into (`--store`), nil for the embedded store.
    private(set) var store: String?

    /// A server in `dataDirectory` (a new temporary folder by default), on the PostgreSQL
    /// database `store` names if given. With `AISLE_E2E_POSTGRES` set to a server's base URL
    /// (postgres://user@host:port), a server given no store gets a new database there: the
    /// whole suite then runs on PostgreSQL (`make test-postgres-e2e`).
    init(dataDirectory: String? = nil, store: String? = nil) {
        self.dataDirectory =
            dataDirectory
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-e2e-\(UUID().uuidString)")
        self.store = store
    }

    /// With `AISLE_E2E_POSTGRES` set, the database of the data folder `directory` (made on
    /// first use, so a server restarted on the folder, or a command run on it, finds its data).
    static func suiteDatabase(for directory: String) throws -> String? {
        guard let base = ProcessInfo.processInfo.environment["AISLE_E2E_POSTGRES"] else { return nil }
        let directory = (directory as NSString).standardizingPath
        return try suiteDatabases.withLock { databases in
            if let known = databases[directory] { return known }
            let name = "aisle_e2e_\(getpid())_\(databases.count)"
            try PostgresTestServer.run(["psql", "\(base)/postgres", "-q", "-c", "CREATE DATABASE \(name)"])
            databases[directory] = "\(base)/\(name)"
            return "\(base)/\(name)"
        }
    }

    /// Whether the suite runs on PostgreSQL (`AISLE_E2E_POSTGRES`): tests that read the SQLite
    /// files of a data folder do not apply.
    static var suiteOnPostgres: Bool { ProcessInfo.processInfo.environment["AISLE_E2E_POSTGRES"] != nil }

    private static let suiteDatabases = Mutex<[String: String]>([:])

    /// The binary beside the test bundle (`swift build --build-tests` builds both), or AISLE_BINARY.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["AISLE_BINARY"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the bundle is an executable in the build folder; elsewhere a directory tree.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("aisle").path),
            folder.path != "/"
        {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("aisle").path
    }

    /// Starts the server and waits until it says it is ready (listening, the search index and
    /// the saved model loaded from the data folder), so tests never poll for a restarted
    /// server's state. `keys: false` leaves the keys to the server (generated on first start).
    /// `logLevel` other than warning, with `captureLogs`, keeps the server's log lines (its
    /// standard error) in `logs` instead of passing them through.
    func start(
        keys: Bool = true,
        environment extra: [String: String] = [:],
        logLevel: String = "warning",
        captureLogs: Bool = false
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "serve", "--data", dataDirectory, "--host", "127.0.0.1", "--port", "0", "--log-level", logLevel,
        ]
        if store == nil { store = try Self.suiteDatabase(for: dataDirectory) }
        if let store { process.arguments? += ["--store", store] }
        var environment = ProcessInfo.processInfo.environment
        environment["AISLE_ADMIN_KEY"] = keys ? Self.adminKey : nil
        environment["AISLE_INGEST_KEY"] = keys ? Self.ingestKey : nil
        // No text encoder unless a test asks for one (loading it costs seconds in a debug build).
        environment["AISLE_MODEL_DIR"] = "none"
        environment["AISLE_MULTILINGUAL_MODEL"] = "none"
        // The whole suite shares 2 cores: a statement may wait long for its turn there.
        environment["AISLE_STORE_TIMEOUT_SECONDS"] = "60"
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        if captureLogs {
            let errors = Pipe()
            logCollector.follow(errors.fileHandleForReading)
            process.standardError = errors
        } else {
            process.standardError = FileHandle.standardError
        }
        output = OutputCollector()
        let collector = output
        try process.run()
        collector.follow(pipe.fileHandleForReading)
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let port = collector.listeningPort(), collector.text.contains("aisle: ready (") {
                self.port = port
                return
            }
            if !process.isRunning {
                throw AisleError(
                    code: .unavailable,
                    message: "aisle serve exited with \(process.terminationStatus): \(collector.text)"
                )
            }
            usleep(20_000)
        }
        process.terminate()
        throw AisleError(code: .unavailable, message: "aisle serve did not start within 60 s: \(collector.text)")
    }

    /// The log lines a server started with `captureLogs` wrote so far.
    var logs: String { logCollector.text }

    /// The server's resident memory (Linux `/proc`), nil when it is not running.
    var residentMiB: Int? {
        guard let pid = process?.processIdentifier,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 / 1024 }
    }

    /// Everything the server printed on standard output so far.
    var printed: String { output.text }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? 0 }
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: no chance to flush or clean up.
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

/// Collects a child's output from the pipe's reader thread.
final class OutputCollector: @unchecked Sendable {
    // Guarded by `lock`: appended on the pipe's thread, read by the test.
    private let lock = NSLock()
    private var data = Data()

    /// Reads `handle` on a thread of its own until the end of file (the child exited), and
    /// only then lets it close. Not `readabilityHandler`: its dispatch source stays registered
    /// with epoll when the handle closes while it is active, and with servers started in
    /// parallel (their children inheriting the pipe) epoll can report the closed descriptor
    /// after its watcher was freed; a CI run crashed in libdispatch's event loop
    /// (`_dispatch_event_loop_drain`) with these handlers in place.
    func follow(_ handle: FileHandle) {
        let thread = Thread { [self] in
            // `read(2)`, which returns what is there (FileHandle's `read(upToCount:)` waits to fill it).
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    append(Data(buffer[0..<count]))
                } else if count == 0 || errno != EINTR {
                    return
                }
            }
        }
        thread.name = "aisle-e2e-output"
        thread.start()
    }

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    func listeningPort() -> Int? {
        guard let range = text.range(of: "listening on http://127.0.0.1:") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
