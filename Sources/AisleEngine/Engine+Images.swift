public import AisleCore
import AisleImage
import AisleStore

/// What a client asks of a rendition (`GET /v1/items/{id}/image?w=&h=&fit=&format=&q=&enhance=&dpr=`).
public struct RenditionRequest: Sendable, Equatable {
    public enum Fit: String, Sendable, CaseIterable {
        case cover, contain
    }
    public enum Format: String, Sendable, CaseIterable {
        case auto, avif, webp, jpeg, png
    }
    /// CSS pixels; nil: the width the height allows, or the largest width of the ladder.
    public var width: Int?
    public var height: Int?
    public var fit = Fit.contain
    public var format = Format.auto
    /// 1...100; nil: the format's default.
    public var quality: Int?
    public var enhance = false
    /// Device pixels per CSS pixel (1...4).
    public var devicePixelRatio = 1.0
    /// The formats the client's `Accept` names (for `format=auto`).
    public var acceptsAVIF = false
    public var acceptsWebP = false

    public init() {}
}

/// A rendition ready to send.
public struct Rendition: Sendable {
    public var bytes: [UInt8]
    /// `image/webp`, …
    public var mediaType: String
    /// A strong `ETag` (quoted): the same original and settings always make the same tag.
    public var entityTag: String
    /// Whether the format was chosen from `Accept` (the answer then varies by it).
    public var variesByAccept: Bool
}

/// Product photos: upload, metadata, renditions (docs/IMAGES.md).
extension Engine {
    /// Validates and keeps `bytes` as the item's photo (`mediaType` is the request's
    /// `Content-Type`), replacing its earlier one; returns the stored metadata. The item keeps
    /// its previous photo when anything is wrong.
    public func putItemImage(_ id: ItemID, bytes: [UInt8], mediaType: String?) async throws -> ItemImage {
        let image = try await images.put(
            bytes,
            mediaType: mediaType,
            for: id,
            settings: configuration.images,
            store: store
        ) { visualIndex.update($0) }
        await store.publish(.images([id]))
        return image
    }

    /// The item's photo as reads show it (original's hash and width), from memory; nil
    /// without one.
    public func photo(of id: ItemID) -> (sha256: String, width: Int)? {
        visualIndex.original(of: id)
    }

    /// The item's photo metadata, nil without one.
    public func itemImage(_ id: ItemID) async throws -> ItemImage? {
        try await store.itemImage(id)
    }

    /// The last fetch of the item's `image_url`, nil when none was tried.
    public func imageFetch(_ id: ItemID) async throws -> ImageFetchRecord? {
        try await store.imageFetch(id)
    }

    /// Removes the item's photo; false when it had none.
    public func deleteItemImage(_ id: ItemID) async throws -> Bool {
        await images.writes.lock()
        defer { images.writes.unlock() }
        guard let previous = try await store.deleteItemImage(id) else { return false }
        visualIndex.remove(id)
        try await images.releaseOriginal(previous.sha256, store: store)
        await store.publish(.images([id]))
        return true
    }

    /// An item whose photo looks like another's.
    public struct VisualMatch: Sendable, Equatable {
        public var itemID: ItemID
        /// Feature similarity plus up to 0.5 for a close perceptual hash; higher is closer.
        public var score: Float
        /// Bits the two perceptual hashes differ in (0...64).
        public var hashDistance: Int
    }

    /// The items whose photos look most like the item's, best first; nil when it has no photo.
    public func visuallySimilar(to id: ItemID, limit: Int) async throws -> [VisualMatch]? {
        try await visualIndex.load(from: store)
        // Hidden items are not shown to shoppers: a few more are asked for, and those dropped.
        guard let matches = visualIndex.similar(to: id, limit: limit + Self.hiddenAllowance) else { return nil }
        var shown: [VisualMatch] = []
        for match in matches where shown.count < limit {
            guard let item = try await store.item(match.item), !item.hidden else { continue }
            shown.append(VisualMatch(itemID: match.item, score: match.score, hashDistance: match.distance))
        }
        return shown
    }

    /// How many hidden items a visually-similar list may skip and still come out full.
    static let hiddenAllowance = 20

    /// Groups of items (two or more) showing the same picture: the same bytes, or perceptual
    /// hashes at most `maxDistance` (0...7) bits apart.
    public func duplicateImages(maxDistance: Int) async throws -> [[ItemID]] {
        try await visualIndex.load(from: store)
        return visualIndex.duplicates(maxDistance: maxDistance)
    }

    /// How the rendition of the item's current photo will be made, with its `ETag`, before it
    /// is (`If-None-Match` is answered without decoding); nil when the item has no photo.
    public func renditionPlan(itemID: ItemID, _ request: RenditionRequest) async throws -> RenditionPlan? {
        try await visualIndex.load(from: store)
        guard let original = visualIndex.original(of: itemID) else { return nil }
        return renditionPlan(sha256: original.sha256, originalWidth: original.width, request)
    }

    /// The plan for a photo by its content address (`/v1/images/{sha256}`); nil when no item
    /// uses that original.
    public func renditionPlan(sha256: String, _ request: RenditionRequest) async throws -> RenditionPlan? {
        guard sha256.count == 64, sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        try await visualIndex.load(from: store)
        guard visualIndex.isUsed(sha256) else { return nil }
        return renditionPlan(sha256: sha256, originalWidth: nil, request)
    }

    /// A rendition by its plan: from the cache, or made (and cached).
    public func rendition(_ plan: RenditionPlan) async throws -> Rendition {
        let path = images.renditionPath(plan.sha256, key: plan.key)
        let answer = { (bytes: [UInt8]) in
            Rendition(
                bytes: bytes,
                mediaType: plan.format.mediaType,
                entityTag: plan.entityTag,
                variesByAccept: plan.variesByAccept
            )
        }
        if let cached = images.cachedRendition(path) { return answer(cached) }
        try await images.fetchOriginalIfMissing(plan.sha256, store: store)
        let library = images
        let spec = plan.spec
        let sha256 = plan.sha256
        let bytes: [UInt8]
        do {
            // The original is read in the slot: a queue of misses holds no 25 MB files.
            bytes = try await images.decoding { () throws(ImageError) in
                try library.codec.render(try library.original(sha256), spec)
            }
        } catch {
            throw ImageLibrary.aisleError(error)
        }
        images.cacheRendition(bytes, at: path)
        return answer(bytes)
    }

    /// The rendition cache's size in bytes.
    public var renditionCacheBytes: Int { images.cachedBytes }

    func renditionPlan(sha256: String, originalWidth: Int?, _ request: RenditionRequest) -> RenditionPlan {
        let ladder = configuration.images.widths.sorted()
        let largest = ladder.last ?? 1280
        func snapped(_ pixels: Double) -> Int {
            ladder.first { Double($0) >= pixels.rounded(.down) } ?? largest
        }
        let ratio = min(max(request.devicePixelRatio, 1), 4)
        var width: Int?
        var height: Int?
        if let asked = request.width {
            let snappedWidth = snapped(Double(asked) * ratio)
            width = snappedWidth
            // The box keeps its shape, rounded to a twentieth so that the heights a client can
            // ask for are few: its height grows with the width.
            height = request.height.map { askedHeight in
                let shape = min(max((Double(askedHeight) / Double(asked) * 20).rounded() / 20, 0.05), 8)
                return max(Int((shape * Double(snappedWidth)).rounded()), 1)
            }
        } else if let asked = request.height {
            height = snapped(Double(asked) * ratio)
        } else {
            width = originalWidth.map { snapped(Double($0)) } ?? largest
        }
        let format: ImageFormat
        switch request.format {
        case .auto: format = request.acceptsAVIF ? .avif : request.acceptsWebP ? .webp : .jpeg
        case .avif: format = .avif
        case .webp: format = .webp
        case .jpeg: format = .jpeg
        case .png: format = .png
        }
        // Qualities in steps of 5: twenty renditions per size at most, not a hundred.
        let asked = request.quality ?? (format == .avif ? 55 : 80)
        let quality = min(max((asked + 2) / 5 * 5, 5), 100)
        let fit: RenditionSpec.Fit = request.fit == .cover && height != nil && width != nil ? .cover : .contain
        let spec = RenditionSpec(
            width: width ?? 10_000_000,
            height: height,
            fit: fit,
            format: format,
            quality: quality,
            enhance: request.enhance
        )
        return RenditionPlan(sha256: sha256, spec: spec, variesByAccept: request.format == .auto)
    }

}

/// How a rendition will be made, known before it is: its cache file and `ETag`.
public struct RenditionPlan: Sendable {
    let sha256: String
    let spec: RenditionSpec
    public let variesByAccept: Bool

    var format: ImageFormat { spec.format }

    /// The cache file's suffix: how renditions are made (`version`, bumped when that changes,
    /// so that immutable URLs get new tags), size, fit, quality, enhancement and format.
    var key: String {
        let height = spec.height.map(String.init) ?? "0"
        let width = spec.width >= 10_000_000 ? "0" : String(spec.width)
        return
            "\(Self.version)-\(width)x\(height)-\(spec.fit.rawValue)-q\(spec.quality)-\(spec.enhance ? "e" : "n").\(spec.format.fileExtension)"
    }

    static let version = "r1"

    public var entityTag: String { "\"\(sha256.prefix(24))-\(key)\"" }
}
