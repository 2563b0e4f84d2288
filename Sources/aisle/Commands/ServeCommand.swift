import AisleCore
import AisleMath
import AisleRecommend
import AisleSearch
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
        let lock = try DataDirectoryLock(directory: directory)
        let store = try SQLiteStore.open(
            directory: directory,
            durability: configuration.store.durability,
            sessions: configuration.ingest.sessions
        )
        let (keys, generated) = try await KeyRing.load(configuration: configuration.keys, store: store)
        if printKeys {
            for (scope, key) in generated.sorted(by: { $0.key < $1.key }) {
                Console.line(
                    "aisle: generated the \(scope.rawValue) key (shown once, stored hashed in \(directory)): \(key)"
                )
            }
        }
        let tokens = try await UserTokens.load(store: store, mode: configuration.keys.userTokens)
        let recommendations = RecommenderSetup.service(configuration: configuration, store: store)
        let reviews = try ReviewSetup.analyzer(
            setting: configuration.reviews.sentimentModel,
            dataDirectory: directory
        ) { Console.line("aisle: \($0)") }
        let encoder = try TextSetup.encoder(configuration: configuration)
        var tuning = SearchTuning()
        tuning.suggestionMinimumShoppers = configuration.search.autocompleteMinimumShoppers
        // Similarities spread differently per model: the bar for a match by meaning is its own.
        if let encoder { tuning.calibrate(forModel: encoder.name) }
        let search = SearchEngine(tuning: tuning)
        let embedder = encoder.map { ItemEmbedder(encoder: $0, store: store, search: search) }
        let host = configuration.server.host
        let app = AisleApplication.build(
            configuration: configuration,
            store: store,
            keys: keys,
            tokens: tokens,
            recommendations: recommendations,
            reviews: reviews,
            embedder: embedder,
            search: search,
            logger: logger
        ) { port in
            Console.line("aisle: listening on http://\(host):\(port) (data in \(directory))")
            await onListening(port)
        }
        try await app.runService()
        withExtendedLifetime(lock) {}
        Console.line("aisle: stopped")
    }
}

/// The recommender over a store, as `serve`, `demo` and `train` set it up.
enum RecommenderSetup {
    static func service(configuration: AisleConfiguration, store: any Store) -> RecommendationService {
        let parallelism = configuration.recommend.threads.map(Parallelism.init(threads:)) ?? .machine
        BLAS.setThreads(parallelism)
        let path = (configuration.store.dataDirectory as NSString).appendingPathComponent("models/snapshot.aisle")
        var settings = RecommendationService.Settings(parallelism: parallelism, snapshotPath: path)
        settings.weights = EventWeights(overrides: configuration.recommend.eventWeights)
        settings.trainer.interactionHalfLifeSeconds = configuration.recommend.interactionHalfLifeDays.map {
            $0 * 86_400
        }
        return RecommendationService(store: store, settings: settings, initial: .empty(at: .now()))
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

/// The review analyser, from `--sentiment-model`: shared by `serve`, `import reviews` and `demo`.
enum ReviewSetup {
    /// `setting` is auto, none or a model file; `report` says which model is in use.
    static func analyzer(
        setting: String,
        dataDirectory: String,
        report: (String) -> Void
    ) throws -> ReviewAnalyzer {
        switch setting {
        case "none":
            report("reviews: lexicon only (--sentiment-model none)")
            return ReviewAnalyzer(model: nil)
        case "auto":
            let trained = (dataDirectory as NSString).appendingPathComponent("models/sentiment.aisle")
            if FileManager.default.fileExists(atPath: trained) {
                report("reviews: sentiment model \(trained)")
                return ReviewAnalyzer(model: try SentimentModel.load(from: trained))
            }
            if let shipped = try SentimentModel.shipped() {
                report("reviews: the shipped sentiment model")
                return ReviewAnalyzer(model: shipped)
            }
            report(
                "reviews: no sentiment model beside the binary (aisle_AisleText.resources), so the lexicon decides alone; aisle train-sentiment --out \(trained) makes one"
            )
            return ReviewAnalyzer(model: nil)
        default:
            do {
                let model = try SentimentModel.load(from: setting)
                report("reviews: sentiment model \(setting)")
                return ReviewAnalyzer(model: model)
            } catch {
                throw ValidationError("--sentiment-model: \(error)")
            }
        }
    }
}

/// The text encoder the server loads, from `--model-dir`.
enum TextSetup {
    /// The text encoder of `configuration`, nil when there is none (`none`, or no model there).
    static func encoder(configuration: AisleConfiguration) throws -> TextEncoder? {
        let folder = configuration.text.modelDirectory
        if folder == "none" { return nil }
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("model.safetensors"))
        else {
            Console.line(
                "aisle: no text encoder at \(folder) (make models fetches it): /v1/embeddings answers 503 and items are not embedded"
            )
            return nil
        }
        let clock = ContinuousClock()
        let start = clock.now
        let encoder: TextEncoder
        do {
            let workers = configuration.recommend.threads.map(Parallelism.init(threads:)) ?? .machine
            encoder = try TextEncoder(folder: folder, parallelism: workers)
        } catch {
            throw ValidationError("--model-dir: \(error)")
        }
        let elapsed = clock.now - start
        // OpenBLAS single-threaded: the encoder splits its products between its own workers,
        // 1.3x faster for batches than OpenBLAS's threads (docs/BENCHMARKS.md), and training
        // parallelises on the same workers; only ALS's small Gram products run on one thread.
        BLAS.setThreads(.serial)
        Console.line(
            "aisle: text encoder \(encoder.name) loaded in \(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000) ms; items are embedded in the background"
        )
        return encoder
    }
}
