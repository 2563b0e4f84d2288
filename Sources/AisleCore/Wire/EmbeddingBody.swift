import Foundation

/// `POST /v1/embeddings`, in the OpenAI embeddings shape: `input` is one string or an array of
/// them; `model`, when sent, must name the loaded encoder.
public struct EmbeddingRequestBody: Decodable, Sendable, Equatable {
    /// What the texts are, for models trained with prefixes (multilingual-e5-small reads
    /// `query: ` or `passage: ` before each text); all-MiniLM-L6-v2 ignores it.
    public enum InputType: String, Decodable, Sendable, CaseIterable {
        case query
        case passage
    }

    public var input: [String]
    public var model: String?
    public var inputType: InputType

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, model
        case encodingFormat = "encoding_format"
        case inputType = "input_type"
    }

    /// Most texts one request may embed.
    public static let maxInputs = 256

    public init(input: [String], model: String? = nil, inputType: InputType = .passage) {
        self.input = input
        self.model = model
        self.inputType = inputType
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let one = try? container.decode(String.self, forKey: .input) {
            input = [one]
        } else if container.contains(.input) {
            input = try container.decode([String].self, forKey: .input)
        } else {
            throw AisleError.invalid("input", "\"input\" is required: a string or an array of strings")
        }
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let type = try? container.decodeIfPresent(String.self, forKey: .inputType) {
            guard let known = InputType(rawValue: type) else {
                throw AisleError.invalid(
                    "input_type",
                    "input_type is \"query\" or \"passage\", got \"\(type.prefix(16))\""
                )
            }
            inputType = known
        } else if container.contains(.inputType), try !container.decodeNil(forKey: .inputType) {
            throw AisleError.invalid("input_type", "input_type is \"query\" or \"passage\"")
        } else {
            inputType = .passage
        }
        if let format = try container.decodeIfPresent(String.self, forKey: .encodingFormat), format != "float" {
            throw AisleError.invalid(
                "encoding_format",
                "encoding_format is \"float\" (the only one supported), got \"\(format.prefix(16))\""
            )
        }
    }

    /// Checks the inputs: 1 to `maxInputs` texts of at most 20,000 UTF-8 bytes (longer texts
    /// are truncated to the encoder's token limit anyway). The model is checked by the engine.
    public func validated() throws(AisleError) -> [String] {
        if input.isEmpty { throw .invalid("input", "input must hold at least one text") }
        if input.count > Self.maxInputs {
            throw .invalid("input", "at most \(Self.maxInputs) texts per request, got \(input.count)")
        }
        for (index, text) in input.enumerated() where text.utf8.count > 20_000 {
            throw .invalid("input[\(index)]", "a text may be at most 20000 UTF-8 bytes, got \(text.utf8.count)")
        }
        return input
    }
}

/// The answer to `POST /v1/embeddings`, as OpenAI's API shapes it.
public struct EmbeddingResponseBody: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var object = "embedding"
        public var index: Int
        public var embedding: [Float]

        public init(index: Int, embedding: [Float]) {
            self.index = index
            self.embedding = embedding
        }
    }

    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }

    public var object = "list"
    public var data: [Item]
    public var model: String
    public var usage: Usage

    public init(vectors: [[Float]], model: String, tokens: Int) {
        data = vectors.enumerated().map { Item(index: $0.offset, embedding: $0.element) }
        self.model = model
        usage = Usage(promptTokens: tokens, totalTokens: tokens)
    }
}

/// `GET /v1/items/{id}/embedding`: the stored vector of an item's text.
public struct ItemEmbeddingBody: Codable, Sendable, Equatable {
    public var itemID: String
    public var model: String
    public var embedding: [Float]
    /// The item version (its `updated_at`) the vector was computed from.
    public var itemUpdatedAt: TimestampBody

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case model, embedding
        case itemUpdatedAt = "item_updated_at"
    }

    public init(itemID: String, model: String, embedding: [Float], itemUpdatedAt: TimestampBody) {
        self.itemID = itemID
        self.model = model
        self.embedding = embedding
        self.itemUpdatedAt = itemUpdatedAt
    }
}

/// A text model as `GET /v1/models` lists it (in `text_models`).
public struct TextModelBody: Codable, Sendable, Equatable {
    public var id: String
    public var dimensions: Int
    /// Language codes; "multilingual" first when the model reads about 100.
    public var languages: [String]
    /// Longest text read, in tokens (longer ones are cut).
    public var maxTokens: Int
    /// False while a lazily loaded model waits for its first request.
    public var loaded: Bool
    /// Whether search embeds items and queries with it.
    public var search: Bool
    /// Whether `/v1/embeddings` uses it when a request names no model.
    public var isDefault: Bool

    enum CodingKeys: String, CodingKey {
        case id, dimensions, languages, loaded, search
        case maxTokens = "max_tokens"
        case isDefault = "default"
    }

    public init(
        id: String,
        dimensions: Int,
        languages: [String],
        maxTokens: Int,
        loaded: Bool,
        search: Bool,
        isDefault: Bool
    ) {
        self.id = id
        self.dimensions = dimensions
        self.languages = languages
        self.maxTokens = maxTokens
        self.loaded = loaded
        self.search = search
        self.isDefault = isDefault
    }
}
