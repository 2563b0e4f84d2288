public import AisleCore
import AisleMath
public import AisleRecommend
public import AisleStore
public import AisleText
import Foundation

/// Builds the engine's parts from the configuration: the composition root shared by `serve`,
/// `demo`, `import` and `train`. `report` receives one line per choice made (which review
/// model, which text model), for the console.
public enum EngineSetup {
    /// A setting that cannot be used, naming its command-line option.
    public struct Failure: Error, CustomStringConvertible {
        public var option: String
        public var message: String
        public var description: String { "\(option): \(message)" }
    }

    /// The engine over its store (the data folder's SQLite store, or the PostgreSQL database
    /// `configuration.store.url` names), with the recommender, the review model and the text
    /// model the configuration names. Takes the data folder's lock for as long as the returned
    /// lock lives: with PostgreSQL the folder still holds this node's local files.
    public static func open(
        configuration: AisleConfiguration,
        imageDownloader: (any ImageDownloader)? = nil,
        chatModel: (any ChatModel)? = nil,
        report: (String) -> Void
    ) async throws -> (engine: Engine, lock: DataDirectoryLock) {
        let directory = configuration.store.dataDirectory
        let lock = try DataDirectoryLock(directory: directory)
        let store = try await store(configuration: configuration, report: report)
        let dataKey = try PersonalDataSeal.key(for: configuration)
        try await checkSharedDataKey(dataKey, store: store)
        let recommendations = recommender(configuration: configuration, store: store)
        let textModels = try textModels(configuration: configuration, report: report)
        let reviews = try reviewAnalyzer(configuration: configuration, textModels: textModels, report: report)
        let engine = Engine(
            configuration: configuration,
            store: store,
            recommendations: recommendations,
            reviews: reviews,
            encoder: textModels.search,
            textModels: textModels,
            dataKey: dataKey,
            imageDownloader: imageDownloader,
            chatModel: chatModel
        )
        return (engine, lock)
    }

    /// The store `configuration` names: the PostgreSQL database of `store.url`, or the SQLite
    /// store in the data folder. A database that cannot be reached is a `--store` failure.
    public static func store(configuration: AisleConfiguration, report: (String) -> Void) async throws
        -> any BulkLoadingStore
    {
        guard let url = configuration.store.url else {
            return try SQLiteStore.open(
                directory: configuration.store.dataDirectory,
                durability: configuration.store.durability,
                sessions: configuration.ingest.sessions
            )
        }
        let location: PostgresStore.Location
        do {
            location = try PostgresStore.Location(url: url)
        } catch {
            throw Failure(option: "--store", message: "\(error)")
        }
        do {
            let store = try await PostgresStore.connect(
                url: url,
                maximumConnections: configuration.store.maximumConnections,
                connectTimeout: configuration.store.connectTimeout,
                requestTimeout: configuration.store.requestTimeout,
                sessions: configuration.ingest.sessions
            )
            report(
                "store: PostgreSQL at \(location.host):\(location.port)/\(location.database) (up to \(configuration.store.maximumConnections) connections)"
            )
            return store
        } catch {
            throw Failure(option: "--store", message: "\(error)")
        }
    }

    /// Nodes on a shared store must seal profiles with one data key: the first node records the
    /// key's fingerprint (a SHA-256, never the key) in the store, and a node with another key is
    /// refused before it can seal a profile the others cannot open.
    static func checkSharedDataKey(_ key: [UInt8], store: any Store) async throws {
        guard store.isShared else { return }
        let fingerprint = PersonalDataSeal.fingerprint(key)
        if let stored = try await store.apiKeyHash(scope: PersonalDataSeal.fingerprintScope) {
            guard stored == fingerprint else {
                throw Failure(
                    option: "AISLE_DATA_KEY",
                    message:
                        "this node's data key is not the one the shared store's profiles are sealed with; give every node the same AISLE_DATA_KEY (or key file)"
                )
            }
            return
        }
        try await store.setAPIKeyHash(fingerprint, scope: PersonalDataSeal.fingerprintScope, at: .now())
    }

    /// The recommender over `store`, saving its snapshot in the data folder. Sets OpenBLAS to
    /// the training threads; `textEncoder` may set it back to one thread after (see there).
    static func recommender(configuration: AisleConfiguration, store: any Store) -> RecommendationService {
        let parallelism = threads(configuration)
        BLAS.setThreads(parallelism)
        var settings = RecommendationService.Settings(
            parallelism: parallelism,
            snapshotPath: snapshotPath(configuration)
        )
        settings.weights = EventWeights(overrides: configuration.recommend.eventWeights)
        settings.trainer.interactionHalfLifeSeconds = configuration.recommend.interactionHalfLife.map {
            Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
        }
        if !configuration.recommend.transformer { settings.trainer.transformer = nil }
        settings.trainer.transformerCheckpointPath = (configuration.store.dataDirectory as NSString)
            .appendingPathComponent("models/transformer.checkpoint")
        return RecommendationService(store: store, settings: settings, initial: .empty(at: .now()))
    }

    /// Where trainings save the recommendation snapshot and `serve` loads it from.
    static func snapshotPath(_ configuration: AisleConfiguration) -> String {
        (configuration.store.dataDirectory as NSString).appendingPathComponent("models/snapshot.aisle")
    }

    /// The review analyser of `configuration`: its classifier (`--sentiment-model`) and, unless
    /// `--review-embeddings none`, the shipped embedding head over multilingual-e5-small, taken
    /// from `textModels` (an `aisle import` without a server: loaded on the first batch).
    public static func reviewAnalyzer(
        configuration: AisleConfiguration,
        textModels: TextModels?,
        report: (String) -> Void
    ) throws -> ReviewAnalyzer {
        let analyzer = try reviewAnalyzer(
            configuration.reviews.sentimentModel,
            dataDirectory: configuration.store.dataDirectory,
            report: report
        )
        guard configuration.reviews.readsEmbeddings else {
            report("reviews: embeddings not read (--review-embeddings none)")
            return analyzer
        }
        let name = TextEncoder.multilingualModelName
        var models = textModels
        if models == nil, case .folder(let path) = configuration.text.multilingualModel,
            let file = packedModelFile(path)
        {
            let parallelism = threads(configuration)
            let load: @Sendable () throws -> TextEncoder = { try TextEncoder.load(file, parallelism: parallelism) }
            models = TextModels(loaded: [], lazy: [(name, load)], search: nil)
        }
        guard let models, models.names.contains(name) else {
            report("reviews: \(name) is not installed, so polarity does not read embeddings (make models)")
            return analyzer
        }
        let started = ContinuousClock.now
        guard let head = try EmbeddingPolarity.shipped() else {
            report("reviews: no embedding head beside the binary (aisle_AisleText.resources)")
            return analyzer
        }
        // The tower's blocks are read and rounded at start: say what that costs.
        let loaded = head.tower == nil ? "" : " through its tuned blocks (loaded in \(milliseconds(since: started)) ms)"
        report("reviews: polarity also reads \(name) embeddings\(loaded)")
        let reader = ReviewAnalyzer.EmbeddingReader(polarity: head) { texts in
            guard let encoder = try? await models.encoder(named: name) else { return nil }
            // The encoder's batch runs on its own workers; keep it off Swift's cooperative pool.
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(returning: head.vectors(of: texts, encoder: encoder))
                }
            }
        }
        return ReviewAnalyzer(model: analyzer.model, calibration: analyzer.calibration, embeddings: reader)
    }

    /// Whole milliseconds since `start`, for the start-up report.
    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    /// The review analyser's classifier, from `--sentiment-model`: auto (a model trained into
    /// the data folder, else the shipped one, else the lexicon alone), none, or a model file.
    public static func reviewAnalyzer(
        _ choice: ReviewConfiguration.SentimentModel,
        dataDirectory: String,
        report: (String) -> Void
    ) throws -> ReviewAnalyzer {
        switch choice {
        case .none:
            report("reviews: lexicon only (--sentiment-model none)")
            return ReviewAnalyzer(model: nil)
        case .auto:
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
        case .file(let path):
            do {
                let model = try SentimentModel.load(from: path)
                report("reviews: sentiment model \(path)")
                return ReviewAnalyzer(model: model)
            } catch {
                throw Failure(option: "--sentiment-model", message: "\(error)")
            }
        }
    }

    /// The text encoders of `configuration` (none when both are `none` or missing), and the
    /// one search uses: the configured one, or for `auto` all-MiniLM-L6-v2 when it is there,
    /// else multilingual-e5-small. Search's model loads now; the other loads now or, with
    /// `loadLazily`, on its first request.
    public static func textModels(configuration: AisleConfiguration, report: (String) -> Void) throws -> TextModels {
        let text = configuration.text
        var available: [(name: String, path: String, option: String)] = []
        if case .folder(let folder) = text.model {
            if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("model.safetensors"))
            {
                available.append(("all-MiniLM-L6-v2", folder, "--model-dir"))
            } else {
                report("no text encoder at \(folder) (make models fetches it): all-MiniLM-L6-v2 is not served")
            }
        }
        if case .folder(let path) = text.multilingualModel {
            if let file = packedModelFile(path) {
                available.append((TextEncoder.multilingualModelName, file, "--multilingual-model"))
            } else {
                report(
                    "no multilingual text encoder at \(path) (make models fetches it): multilingual-e5-small is not served"
                )
            }
        }
        let searchName: String?
        switch text.searchModel {
        case .auto:
            // MiniLM while it is there: on the hand-judged set, e5 alone ranks English queries
            // worse (hybrid NDCG@10 0.855 against 0.902, docs/SEARCH.md).
            searchName = available.first?.name
        case .named(let name):
            guard available.contains(where: { $0.name == name }) else {
                throw Failure(
                    option: "--search-model",
                    message: "\(name) is not loaded (run make models, or check its option)"
                )
            }
            searchName = name
        }
        if available.isEmpty {
            report("no text encoder: /v1/embeddings answers 503, items are not embedded and search is lexical")
        }
        let parallelism = threads(configuration)
        var loaded: [TextEncoder] = []
        var lazy: [(name: String, load: @Sendable () throws -> TextEncoder)] = []
        for model in available {
            if text.loadLazily && model.name != searchName {
                let path = model.path
                lazy.append((model.name, { try TextEncoder.load(path, parallelism: parallelism) }))
                report("text encoder \(model.name) loads on its first request")
                continue
            }
            let start = ContinuousClock.now
            let encoder: TextEncoder
            do {
                encoder = try TextEncoder.load(model.path, parallelism: parallelism)
            } catch {
                throw Failure(option: model.option, message: "\(error)")
            }
            let use = model.name == searchName ? "; search uses it, items are embedded in the background" : ""
            report("text encoder \(encoder.name) loaded in \(milliseconds(since: start)) ms\(use)")
            loaded.append(encoder)
        }
        if !available.isEmpty {
            // OpenBLAS single-threaded: the encoder splits its products between its own workers,
            // 1.3x faster for batches than OpenBLAS's threads (docs/BENCHMARKS.md), and training
            // parallelises on the same workers; only ALS's small Gram products run on one thread.
            // This must come after `recommender`, which sets the training threads.
            BLAS.setThreads(.serial)
        }
        return TextModels(loaded: loaded, lazy: lazy, search: loaded.first { $0.name == searchName })
    }

    /// The packed model file at `path` (a folder holding `e5-small-q4.bin`, or the file), if there.
    static func packedModelFile(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return nil }
        let file = isFolder.boolValue ? (path as NSString).appendingPathComponent(TextEncoder.packedFileName) : path
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    static func threads(_ configuration: AisleConfiguration) -> Parallelism {
        configuration.recommend.threads.map(Parallelism.init(threads:)) ?? .machine
    }
}
