import AisleCore
import AisleEngine
import AisleServer
import AisleStore
import AisleText
import ArgumentParser
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API on the embedded store (stops gracefully on SIGTERM or SIGINT)."
    )

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try options.configuration(environment: environment)
        let logger = LogSetup.bootstrap(level: options.resolvedLogLevel(environment: environment))
        try await Server.run(configuration: configuration, logger: logger, printKeys: true)
    }
}

/// Starting the server, shared by `serve` and `demo`.
enum Server {
    static func run(
        configuration: AisleConfiguration,
        logger: Logger,
        printKeys: Bool,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let directory = configuration.store.dataDirectory
        // Where the data is, as the console says it (never a database password).
        let storeText =
            configuration.store.url.flatMap { try? PostgresStore.Location(url: $0) }.map {
                "PostgreSQL \($0.host):\($0.port)/\($0.database); local files in \(directory)"
            } ?? "data in \(directory)"
        let (engine, lock) = try await Setup.engine(configuration: configuration)
        let (keys, generated) = try await KeyRing.load(configuration: configuration.keys, engine: engine)
        if printKeys {
            for (scope, key) in generated.sorted(by: { $0.key < $1.key }) {
                Console.line(
                    "aisle: generated the \(scope.rawValue) key (shown once, stored hashed in the store): \(key)"
                )
            }
        }
        let tokens = try await UserTokens.load(engine: engine, mode: configuration.keys.userTokens)
        let host = configuration.server.host
        if configuration.server.rateLimit == nil && !["127.0.0.1", "::1", "localhost"].contains(host) {
            Console.error(
                "aisle: warning: listening on \(host) without a rate limit; set --rate-limit (requests a second per key and address) before exposing the server"
            )
        }
        if AisleApplication.webAppsMissing(configuration) {
            Console.error(
                "aisle: warning: the storefront and dashboard files are not beside the binary (copy aisle_AisleServer.resources with it); / and /dashboard answer 404"
            )
        }
        let app = AisleApplication.build(engine: engine, keys: keys, tokens: tokens, logger: logger) { port in
            Console.line("aisle: listening on http://\(host):\(port) (\(storeText))")
            let web = configuration.web
            if web.servesStorefront || web.servesDashboard {
                let apps = [
                    web.servesStorefront ? "storefront http://\(host):\(port)/" : nil,
                    web.servesDashboard ? "dashboard http://\(host):\(port)/dashboard" : nil,
                ].compactMap { $0 }
                Console.line("aisle: \(apps.joined(separator: ", ")) (--env \(web.environment.rawValue))")
            }
            // Readiness is the engine's to say: announce it without holding up the server's start.
            Task {
                await engine.waitUntilStarted()
                Console.line("aisle: ready (search index and saved model loaded; /ready answers 200)")
            }
            await onListening(port)
        }
        try await app.runService()
        withExtendedLifetime(lock) {}
        Console.line("aisle: stopped")
    }
}

/// The engine's setup as the commands use it: its choices printed as `aisle: …` lines, and a
/// setting it cannot use reported as the command-line error it is.
enum Setup {
    static func engine(configuration: AisleConfiguration) async throws -> (engine: Engine, lock: DataDirectoryLock) {
        let downloader = SafeImageDownloader(
            allowPrivateAddresses: configuration.images.fetchAllowsPrivateAddresses,
            timeout: configuration.images.fetchTimeout
        )
        let chatModel = configuration.assistant.languageModelURL.map { url in
            let assistant = configuration.assistant
            let key = ProcessInfo.processInfo.environment[assistant.languageModelKeyVariable]
            let shown = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
            let limit = Int(assistant.languageModelTimeout / .milliseconds(1))
            let keyNote = key == nil ? "no key" : "key from \(assistant.languageModelKeyVariable)"
            report(
                "the assistant phrases shared-fact replies with \(assistant.languageModelName) at \(shown) (\(keyNote), \(limit) ms limit)"
            )
            return OpenAIChatModel(
                url: url,
                model: assistant.languageModelName,
                apiKey: key,
                timeout: assistant.languageModelTimeout
            )
        }
        return try await mappingFailures {
            try await EngineSetup.open(
                configuration: configuration,
                imageDownloader: downloader,
                chatModel: chatModel,
                report: report
            )
        }
    }

    static func report(_ line: String) {
        Console.line("aisle: \(line)")
    }

    static func mappingFailures<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let failure as EngineSetup.Failure {
            throw ValidationError(failure.description)
        }
    }
}

/// Unbuffered output lines, so a supervising process sees them at once.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

enum LogSetup {
    /// Sets up swift-log for the process (once, at start: swift-log's bootstrap is global).
    static func bootstrap(level: String) -> Logger {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
        var logger = Logger(label: "aisle")
        logger.logLevel = parsed
        return logger
    }
}
