/// An item's photo as `PUT /v1/items/{id}/image` and `GET /v1/items/{id}/image/info` answer.
public struct ImageBody: Codable, Sendable, Equatable {
    public var itemID: String
    public var sha256: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var dominantColours: [ItemImage.Colour]
    /// The perceptual hash, 16 hex digits.
    public var perceptualHash: String
    /// The content-addressed rendition URL (immutable: a new photo gets a new URL).
    public var url: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case sha256, format, width, height, bytes
        case dominantColours = "dominant_colours"
        case perceptualHash = "perceptual_hash"
        case url
        case updatedAt = "updated_at"
    }

    public init(_ image: ItemImage) {
        itemID = image.itemID.rawValue
        sha256 = image.sha256
        format = image.format
        width = image.width
        height = image.height
        bytes = image.bytes
        dominantColours = image.dominantColours
        let hex = String(image.perceptualHash, radix: 16)
        perceptualHash = String(repeating: "0", count: 16 - hex.count) + hex
        url = "/v1/images/\(image.sha256)"
        updatedAt = image.updatedAt.rfc3339
    }
}

/// `GET /v1/items/{id}/visually-similar`.
public struct VisualMatchesBody: Codable, Sendable, Equatable {
    public struct Match: Codable, Sendable, Equatable {
        public var itemID: String
        /// Higher is closer: the features' cosine similarity, plus up to 0.5 for a close
        /// perceptual hash.
        public var score: Double
        /// Bits the perceptual hashes differ in (0...64).
        public var hashDistance: Int

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case score
            case hashDistance = "hash_distance"
        }

        public init(itemID: String, score: Double, hashDistance: Int) {
            self.itemID = itemID
            self.score = score
            self.hashDistance = hashDistance
        }
    }

    public var data: [Match]

    public init(data: [Match]) { self.data = data }
}

/// `GET /v1/images/duplicates`: groups of items showing the same picture.
public struct DuplicateImagesBody: Codable, Sendable, Equatable {
    public var groups: [[String]]

    public init(groups: [[String]]) { self.groups = groups }
}
