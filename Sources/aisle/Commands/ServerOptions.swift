import AisleCore
import ArgumentParser
import Foundation

/// Settings shared by `serve` and `demo`. Each flag has an `AISLE_*` environment equivalent;
/// a flag wins over the environment, which wins over the default (docs/configuration.md).
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder (env AISLE_DATA; default ./aisle-data).")
    var data: String?

    @Option(
        name: .long,
        help:
            "A shared PostgreSQL database, postgres://user[:password]@host[:port]/database[?sslmode=require], for several nodes (env AISLE_STORE; default: the embedded SQLite store in --data)."
    )
    var store: String?

    @Option(
        name: .long,
        help: "Most connections this node opens to the --store database (env AISLE_STORE_CONNECTIONS; default 10)."
    )
    var storeConnections: Int?

    @Option(
        name: .long,
        help:
            "Seconds a statement on the --store database may take before the request answers 503 (env AISLE_STORE_TIMEOUT_SECONDS; default 15)."
    )
    var storeTimeoutSeconds: Int?

    @Option(name: .long, help: "Interface to listen on (env AISLE_HOST; default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port; 0 picks a free one (env AISLE_PORT; default 8080).")
    var port: Int?

    @Option(name: .long, help: "Largest request body in bytes (env AISLE_MAX_BODY_BYTES; default 16777216).")
    var maxBodyBytes: Int?

    @Option(
        name: .long,
        help:
            "Seconds a client may take to send a request's head (env AISLE_HEADER_TIMEOUT_SECONDS; default 10)."
    )
    var headerTimeoutSeconds: Int?

    @Option(
        name: .long,
        help: "Seconds a client may take to send a request's body (env AISLE_BODY_TIMEOUT_SECONDS; default 60)."
    )
    var bodyTimeoutSeconds: Int?

    @Option(
        name: .long,
        help:
            "Seconds a kept-alive connection may wait for its next request (env AISLE_IDLE_TIMEOUT_SECONDS; default 60)."
    )
    var idleTimeoutSeconds: Int?

    @Option(name: .long, help: "Most connections open at once (env AISLE_MAX_CONNECTIONS; default 1024).")
    var maxConnections: Int?

    @Option(
        name: .long,
        help:
            "Requests a second per API key and client address; more get 429 with Retry-After (env AISLE_RATE_LIMIT; default: no limit)."
    )
    var rateLimit: Int?

    @Option(help: "Days the audit log keeps an entry (env AISLE_AUDIT_RETENTION_DAYS; default 365).")
    var auditRetentionDays: Int?

    @Option(
        help:
            "File holding the data key that seals personal profile attributes (env AISLE_DATA_KEY_FILE; default DATA/data.key, made at the first start). AISLE_DATA_KEY (64 hex digits) wins over it."
    )
    var dataKeyFile: String?

    @Option(
        name: .long,
        help:
            "optional or required: whether personal reads and device links with the ingest key need X-Aisle-User-Token (env AISLE_USER_TOKENS; default optional; use required in production)."
    )
    var userTokens: String?

    @Option(
        name: .long,
        help: "What an acknowledged write survives: process or power (env AISLE_DURABILITY; default process)."
    )
    var durability: String?

    @Option(name: .long, help: "Minutes of inactivity that end a session (env AISLE_SESSION_GAP_MINUTES; default 30).")
    var sessionGapMinutes: Int?

    @Option(
        name: .long,
        help: "Log level: trace, debug, info, notice, warning, error (env AISLE_LOG_LEVEL; default info)."
    )
    var logLevel: String?

    @Option(name: .long, help: "Threads for training and OpenBLAS (env AISLE_THREADS; default: every processor).")
    var threads: Int?

    @Option(name: .long, help: "Retrain every N minutes; 0 turns it off (env AISLE_TRAIN_EVERY_MINUTES; default 60).")
    var trainEveryMinutes: Int?

    @Option(
        name: .long,
        help: "Retrain after N new events; 0 turns it off (env AISLE_TRAIN_AFTER_EVENTS; default 100000)."
    )
    var trainAfterEvents: Int?

    @Option(
        name: .long,
        help: "Train at start when there is no saved model: true or false (env AISLE_TRAIN_ON_START; default true)."
    )
    var trainOnStart: String?

    @Option(
        name: .long,
        help: "Event weights, e.g. purchase=5,view=0.5 (env AISLE_EVENT_WEIGHTS; defaults in docs/RECOMMENDATIONS.md)."
    )
    var eventWeights: String?

    @Option(
        name: .long,
        help:
            "Days after which an interaction counts half in training (env AISLE_INTERACTION_HALF_LIFE_DAYS; default: no decay)."
    )
    var interactionHalfLifeDays: Double?

    @Option(
        name: .long,
        help:
            "Train the sequential Transformer with each model: on or off (env AISLE_TRANSFORMER; default on; docs/RECOMMENDATIONS.md)."
    )
    var transformer: String?

    @Option(
        name: .long,
        help:
            "Review polarity model: auto (<data>/models/sentiment.aisle if present, else the shipped one), none (lexicon only) or a file (env AISLE_SENTIMENT_MODEL; default auto)."
    )
    var sentimentModel: String?

    @Option(
        name: .long,
        help:
            "Review polarity also reads multilingual-e5-small's vector of each review when that model is installed: auto or none (env AISLE_REVIEW_EMBEDDINGS; default auto)."
    )
    var reviewEmbeddings: String?

    @Option(
        name: .long,
        help:
            "Text encoder folder from make models, or none (env AISLE_MODEL_DIR; default models/all-MiniLM-L6-v2)."
    )
    var modelDir: String?

    @Option(name: .long, help: "Largest product photo accepted, in MB (env AISLE_IMAGE_MAX_MB; default 25).")
    var imageMaxMB: Int?

    @Option(
        name: .long,
        help: "Largest product photo accepted, in megapixels (env AISLE_IMAGE_MAX_MEGAPIXELS; default 100)."
    )
    var imageMaxMegapixels: Int?

    @Option(
        name: .long,
        help: "Disk space for cached image renditions, in MB; 0 caches none (env AISLE_IMAGE_CACHE_MB; default 1024)."
    )
    var imageCacheMB: Int?

    @Option(
        name: .long,
        help:
            "Who may fetch image renditions: public (no key: an <img> sends none) or ingest (env AISLE_IMAGE_ACCESS; default public)."
    )
    var imageAccess: String?

    @Option(
        name: .long,
        help:
            "Fetch items' image_url photos in the background: true or false (env AISLE_IMAGE_FETCH; default true)."
    )
    var imageFetch: String?

    @Option(
        name: .long,
        help:
            "Let image_url point into private networks (loopback, 10/8, 192.168/16, …): true or false (env AISLE_IMAGE_FETCH_PRIVATE; default false)."
    )
    var imageFetchPrivate: String?

    @Option(
        name: .long,
        help:
            "The assistant's language model: an OpenAI-compatible API's base URL such as http://127.0.0.1:8091/v1, or none (env AISLE_LLM_URL; default none: template replies)."
    )
    var llmURL: String?

    @Option(name: .long, help: "The model the language model API is asked for (env AISLE_LLM_MODEL; default default).")
    var llmModel: String?

    @Option(
        name: .long,
        help:
            "The environment variable holding the language model API's key, sent as a bearer token (env AISLE_LLM_KEY_ENV; default AISLE_LLM_API_KEY)."
    )
    var llmKeyEnv: String?

    @Option(
        name: .long,
        help:
            "How long the language model may take to phrase a reply before the template reply is sent, in ms (env AISLE_LLM_TIMEOUT_MS; default 4000)."
    )
    var llmTimeoutMS: Int?

    @Option(
        name: .long,
        help:
            "development (serves the storefront at / and the dashboard at /dashboard) or production (serves neither unless --storefront or --dashboard say so) (env AISLE_ENV; default development)."
    )
    var env: String?

    @Option(
        name: .long,
        help: "Serve the demo storefront at /: true or false (env AISLE_STOREFRONT; default: true in development)."
    )
    var storefront: String?

    @Option(
        name: .long,
        help: "Serve the dashboard at /dashboard: true or false (env AISLE_DASHBOARD; default: true in development)."
    )
    var dashboard: String?

    @Option(
        name: .long,
        help:
            "multilingual-e5-small: a folder holding e5-small-q4.bin (make models), the file, or none (env AISLE_MULTILINGUAL_MODEL; default models/multilingual-e5-small)."
    )
    var multilingualModel: String?

    @Option(
        name: .long,
        help:
            "Text model search uses: auto (all-MiniLM-L6-v2 when loaded, else multilingual-e5-small), all-MiniLM-L6-v2 or multilingual-e5-small (env AISLE_SEARCH_MODEL; default auto)."
    )
    var searchModel: String?

    @Option(
        name: .long,
        help:
            "When text models search does not use are loaded: lazy (on their first request) or start (env AISLE_LOAD_TEXT_MODELS; default lazy)."
    )
    var loadTextModels: String?

    @Option(
        name: .long,
        help:
            "Distinct shoppers whose search must have found something before autocomplete suggests a query (env AISLE_AUTOCOMPLETE_MIN_SHOPPERS; default 5)."
    )
    var autocompleteMinShoppers: Int?

    /// Builds and validates the configuration from flags, then `environment`, then defaults.
    func configuration(environment: [String: String]) throws -> AisleConfiguration {
        var configuration = AisleConfiguration()
        func setting(_ flag: String?, _ name: String) -> String? { flag ?? environment[name] }
        func integer(_ flag: Int?, _ name: String) throws -> Int? {
            if let flag { return flag }
            guard let text = environment[name] else { return nil }
            guard let value = Int(text) else {
                throw ValidationError("\(name) must be a whole number, got \"\(text)\"")
            }
            return value
        }
        configuration.store.dataDirectory = setting(data, "AISLE_DATA") ?? configuration.store.dataDirectory
        configuration.store.url = setting(store, "AISLE_STORE").flatMap { $0.isEmpty ? nil : $0 }
        if let connections = try integer(storeConnections, "AISLE_STORE_CONNECTIONS") {
            guard (1...1000).contains(connections) else {
                throw ValidationError("store-connections must be 1 to 1000, got \(connections)")
            }
            configuration.store.maximumConnections = connections
        }
        if let seconds = try integer(storeTimeoutSeconds, "AISLE_STORE_TIMEOUT_SECONDS") {
            guard (1...600).contains(seconds) else {
                throw ValidationError("store-timeout-seconds must be 1 to 600, got \(seconds)")
            }
            configuration.store.requestTimeout = .seconds(seconds)
        }
        configuration.server.host = setting(host, "AISLE_HOST") ?? configuration.server.host
        configuration.server.port = try integer(port, "AISLE_PORT") ?? configuration.server.port
        configuration.server.maxBodyBytes =
            try integer(maxBodyBytes, "AISLE_MAX_BODY_BYTES") ?? configuration.server.maxBodyBytes
        if let seconds = try integer(headerTimeoutSeconds, "AISLE_HEADER_TIMEOUT_SECONDS") {
            configuration.server.headerTimeout = .seconds(seconds)
        }
        if let seconds = try integer(bodyTimeoutSeconds, "AISLE_BODY_TIMEOUT_SECONDS") {
            configuration.server.bodyTimeout = .seconds(seconds)
        }
        if let seconds = try integer(idleTimeoutSeconds, "AISLE_IDLE_TIMEOUT_SECONDS") {
            configuration.server.idleTimeout = .seconds(seconds)
        }
        configuration.server.maxConnections =
            try integer(maxConnections, "AISLE_MAX_CONNECTIONS") ?? configuration.server.maxConnections
        configuration.server.rateLimit = try integer(rateLimit, "AISLE_RATE_LIMIT")
        configuration.privacy.dataKey = environment["AISLE_DATA_KEY"]
        configuration.privacy.dataKeyFile = dataKeyFile ?? environment["AISLE_DATA_KEY_FILE"]
        if let days = try integer(auditRetentionDays, "AISLE_AUDIT_RETENTION_DAYS") {
            guard (1...36_500).contains(days) else {
                throw ValidationError("audit-retention-days must be 1 to 36500, got \(days)")
            }
            configuration.store.auditRetention = .seconds(days * 86_400)
        }
        if let name = setting(userTokens, "AISLE_USER_TOKENS") {
            guard let mode = UserTokenMode(rawValue: name) else {
                throw ValidationError("user-tokens must be optional or required, got \"\(name)\"")
            }
            configuration.keys.userTokens = mode
        }
        if let name = setting(durability, "AISLE_DURABILITY") {
            guard let value = StoreConfiguration.Durability(rawValue: name) else {
                throw ValidationError("durability must be process or power, got \"\(name)\"")
            }
            configuration.store.durability = value
        }
        if let minutes = try integer(sessionGapMinutes, "AISLE_SESSION_GAP_MINUTES") {
            do {
                configuration.ingest.sessions = try SessionPolicy(inactivityMinutes: minutes, field: "session gap")
            } catch {
                throw ValidationError(error.message)
            }
        }
        configuration.recommend.threads = try integer(threads, "AISLE_THREADS")
        if let minutes = try integer(trainEveryMinutes, "AISLE_TRAIN_EVERY_MINUTES") {
            // A year at most: beyond it the schedule is off in all but name (and minutes × 60
            // must not overflow).
            guard minutes <= 525_600 else {
                throw ValidationError("train-every-minutes is at most 525600 (a year; 0 turns it off), got \(minutes)")
            }
            configuration.recommend.trainEvery = minutes == 0 ? nil : .seconds(minutes * 60)
        }
        if let events = try integer(trainAfterEvents, "AISLE_TRAIN_AFTER_EVENTS") {
            configuration.recommend.trainAfterEvents = events == 0 ? nil : events
        }
        if let text = setting(trainOnStart, "AISLE_TRAIN_ON_START") {
            guard let value = ["true": true, "1": true, "false": false, "0": false][text.lowercased()] else {
                throw ValidationError("train-on-start must be true or false, got \"\(text)\"")
            }
            configuration.recommend.trainOnStart = value
        }
        if let text = setting(eventWeights, "AISLE_EVENT_WEIGHTS") {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let value = Double(parts[1]) else {
                    throw ValidationError("event-weights must look like purchase=5,view=0.5; got \"\(pair)\"")
                }
                configuration.recommend.eventWeights[parts[0]] = value
            }
        }
        if let days = interactionHalfLifeDays {
            configuration.recommend.interactionHalfLife = try Self.halfLife(days: days)
        } else if let text = environment["AISLE_INTERACTION_HALF_LIFE_DAYS"] {
            guard let days = Double(text) else {
                throw ValidationError("AISLE_INTERACTION_HALF_LIFE_DAYS must be a number, got \"\(text)\"")
            }
            configuration.recommend.interactionHalfLife = try Self.halfLife(days: days)
        }
        if let text = setting(transformer, "AISLE_TRANSFORMER") {
            guard text == "on" || text == "off" else {
                throw ValidationError("--transformer is on or off, got \"\(text.prefix(32))\"")
            }
            configuration.recommend.transformer = text == "on"
        }
        if let text = setting(sentimentModel, "AISLE_SENTIMENT_MODEL") {
            configuration.reviews.sentimentModel = .init(setting: text)
        }
        if let text = setting(reviewEmbeddings, "AISLE_REVIEW_EMBEDDINGS") {
            guard text == "auto" || text == "none" else {
                throw ValidationError("--review-embeddings is auto or none, got \"\(text.prefix(32))\"")
            }
            configuration.reviews.readsEmbeddings = text == "auto"
        }
        if let megabytes = try integer(imageMaxMB, "AISLE_IMAGE_MAX_MB") {
            guard (1...512).contains(megabytes) else {
                throw ValidationError("image-max-mb is 1 to 512, got \(megabytes)")
            }
            configuration.images.maxUploadBytes = megabytes * 1024 * 1024
        }
        if let megapixels = try integer(imageMaxMegapixels, "AISLE_IMAGE_MAX_MEGAPIXELS") {
            guard (1...1000).contains(megapixels) else {
                throw ValidationError("image-max-megapixels is 1 to 1000, got \(megapixels)")
            }
            configuration.images.maxPixels = megapixels * 1_000_000
        }
        if let megabytes = try integer(imageCacheMB, "AISLE_IMAGE_CACHE_MB") {
            guard (0...1_048_576).contains(megabytes) else {
                throw ValidationError("image-cache-mb is 0 to 1048576, got \(megabytes)")
            }
            configuration.images.cacheBytes = megabytes * 1024 * 1024
        }
        if let text = setting(imageAccess, "AISLE_IMAGE_ACCESS") {
            guard text == "public" || text == "ingest" else {
                throw ValidationError("image-access is public or ingest, got \"\(text.prefix(32))\"")
            }
            configuration.images.publicRenditions = text == "public"
        }
        if let text = setting(imageFetch, "AISLE_IMAGE_FETCH") {
            configuration.images.fetchesImageURLs = try Self.flag(text, "image-fetch")
        }
        if let text = setting(imageFetchPrivate, "AISLE_IMAGE_FETCH_PRIVATE") {
            configuration.images.fetchAllowsPrivateAddresses = try Self.flag(text, "image-fetch-private")
        }
        if let text = setting(llmURL, "AISLE_LLM_URL"), text != "none" {
            configuration.assistant.languageModelURL = text
        }
        if let text = setting(llmModel, "AISLE_LLM_MODEL") { configuration.assistant.languageModelName = text }
        if let text = setting(llmKeyEnv, "AISLE_LLM_KEY_ENV") {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ValidationError("llm-key-env must name an environment variable, got \"\(text.prefix(32))\"")
            }
            configuration.assistant.languageModelKeyVariable = text
        }
        if let milliseconds = try integer(llmTimeoutMS, "AISLE_LLM_TIMEOUT_MS") {
            guard (100...120_000).contains(milliseconds) else {
                throw ValidationError("llm-timeout-ms is 100 to 120000, got \(milliseconds)")
            }
            configuration.assistant.languageModelTimeout = .milliseconds(milliseconds)
        }
        if let text = setting(env, "AISLE_ENV") {
            guard let environment = WebConfiguration.Environment(rawValue: text) else {
                throw ValidationError("env is development or production, got \"\(text.prefix(32))\"")
            }
            configuration.web.environment = environment
        }
        if let text = setting(storefront, "AISLE_STOREFRONT") {
            configuration.web.storefront = try Self.flag(text, "storefront")
        }
        if let text = setting(dashboard, "AISLE_DASHBOARD") {
            configuration.web.dashboard = try Self.flag(text, "dashboard")
        }
        if let text = setting(modelDir, "AISLE_MODEL_DIR") { configuration.text.model = .init(setting: text) }
        if let text = setting(multilingualModel, "AISLE_MULTILINGUAL_MODEL") {
            configuration.text.multilingualModel = .init(setting: text)
        }
        if let text = setting(searchModel, "AISLE_SEARCH_MODEL") {
            configuration.text.searchModel = .init(setting: text)
        }
        if let text = setting(loadTextModels, "AISLE_LOAD_TEXT_MODELS") {
            guard text == "start" || text == "lazy" else {
                throw ValidationError("--load-text-models is start or lazy, got \"\(text.prefix(32))\"")
            }
            configuration.text.loadLazily = text == "lazy"
        }
        configuration.search.autocompleteMinimumShoppers =
            try integer(autocompleteMinShoppers, "AISLE_AUTOCOMPLETE_MIN_SHOPPERS")
            ?? configuration.search.autocompleteMinimumShoppers
        configuration.keys.adminKey = environment["AISLE_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.keys.ingestKey = environment["AISLE_INGEST_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message + (error.field.map { " (\($0))" } ?? ""))
        }
        return configuration
    }

    func resolvedLogLevel(environment: [String: String]) -> String {
        logLevel ?? environment["AISLE_LOG_LEVEL"] ?? "info"
    }

    /// A half-life of `days` days; positive and finite, or the option's error (a Duration
    /// cannot hold infinity).
    static func halfLife(days: Double) throws -> Duration {
        guard days.isFinite, days > 0, days <= 36_500 else {
            throw ValidationError("the interaction half-life is a positive number of days (at most 36500), got \(days)")
        }
        return .seconds(days * 86_400)
    }

    /// A true/false setting's value.
    static func flag(_ text: String, _ name: String) throws -> Bool {
        guard let value = ["true": true, "1": true, "false": false, "0": false][text.lowercased()] else {
            throw ValidationError("\(name) must be true or false, got \"\(text.prefix(32))\"")
        }
        return value
    }
}
