/// Everything Aisle can be configured with. `aisle` builds it once (flags > `AISLE_*`
/// environment > defaults), validates it and passes it down; nothing below reads the environment.
/// docs/configuration.md lists every key.
public struct AisleConfiguration: Sendable, Equatable {
    public var server = ServerConfiguration()
    public var store = StoreConfiguration()
    public var keys = KeyConfiguration()
    public var privacy = PrivacyConfiguration()
    public var ingest = IngestConfiguration()
    public var recommend = RecommendConfiguration()
    public var reviews = ReviewConfiguration()
    public var text = TextConfiguration()
    public var search = SearchConfiguration()
    public var images = ImageConfiguration()
    public var web = WebConfiguration()
    public var assistant = AssistantConfiguration()

    public init() {}

    /// Throws `invalid_field` naming the first bad setting.
    public func validate() throws(AisleError) {
        if server.host.isEmpty { throw .invalid("host", "host must not be empty") }
        if !(0...65_535).contains(server.port) { throw .invalid("port", "port must be 0 to 65535, got \(server.port)") }
        if server.maxBodyBytes < 1024 {
            throw .invalid("max_body_bytes", "max_body_bytes must be at least 1024, got \(server.maxBodyBytes)")
        }
        for (name, timeout) in [
            ("header_timeout", server.headerTimeout), ("body_timeout", server.bodyTimeout),
            ("idle_timeout", server.idleTimeout),
        ] where timeout <= .zero || timeout > .seconds(3600) {
            throw .invalid(name, "\(name) must be more than 0 and at most 3600 seconds")
        }
        if !(1...1_000_000).contains(server.maxConnections) {
            throw .invalid("max_connections", "max_connections must be 1 to 1000000, got \(server.maxConnections)")
        }
        if let rate = server.rateLimit, !(1...1_000_000).contains(rate) {
            throw .invalid("rate_limit", "rate_limit must be 1 to 1000000 requests a second, got \(rate)")
        }
        if !(1...100_000).contains(ingest.maxBatchRows) {
            throw .invalid("max_batch_rows", "max_batch_rows must be 1 to 100000, got \(ingest.maxBatchRows)")
        }
        if ingest.sessions.inactivityGap <= .zero || ingest.sessions.inactivityGap > .seconds(7 * 24 * 3600) {
            throw .invalid("session_gap", "session_gap must be between 1 minute and 7 days")
        }
        for (name, key) in [("admin_key", keys.adminKey), ("ingest_key", keys.ingestKey)] {
            if let key, key.utf8.count < 16 {
                throw .invalid(name, "\(name) must be at least 16 characters")
            }
        }
        if !(1...256).contains(recommend.threads ?? 1) {
            throw .invalid("threads", "threads must be 1 to 256")
        }
        if let every = recommend.trainEvery, every < .seconds(60) {
            throw .invalid(
                "train_every_minutes",
                "train_every_minutes must be at least 1, got \(every.components.seconds / 60)"
            )
        }
        if let events = recommend.trainAfterEvents, events < 1 {
            throw .invalid("train_after_events", "train_after_events must be at least 1, got \(events)")
        }
        let weightNames: Set<String> = ["purchase", "add_to_cart", "like", "click", "view"]
        for (name, weight) in recommend.eventWeights {
            guard weightNames.contains(name) else {
                throw .invalid(
                    "event_weights",
                    "unknown event weight \"\(name)\"; use \(weightNames.sorted().joined(separator: ", "))"
                )
            }
            guard weight.isFinite, (0...100).contains(weight) else {
                throw .invalid("event_weights", "the weight of \(name) must be 0 to 100, got \(weight)")
            }
        }
        if let halfLife = recommend.interactionHalfLife, halfLife <= .zero {
            throw .invalid("interaction_half_life_days", "interaction_half_life_days must be positive")
        }
        try images.validate()
        try assistant.validate()
        if reviews.sentimentModel == .file("") {
            throw .invalid("sentiment_model", "sentiment_model is auto, none or a model file's path")
        }
        if text.model == .folder("") {
            throw .invalid("model_dir", "model_dir is a model folder or none")
        }
        if text.multilingualModel == .folder("") {
            throw .invalid("multilingual_model", "multilingual_model is a model folder or file, or none")
        }
        if case .named(let name) = text.searchModel, !TextConfiguration.modelNames.contains(name) {
            throw .invalid(
                "search_model",
                "search_model is auto, \(TextConfiguration.modelNames.joined(separator: " or ")), got \"\(name.prefix(64))\""
            )
        }
        if !(1...1_000).contains(search.autocompleteMinimumShoppers) {
            throw .invalid(
                "autocomplete_min_shoppers",
                "autocomplete_min_shoppers must be 1 to 1000, got \(search.autocompleteMinimumShoppers)"
            )
        }
        if let admin = keys.adminKey, admin == keys.ingestKey {
            throw .invalid("ingest_key", "the ingest key must differ from the admin key")
        }
    }
}

/// Search and autocomplete.
/// Product photos: uploads, renditions and their cache (docs/IMAGES.md).
public struct ImageConfiguration: Sendable, Equatable {
    /// The largest original accepted, in bytes.
    public var maxUploadBytes = 25 * 1024 * 1024
    /// The largest original accepted, in pixels (a small file claiming more is a decompression
    /// bomb).
    public var maxPixels = 100_000_000
    /// Rendition widths: a requested width (times `dpr`) snaps up to the next one, so that a
    /// cache holds few sizes of each photo.
    public var widths = [160, 320, 480, 640, 960, 1280, 1920]
    /// The rendition cache's size on disk; the least recently used renditions go first.
    public var cacheBytes = 1024 * 1024 * 1024
    /// Whether renditions are served without a key (an `<img>` cannot send one); false asks
    /// for the ingest key.
    public var publicRenditions = true
    /// How long a browser may keep an item's current image (`/v1/items/{id}/image`); renditions
    /// at content-addressed URLs (`/v1/images/{sha256}`) are immutable and kept a year.
    public var itemImageMaxAge = Duration.seconds(300)
    /// Whether items' `image_url` photos are fetched in the background (by `aisle serve`).
    public var fetchesImageURLs = true
    /// Whether `image_url` may point into private networks (loopback, 10/8, …); off, a catalog
    /// cannot make the server reach inside its own network.
    public var fetchAllowsPrivateAddresses = false
    /// How long one fetch may take.
    public var fetchTimeout = Duration.seconds(15)
    /// When a failed fetch of the same URL is tried again.
    public var fetchRetryAfter = Duration.seconds(86_400)

    public init() {}

    func validate() throws(AisleError) {
        if !(1024...(512 * 1024 * 1024)).contains(maxUploadBytes) {
            throw .invalid("image_max_bytes", "image_max_bytes must be 1 KiB to 512 MiB, got \(maxUploadBytes)")
        }
        if !(1...1_000_000_000).contains(maxPixels) {
            throw .invalid("image_max_pixels", "image_max_pixels must be 1 to 1000000000, got \(maxPixels)")
        }
        if widths.isEmpty || widths.contains(where: { !(16...8192).contains($0) }) {
            throw .invalid("image_widths", "image_widths are 16 to 8192 pixels, at least one")
        }
        if cacheBytes < 0 { throw .invalid("image_cache_bytes", "image_cache_bytes must not be negative") }
    }
}

public struct SearchConfiguration: Sendable, Equatable {
    /// Distinct shoppers (user or device ids sent with the search) whose search for a query
    /// must have found something before autocomplete suggests it to everyone; searches without
    /// an id count towards none. 5 keeps one shopper's phrase (a name, an order) private and
    /// makes a planted suggestion take five identities.
    public var autocompleteMinimumShoppers = 5

    public init() {}
}

/// The text encoder.
public struct TextConfiguration: Sendable, Equatable {
    /// Which text model to load.
    public enum Model: Sendable, Equatable {
        /// No encoder: `/v1/embeddings` answers 503, items are not embedded, search is lexical.
        case none
        /// The model in this folder (`make models` writes `models/all-MiniLM-L6-v2`).
        case folder(String)

        /// From the setting's text: `none`, or a folder.
        public init(setting: String) {
            self = setting == "none" ? .none : .folder(setting)
        }
    }

    /// Which model search embeds items and queries with.
    public enum SearchModel: Sendable, Equatable {
        /// all-MiniLM-L6-v2 when it is loaded, else multilingual-e5-small (docs/SEARCH.md has
        /// the measurements behind the choice).
        case auto
        /// This model by name (`all-MiniLM-L6-v2` or `multilingual-e5-small`).
        case named(String)

        public init(setting: String) {
            self = setting == "auto" ? .auto : .named(setting)
        }
    }

    /// all-MiniLM-L6-v2 (English).
    public var model = Model.folder("models/all-MiniLM-L6-v2")
    /// multilingual-e5-small (a folder holding `e5-small-q4.bin`, or the file).
    public var multilingualModel = Model.folder("models/multilingual-e5-small")
    public var searchModel = SearchModel.auto
    /// Whether a model search does not use is loaded on its first request instead of at start
    /// (search's own model always loads at start: items are embedded then). On by default: a
    /// model nobody asks for costs no memory (multilingual-e5-small: about 155 MiB).
    public var loadLazily = true

    /// The model names Aisle knows.
    public static let modelNames = ["all-MiniLM-L6-v2", "multilingual-e5-small"]

    public init() {}
}

/// How reviews are analysed.
public struct ReviewConfiguration: Sendable, Equatable {
    /// Which polarity classifier backs the lexicon.
    public enum SentimentModel: Sendable, Equatable {
        /// `<data>/models/sentiment.aisle` when it exists, else the model shipped with Aisle.
        case auto
        /// The lexicon alone.
        case none
        /// This model file.
        case file(String)

        /// From the setting's text: `auto`, `none`, or a model file's path.
        public init(setting: String) {
            switch setting {
            case "auto": self = .auto
            case "none": self = .none
            default: self = .file(setting)
            }
        }
    }

    public var sentimentModel = SentimentModel.auto
    /// Whether review polarity also reads each review's multilingual-e5-small vector (the
    /// embedding head, docs/REVIEWS.md): on when that model is installed. It holds better in
    /// domains the classifier was not trained on, and costs about 24 ms per review on 2 cores.
    public var readsEmbeddings = true

    public init() {}
}

/// Where and how the HTTP server listens.
public struct ServerConfiguration: Sendable, Equatable {
    /// Interface to bind; the loopback default keeps a fresh install private.
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest request body accepted; larger ones get 413 payload_too_large. 16 MiB fits a
    /// 10,000-event batch with room to spare.
    public var maxBodyBytes = 16 * 1024 * 1024
    /// Longest a client may take to send a request's head once it started it (slow-loris
    /// clients that trickle header bytes are cut off after it).
    public var headerTimeout = Duration.seconds(10)
    /// Longest a client may take to send a request's body once its head arrived. 60 s carries
    /// a 16 MiB body at about 280 KB/s, a slow phone link.
    public var bodyTimeout = Duration.seconds(60)
    /// How long a kept-alive connection may wait for its next request.
    public var idleTimeout = Duration.seconds(60)
    /// Most connections open at once; past it, new ones wait in the listen queue until one
    /// closes. Each costs a file descriptor and a little memory.
    public var maxConnections = 1024
    /// Requests a second allowed per key scope and client address (429 past it); nil for no
    /// limit. Off by default; the server warns when it listens beyond loopback without one.
    public var rateLimit: Int?

    public init() {}
}

/// The shopping assistant's optional language model (docs/ASSISTANT.md#the-language-model).
public struct AssistantConfiguration: Sendable, Equatable {
    /// An OpenAI-compatible API's base URL (`http://127.0.0.1:8091/v1`; `/chat/completions` is
    /// added), or nil: replies are the templates' alone.
    public var languageModelURL: String?
    /// The model to ask for (the request's `model`).
    public var languageModelName = "default"
    /// The environment variable holding the API key (sent as `Authorization: Bearer`); the
    /// key itself is never part of the configuration, so it is never printed.
    public var languageModelKeyVariable = "AISLE_LLM_API_KEY"
    /// How long a rewrite may take before the template reply is sent instead.
    public var languageModelTimeout = Duration.seconds(4)

    public init() {}

    func validate() throws(AisleError) {
        if let url = languageModelURL {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), url.count > 8, url.count <= 2000 else {
                throw .invalid("llm_url", "llm_url must be an http or https URL, got \"\(url.prefix(64))\"")
            }
        }
        if languageModelName.isEmpty || languageModelName.count > 200 {
            throw .invalid("llm_model", "llm_model must be 1 to 200 characters")
        }
        if languageModelTimeout < .milliseconds(100) || languageModelTimeout > .seconds(120) {
            throw .invalid("llm_timeout_ms", "llm_timeout_ms must be 100 to 120000")
        }
    }
}

/// The two browser apps `aisle serve` ships (docs/WEB.md).
public struct WebConfiguration: Sendable, Equatable {
    /// `development` serves both apps unless told otherwise; `production` serves neither
    /// unless told to.
    public enum Environment: String, Sendable, Equatable, CaseIterable {
        case development, production
    }

    public var environment = Environment.development
    /// The demo storefront at `/`; nil for the environment's default.
    public var storefront: Bool?
    /// The operator's dashboard at `/dashboard`; nil for the environment's default.
    public var dashboard: Bool?

    public init() {}

    /// Whether `/` serves the storefront (and same-origin storefront calls are authorised).
    public var servesStorefront: Bool { storefront ?? (environment == .development) }
    /// Whether `/dashboard` serves the dashboard.
    public var servesDashboard: Bool { dashboard ?? (environment == .development) }
}

/// How events and catalog are stored.
public struct StoreConfiguration: Sendable, Equatable {
    /// The data folder: `aisle.sqlite` (WAL) and its side files live here; with a `url`, only
    /// local files (models, the image rendition cache, the data key unless set elsewhere).
    public var dataDirectory = "./aisle-data"
    /// A shared PostgreSQL database (`postgres://user[:password]@host[:port]/database`,
    /// `--store`) instead of the embedded SQLite store; nil for the embedded one.
    public var url: String?
    /// Most connections a node keeps open to the shared database (`--store-connections`).
    public var maximumConnections = 10
    /// How long a node waits for the shared database at start before it gives up.
    public var connectTimeout = Duration.seconds(30)
    /// How long one statement or transaction on the shared database may take before the call
    /// answers `unavailable` (`--store-timeout-seconds`).
    public var requestTimeout = Duration.seconds(15)
    public var durability = Durability.processCrash
    /// Audit log entries older than this are deleted (`--audit-retention-days`).
    public var auditRetention = Duration.seconds(365 * 86_400)

    public init() {}

    /// What an acknowledged write survives.
    public enum Durability: String, Sendable, Equatable, CaseIterable {
        /// SQLite WAL with synchronous=NORMAL: survives a crash or kill of Aisle, not a power
        /// loss of the machine. Fast (no fsync per commit).
        case processCrash = "process"
        /// synchronous=FULL: an fsync per commit; also survives power loss.
        case powerLoss = "power"
    }
}

/// API keys. When a key is not configured, the server generates one on first start, stores its
/// hash in the data folder and prints it once.
/// Personal data at rest (docs/SECURITY.md).
public struct PrivacyConfiguration: Sendable, Equatable {
    /// User attributes sealed with AES-GCM before they are stored; readable only through the
    /// API (`users:read`).
    public var personalAttributes: Set<String> = ["email", "phone", "name", "address", "birthday", "ip"]
    /// The data key, 32 bytes as 64 hex digits (`AISLE_DATA_KEY`); nil to use `dataKeyFile`.
    public var dataKey: String?
    /// Where the data key is kept (made at the first start, mode 0600); nil for `data.key`
    /// in the data folder. Keep it outside the data folder in production.
    public var dataKeyFile: String?

    public init() {}
}

public struct KeyConfiguration: Sendable, Equatable {
    /// Full access.
    public var adminKey: String?
    /// What a mobile app may do: post events and identify devices.
    public var ingestKey: String?
    /// Whether personal reads and device links with the ingest key need a user token.
    public var userTokens = UserTokenMode.optional

    public init(adminKey: String? = nil, ingestKey: String? = nil) {
        self.adminKey = adminKey
        self.ingestKey = ingestKey
    }
}

/// How incoming events are checked and preprocessed.
public struct IngestConfiguration: Sendable, Equatable {
    /// Most rows in one batch request (events or items).
    public var maxBatchRows = 10_000
    /// Events stamped further in the future than this are rejected.
    public var maxFutureSkew = Duration.seconds(24 * 3600)
    public var sessions = SessionPolicy()

    public init() {}
}

/// How recommendation models are trained and served.
public struct RecommendConfiguration: Sendable, Equatable {
    /// Worker threads for training and OpenBLAS; nil uses every processor.
    public var threads: Int?
    /// Retrain this often; nil leaves it to `trainAfterEvents` and `aisle train`.
    public var trainEvery: Duration? = .seconds(3600)
    /// Retrain once this many events arrived since the last training; nil disables the trigger.
    public var trainAfterEvents: Int? = 100_000
    /// Train once at start when the data folder has no snapshot yet.
    public var trainOnStart = true
    /// Event weights that replace the defaults, by event type name (`purchase`, `add_to_cart`,
    /// `like`, `click`, `view`); see docs/RECOMMENDATIONS.md.
    public var eventWeights: [String: Double] = [:]
    /// Age at which an interaction counts half in training; nil counts all fully.
    public var interactionHalfLife: Duration?
    /// Train the sequential Transformer with each snapshot (when the blend is tuned; it joins
    /// the feed with the weight validation gives it).
    public var transformer = true

    public init() {}
}

/// Whether personal reads with the ingest key need a user token (`--user-tokens`).
public enum UserTokenMode: String, Sendable, Equatable, CaseIterable {
    /// Without a token the ingest key still reads feeds, but explanations name no history item
    /// and reviews show no user ids.
    case optional
    /// Every personal read and every device link made with the ingest key needs a token for
    /// that user: the production setting, since the ingest key ships inside apps.
    case required
}
