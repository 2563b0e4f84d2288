public import AisleCore
public import AisleRecommend
public import AisleSearch
public import AisleStore
public import AisleText
import Foundation
import Synchronization

/// Aisle's application layer: every workflow that ties the store to the engines (catalog,
/// events, identity, reviews, search, recommendations, users) is one call here, so the HTTP
/// server and the CLI only translate. Extensions by concern live in `Engine+*.swift`; the
/// background work it owns (training schedule, item embedding, search-index flush, store
/// upkeep) is in `Engine+Services.swift`.
///
/// Safe to share: every part is `Sendable` and keeps its own locks.
public final class Engine: Sendable {
    public let configuration: AisleConfiguration
    /// The store behind every workflow. Read directly only where no workflow applies (keys,
    /// readiness); writes go through the engine so that every part hears of them.
    public let store: any Store
    let recommendations: RecommendationService
    let searchEngine: SearchEngine
    let reviewAnalyzer: ReviewAnalyzer
    /// Search's text model; nil without one: no semantic search, no item embeddings.
    let encoder: TextEncoder?
    /// Every text model, for `/v1/embeddings` and `/v1/models`.
    let textModels: TextModels
    let embedder: ItemEmbedder?
    /// What the services still load at start (for readiness).
    let startup = StartupProgress()
    /// Users whose consent restricts their feed or the storing of their events.
    let consents = ConsentRegistry()
    /// Experiments and exposures in front of the store.
    let exposureLog = ExposureLog()
    /// Experiment results' incremental aggregates.
    let experimentTallies = ExperimentTallies()
    /// The bandits in use and their recent choices.
    let bandits = BanditRegistry()
    /// Seals personal profile attributes at rest; nil stores them as sent (tests).
    let seal: PersonalDataSeal?
    /// The assistant's intent model and FAQ index.
    let assistant = AssistantKnowledge()
    /// Product photos' files: originals and the rendition cache.
    let images: ImageLibrary
    /// Product photos' looks, for visually similar items and near-duplicates.
    let visualIndex = VisualIndex()
    /// The store's counts and when they were read: dashboards poll every few seconds, and
    /// counting reads whole tables (`storeCounts`).
    let countsCache = Mutex<(counts: StoreCounts, at: ContinuousClock.Instant)?>(nil)
    /// Downloads items' `image_url` photos (nil: they are not fetched).
    let imageDownloader: (any ImageDownloader)?
    /// Phrases the assistant's shareable replies with a language model (nil: templates alone).
    let replyRewriter: ReplyRewriter?
    /// Ticks when another node may have made or revoked a key (`madeKeysChanged`).
    let madeKeyChanges: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) =
        AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    /// Wakes the image_url fetcher after catalog changes.
    let imageURLChanges: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) =
        AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    /// An engine from parts already built (`EngineSetup.open` builds them from the
    /// configuration). `encoder` is search's text model, `textModels` all of them (by default
    /// `encoder` alone); `search` gets the encoder's calibrated bars for meaning-only matches;
    /// `chatModel` phrases the assistant's replies (docs/ASSISTANT.md#the-language-model).
    public init(
        configuration: AisleConfiguration,
        store: any Store,
        recommendations: RecommendationService,
        reviews: ReviewAnalyzer = ReviewAnalyzer(model: nil),
        encoder: TextEncoder? = nil,
        textModels: TextModels? = nil,
        search: SearchEngine? = nil,
        dataKey: [UInt8]? = nil,
        imageDownloader: (any ImageDownloader)? = nil,
        chatModel: (any ChatModel)? = nil
    ) {
        self.imageDownloader = configuration.images.fetchesImageURLs ? imageDownloader : nil
        replyRewriter = chatModel.map {
            ReplyRewriter(model: $0, timeout: configuration.assistant.languageModelTimeout)
        }
        images = ImageLibrary(
            directory: (configuration.store.dataDirectory as NSString).appendingPathComponent("images"),
            maxPixels: configuration.images.maxPixels,
            cacheBytes: configuration.images.cacheBytes
        )
        seal = dataKey.map { PersonalDataSeal(key: $0, personalAttributes: configuration.privacy.personalAttributes) }
        self.configuration = configuration
        self.store = store
        self.recommendations = recommendations
        reviewAnalyzer = reviews
        self.encoder = encoder
        self.textModels = textModels ?? TextModels(loaded: encoder.map { [$0] } ?? [], search: encoder)
        let searchEngine =
            search ?? SearchEngine(tuning: Self.searchTuning(configuration: configuration, encoder: encoder))
        self.searchEngine = searchEngine
        embedder = encoder.map { ItemEmbedder(encoder: $0, store: store, search: searchEngine) }
    }

    /// Search tuning for `configuration` and the text model: the autocomplete bar, and the
    /// model's own bars for matches by meaning (similarities spread differently per model).
    public static func searchTuning(configuration: AisleConfiguration, encoder: TextEncoder?) -> SearchTuning {
        var tuning = SearchTuning()
        tuning.suggestionMinimumShoppers = configuration.search.autocompleteMinimumShoppers
        if let encoder { tuning.calibrate(forModel: encoder.name) }
        return tuning
    }

    /// The text model's name, nil without one.
    public var textModel: String? { encoder?.name }

    /// Whether the engine answers like a running one (the readiness probe).
    public enum Readiness: Sendable, Equatable {
        case ready
        /// The search index or the saved model (named `search_index`, `saved_model`) is still
        /// loading at start: answers would miss what the store has.
        case starting(loading: [String])
        /// The store cannot serve reads.
        case unavailable
    }

    /// Returns once the engine's services loaded the search index and the saved model (at
    /// once when its services were never made).
    public func waitUntilStarted() async {
        await startup.waitUntilDone()
    }

    /// The readiness probe's answer now.
    public func readiness() async -> Readiness {
        do {
            try await store.checkReady()
        } catch {
            return .unavailable
        }
        let waiting = startup.waitingFor
        return waiting.isEmpty ? .ready : .starting(loading: waiting.map(\.rawValue))
    }

    /// The stored hash of a key scope (API keys, the user-token secret), for the server's key
    /// ring: keys are checked by the server, kept by the store.
    public func storedKeyHash(scope: String) async throws -> String? {
        try await store.apiKeyHash(scope: scope)
    }

    /// Stores the hash of a key scope.
    public func storeKeyHash(_ hash: String, scope: String, at now: Timestamp) async throws {
        try await store.setAPIKeyHash(hash, scope: scope, at: now)
    }
}
