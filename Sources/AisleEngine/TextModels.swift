public import AisleCore
public import AisleText
import Dispatch
import Synchronization

/// The text encoders a server runs, by name: all-MiniLM-L6-v2 (English; the default of
/// `/v1/embeddings`) and multilingual-e5-small (Chinese, English and about 100 more), and which
/// one search uses. A model search does not use may load on its first request
/// (`--load-text-models lazy`); search's own loads at start.
public final class TextModels: Sendable {
    /// One model as `GET /v1/models` lists it.
    public struct Description: Sendable, Equatable {
        public var name: String
        public var dimension: Int
        /// Language codes the model was trained for ("multilingual" marks a long list).
        public var languages: [String]
        public var maxTokens: Int
        public var loaded: Bool
        public var usedBySearch: Bool
        public var isDefault: Bool
    }

    /// A model: loaded, or how to load it.
    final class Slot: Sendable {
        enum State: Sendable {
            case loaded(TextEncoder)
            case lazy(@Sendable () throws -> TextEncoder)
            case loading(Task<TextEncoder, any Error>)
            case failed(String)
        }
        let name: String
        let state: Mutex<State>

        init(name: String, state: State) {
            self.name = name
            self.state = Mutex(state)
        }
    }

    let slots: [Slot]
    /// The model search embeds items and queries with (nil: search is lexical).
    public let search: TextEncoder?

    /// Models by name; `search` must be one of the loaded ones (or nil).
    public init(
        loaded: [TextEncoder],
        lazy: [(name: String, load: @Sendable () throws -> TextEncoder)] = [],
        search: TextEncoder?
    ) {
        var slots = loaded.map { Slot(name: $0.name, state: .loaded($0)) }
        slots += lazy.map { Slot(name: $0.name, state: .lazy($0.load)) }
        self.slots = slots.sorted { Self.order($0.name) < Self.order($1.name) }
        self.search = search
    }

    /// MiniLM first (the default), then e5, then anything else by name.
    static func order(_ name: String) -> String {
        switch name {
        case "all-MiniLM-L6-v2": "0"
        case TextEncoder.multilingualModelName: "1"
        default: "2" + name
        }
    }

    /// The model `/v1/embeddings` uses when a request names none: MiniLM when it is there.
    public var defaultName: String? { slots.first?.name }

    public var names: [String] { slots.map(\.name) }

    /// The encoder `name` (the default for nil), loading it first when it is lazy; concurrent
    /// first callers share one load.
    public func encoder(named name: String?) async throws(AisleError) -> TextEncoder {
        guard let name = name ?? defaultName else { throw Self.noModel }
        guard let slot = slots.first(where: { $0.name == name }) else {
            throw .invalid(
                "model",
                "this server embeds with \(names.joined(separator: " or ")), not \"\(name.prefix(64))\""
            )
        }
        /// What the slot holds for this caller: the encoder, a load to wait for, or a failure.
        enum Found {
            case encoder(TextEncoder)
            case loading(Task<TextEncoder, any Error>)
            case failed(String)
        }
        let found = slot.state.withLock { state -> Found in
            switch state {
            case .loaded(let encoder): return .encoder(encoder)
            case .loading(let task): return .loading(task)
            case .failed(let message): return .failed(message)
            case .lazy(let load):
                let task = Task<TextEncoder, any Error> {
                    try await withCheckedThrowingContinuation { continuation in
                        DispatchQueue.global().async { continuation.resume(with: Result { try load() }) }
                    }
                }
                state = .loading(task)
                return .loading(task)
            }
        }
        let task: Task<TextEncoder, any Error>
        switch found {
        case .encoder(let encoder): return encoder
        case .loading(let loading): task = loading
        case .failed(let message):
            throw AisleError(code: .unavailable, message: "the text model \(name) failed to load: \(message)")
        }
        do {
            let encoder = try await task.value
            slot.state.withLock { $0 = .loaded(encoder) }
            return encoder
        } catch {
            slot.state.withLock { $0 = .failed("\(error)") }
            throw AisleError(code: .unavailable, message: "the text model \(name) failed to load: \(error)")
        }
    }

    /// Every model, loaded or not, for `GET /v1/models`.
    public var descriptions: [Description] {
        slots.map { slot in
            let encoder: TextEncoder? = slot.state.withLock { state in
                if case .loaded(let encoder) = state { return encoder }
                return nil
            }
            let multilingual = slot.name == TextEncoder.multilingualModelName
            return Description(
                name: slot.name,
                dimension: encoder?.dimension ?? 384,
                languages: multilingual ? Self.multilingualLanguages : ["en"],
                maxTokens: encoder.map { $0.maxTokens * $0.maxWindows } ?? (multilingual ? 4_080 : 256),
                loaded: encoder != nil,
                usedBySearch: slot.name == search?.name,
                isDefault: slot.name == defaultName
            )
        }
    }

    /// The languages XLM-R (and so multilingual-e5-small) was trained on that shops ask for
    /// most; it reads about 100.
    static let multilingualLanguages = [
        "multilingual", "zh", "en", "ja", "ko", "de", "fr", "es", "it", "pt", "nl", "ru", "ar", "tr", "vi", "th", "id",
        "hi", "pl", "sv",
    ]

    static let noModel = AisleError(
        code: .unavailable,
        message:
            "no text encoder is loaded: run make models, then start the server with --model-dir models/all-MiniLM-L6-v2 or --multilingual-model models/multilingual-e5-small"
    )
}
