/// An item's photo as the store keeps it: where the original is (its SHA-256, the name of its
/// file in the data folder), what it is, and what it looks like (for display, near-duplicates
/// and visual similarity). The bytes themselves are not in the store.
public struct ItemImage: Sendable, Equatable {
    /// A colour and the share of the picture it covers.
    public struct Colour: Sendable, Equatable, Codable {
        /// `#rrggbb`, sRGB.
        public var hex: String
        public var share: Double

        public init(hex: String, share: Double) {
            self.hex = hex
            self.share = share
        }
    }

    public var itemID: ItemID
    /// Lowercase hex SHA-256 of the original's bytes.
    public var sha256: String
    /// `jpeg`, `png`, `webp`, `heic` or `avif`.
    public var format: String
    /// As shown (after the EXIF orientation).
    public var width: Int
    public var height: Int
    /// The original's size in bytes.
    public var bytes: Int
    public var dominantColours: [Colour]
    /// 64-bit DCT perceptual hash.
    public var perceptualHash: UInt64
    /// Visual features (L2-normalised), for similarity.
    public var features: [Float]
    public var updatedAt: Timestamp

    public init(
        itemID: ItemID,
        sha256: String,
        format: String,
        width: Int,
        height: Int,
        bytes: Int,
        dominantColours: [Colour],
        perceptualHash: UInt64,
        features: [Float],
        updatedAt: Timestamp
    ) {
        self.itemID = itemID
        self.sha256 = sha256
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.dominantColours = dominantColours
        self.perceptualHash = perceptualHash
        self.features = features
        self.updatedAt = updatedAt
    }
}

/// The last fetch of an item's `image_url`.
public struct ImageFetchRecord: Sendable, Equatable {
    public var url: String
    /// Why it failed; nil when the photo was stored.
    public var error: String?
    public var at: Timestamp

    public init(url: String, error: String?, at: Timestamp) {
        self.url = url
        self.error = error
        self.at = at
    }
}
