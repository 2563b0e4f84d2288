import Foundation

/// `POST /v1/embeddings`, in the OpenAI embeddings shape: `input` is one string or an array of
/// them; `model`, when sent, must name the loaded encoder.
public struct EmbeddingRequestBody: Decodable, Sendable, Equatable {
    public var input: [String]
    public var model: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case input, model
        case encodingFormat = "encoding_format"
    }

    /// Most texts one request may embed.
    public static let maxInputs = 256

    public init(input: [String], model: String? = nil) {
        self.input = input
        self.model = model
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
        if let format = try container.decodeIfPresent(String.self, forKey: .encodingFormat), format != "float" {
            throw AisleError.invalid(
                "encoding_format",
                "encoding_format is \"float\" (the only one supported), got \"\(format.prefix(16))\""
            )
        }
    }

    /// Checks the inputs: 1 to `maxInputs` texts of at most 20,000 UTF-8 bytes (longer texts
    /// are truncated to the encoder's token limit anyway).
    public func validated(model loaded: String) throws(AisleError) -> [String] {
        if input.isEmpty { throw .invalid("input", "input must hold at least one text") }
        if input.count > Self.maxInputs {
            throw .invalid("input", "at most \(Self.maxInputs) texts per request, got \(input.count)")
        }
        for (index, text) in input.enumerated() where text.utf8.count > 20_000 {
            throw .invalid("input[\(index)]", "a text may be at most 20000 UTF-8 bytes, got \(text.utf8.count)")
        }
        if let model, model != loaded {
            throw .invalid("model", "this server embeds with \(loaded), not \"\(model.prefix(64))\"")
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
