import AisleCore
import AisleImage
import AisleStore
import Crypto
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The image files of a data folder (`<data>/images`): originals named by their SHA-256
/// (`originals/ab/abcdef…`), and the rendition cache (`renditions/ab/abcdef…-480x0-contain-q80-n.webp`),
/// capped in bytes with the least recently used renditions evicted first. Decoding runs on
/// its own threads, at most `concurrency` images at once, so a burst of uploads cannot hold
/// every core or the memory of many decoded photos.
final class ImageLibrary: Sendable {
    let directory: String
    let codec: ImageCodec
    let cacheBytes: Int
    private let slots: DispatchSemaphore
    /// Serialises photo writes (original saved, store written, replaced original released):
    /// a release must not delete an original another upload has just decided to share.
    let writes = AsyncLock()
    private let cache = Mutex(CacheIndex())
    /// The most used renditions in memory too, so that a hot one costs no file read.
    private let hot = Mutex(HotRenditions())

    struct HotRenditions {
        var entries: [String: (bytes: [UInt8], lastUse: UInt64)] = [:]
        var total = 0
        var clock: UInt64 = 0

        /// Keeps `bytes` for `path`, dropping the least recently used beyond `cap` (to 90 %).
        mutating func keep(_ bytes: [UInt8], at path: String, cap: Int) {
            guard bytes.count <= cap / 8 else { return }
            clock += 1
            if let old = entries[path] { total -= old.bytes.count }
            entries[path] = (bytes, clock)
            total += bytes.count
            guard total > cap else { return }
            for (oldPath, entry) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard total > cap * 9 / 10 else { break }
                entries[oldPath] = nil
                total -= entry.bytes.count
            }
        }
    }

    /// Memory for hot renditions.
    static let hotBytes = 32 * 1024 * 1024

    /// What the rendition cache holds: each file's size and when it was last used.
    struct CacheIndex {
        var loaded = false
        var entries: [String: (bytes: Int, lastUse: UInt64)] = [:]
        var total = 0
        var clock: UInt64 = 0
    }

    init(
        directory: String,
        maxPixels: Int,
        cacheBytes: Int,
        concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.directory = directory
        codec = ImageCodec(maxPixels: maxPixels, threads: 1)
        self.cacheBytes = cacheBytes
        slots = DispatchSemaphore(value: max(concurrency, 1))
    }

    /// Images waiting for or in a decoding slot.
    private let pending = Mutex(0)
    /// Past this many images waiting, more are refused (503) instead of queued: each waiting
    /// request holds a thread, and a burst of misses must not take them all.
    static let maxPending = 64

    /// Runs `work` on a decoding thread, when one of the slots is free; `.failed` when too many
    /// images are waiting already.
    func decoding<T: Sendable>(_ work: @escaping @Sendable () throws(ImageError) -> T) async throws(ImageError) -> T {
        let admitted = pending.withLock { count -> Bool in
            guard count < Self.maxPending else { return false }
            count += 1
            return true
        }
        guard admitted else { throw .failed("too many images are being processed; retry in a moment") }
        defer { pending.withLock { $0 -= 1 } }
        let result: Result<T, ImageError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [slots] in
                slots.wait()
                defer { slots.signal() }
                continuation.resume(returning: Result { () throws(ImageError) -> T in try work() })
            }
        }
        return try result.get()
    }

    /// Refuses, before any decoding, a body over the size limit, a media type Aisle does not
    /// take, or bytes that are not what `mediaType` says.
    func check(_ bytes: [UInt8], mediaType: String?, settings: ImageConfiguration) throws {
        guard bytes.count <= settings.maxUploadBytes else {
            throw AisleError(
                code: .payloadTooLarge,
                message: "the image is \(bytes.count) bytes, over the limit of \(settings.maxUploadBytes)"
            )
        }
        let accepted = "image/jpeg, image/png, image/webp, image/heic or image/avif"
        guard let mediaType, let declared = ImageFormat(mediaType: mediaType) else {
            throw AisleError(
                code: .unsupportedMediaType,
                message: "Content-Type must be \(accepted), got \(mediaType.map { "\"\($0.prefix(64))\"" } ?? "none")",
                field: "Content-Type"
            )
        }
        guard let actual = ImageFormat(sniffing: bytes) else {
            throw AisleError(
                code: .unsupportedMediaType,
                message: "the body is not a JPEG, PNG, WebP, HEIC or AVIF image"
            )
        }
        // HEIC and AVIF share one container; either type names either.
        guard actual == declared || Set([actual, declared]) == [.heic, .avif] else {
            throw AisleError(
                code: .unsupportedMediaType,
                message:
                    "the body is a \(actual.rawValue.uppercased()) image, not \(declared.mediaType) as Content-Type says",
                field: "Content-Type"
            )
        }
    }

    /// Reads a checked upload whole (its header against the pixel limit, every pixel decoded,
    /// its look analysed) and returns what the store keeps of it; the caller keeps the original
    /// (`saveOriginal`) under `writes`, with the store write.
    func ingest(_ bytes: [UInt8], for id: ItemID) async throws -> ItemImage {
        let codec = self.codec
        let side = ImageAnalysis.side
        let (header, analysis): (ImageHeader, ImageAnalysis)
        do {
            (header, analysis) = try await decoding { () throws(ImageError) in
                let header = try codec.header(of: bytes)
                try codec.verify(bytes)
                return (header, ImageAnalysis(rgb: try codec.pixels(of: bytes, width: side, height: side)))
            }
        } catch {
            throw Self.aisleError(error)
        }
        let sha256 = Self.sha256(bytes)
        return ItemImage(
            itemID: id,
            sha256: sha256,
            format: header.format.rawValue,
            width: header.displaySize.width,
            height: header.displaySize.height,
            bytes: bytes.count,
            dominantColours: analysis.dominantColours.map { ItemImage.Colour(hex: $0.hex, share: $0.share) },
            perceptualHash: analysis.perceptualHash,
            features: analysis.features,
            updatedAt: .now()
        )
    }

    /// Sets an item's photo: the upload checked and read whole, then — one write at a time —
    /// the original kept, the record stored (an upload stands for the item's `image_url` as it
    /// is now), `stored` told, and the replaced original released when no item uses it. The
    /// server (`Engine.putItemImage`) and `aisle import images` (`DataFolder`) both write here.
    func put(
        _ bytes: [UInt8],
        mediaType: String?,
        for id: ItemID,
        settings: ImageConfiguration,
        store: any Store,
        stored: (ItemImage) -> Void = { _ in }
    ) async throws -> ItemImage {
        try check(bytes, mediaType: mediaType, settings: settings)
        guard let item = try await store.item(id) else { throw AisleError.notFound("no item \"\(id)\"") }
        let image = try await ingest(bytes, for: id)
        // One photo write at a time: a release must not delete an original that another upload
        // has just decided to share.
        await writes.lock()
        defer { writes.unlock() }
        let previous: ItemImage?
        let shared = store as? any ImageOriginalStore
        do {
            try saveOriginal(bytes, sha256: image.sha256)
            try await shared?.putImageOriginal(bytes, sha256: image.sha256)
            previous = try await store.putItemImage(image)
            // Another node may have released the same original between the two writes.
            if let shared, try await !shared.hasImageOriginal(sha256: image.sha256) {
                try await shared.putImageOriginal(bytes, sha256: image.sha256)
            }
        } catch {
            try? await releaseOriginal(image.sha256, store: store)
            throw error
        }
        if let url = item.imageURL { try await store.recordImageFetch(id, url: url, error: nil, at: .now()) }
        stored(image)
        if let previous, previous.sha256 != image.sha256 { try await releaseOriginal(previous.sha256, store: store) }
        return image
    }

    /// Deletes an original (and its renditions) once no item of `store` uses it, from a shared
    /// store too.
    func releaseOriginal(_ sha256: String, store: any ImageStore) async throws {
        guard try await store.itemImageReferences(sha256: sha256) == 0 else { return }
        removeOriginal(sha256)
        if let shared = store as? any ImageOriginalStore { try await shared.deleteImageOriginal(sha256: sha256) }
    }

    /// Makes sure the original is in this node's folder: a photo another node stored is read
    /// from the shared store once. No work for the embedded store, whose files are the originals.
    func fetchOriginalIfMissing(_ sha256: String, store: any ImageStore) async throws {
        guard let shared = store as? any ImageOriginalStore,
            !FileManager.default.fileExists(atPath: originalPath(sha256))
        else { return }
        guard let bytes = try await shared.imageOriginal(sha256: sha256) else {
            throw AisleError(
                code: .unavailable,
                message: "the original image \(sha256.prefix(12))… is missing from the shared store"
            )
        }
        try saveOriginal(bytes, sha256: sha256)
    }

    static func aisleError(_ error: ImageError) -> AisleError {
        switch error {
        case .unsupported(let message): AisleError(code: .unsupportedMediaType, message: message)
        case .corrupt(let message): AisleError(code: .invalidImage, message: message)
        case .tooLarge(let message): AisleError(code: .payloadTooLarge, message: message)
        case .failed(let message): AisleError(code: .unavailable, message: "image processing failed: \(message)")
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    func originalPath(_ sha256: String) -> String {
        "\(directory)/originals/\(sha256.prefix(2))/\(sha256)"
    }

    /// Keeps an original (once: the same bytes are one file).
    func saveOriginal(_ bytes: [UInt8], sha256: String) throws {
        let path = originalPath(sha256)
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try Self.writeAtomically(bytes, to: path)
    }

    /// An original's bytes; `.failed` when its file is missing.
    func original(_ sha256: String) throws(ImageError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: originalPath(sha256)) else {
            throw .failed("the original image \(sha256.prefix(12))… is missing from the data folder")
        }
        return Array(data)
    }

    /// Deletes an original no item uses any more, and its renditions.
    func removeOriginal(_ sha256: String) {
        try? FileManager.default.removeItem(atPath: originalPath(sha256))
        let folder = "\(directory)/renditions/\(sha256.prefix(2))"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasPrefix(sha256) {
            let path = "\(folder)/\(name)"
            try? FileManager.default.removeItem(atPath: path)
            cache.withLock { index in
                if let entry = index.entries.removeValue(forKey: path) { index.total -= entry.bytes }
            }
            hot.withLock { hot in
                if let entry = hot.entries.removeValue(forKey: path) { hot.total -= entry.bytes.count }
            }
        }
    }

    func renditionPath(_ sha256: String, key: String) -> String {
        "\(directory)/renditions/\(sha256.prefix(2))/\(sha256)-\(key)"
    }

    /// A cached rendition, marked as just used; nil when it is not cached.
    func cachedRendition(_ path: String) -> [UInt8]? {
        let inMemory = hot.withLock { hot -> [UInt8]? in
            guard let entry = hot.entries[path] else { return nil }
            hot.clock += 1
            hot.entries[path]?.lastUse = hot.clock
            return entry.bytes
        }
        if let inMemory {
            // The disk cache's order follows use too: the hottest file must not look oldest.
            cache.withLock { index in
                index.clock += 1
                index.entries[path]?.lastUse = index.clock
            }
            return inMemory
        }
        loadCacheIndex()
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = Array(data)
        hot.withLock { $0.keep(bytes, at: path, cap: Self.hotBytes) }
        cache.withLock { index in
            index.clock += 1
            if index.entries[path] == nil { index.total += data.count }
            index.entries[path] = (data.count, index.clock)
        }
        return bytes
    }

    /// Caches a rendition, evicting the least recently used ones beyond the cap.
    func cacheRendition(_ bytes: [UInt8], at path: String) {
        guard cacheBytes > 0, bytes.count <= cacheBytes else { return }
        hot.withLock { $0.keep(bytes, at: path, cap: min(Self.hotBytes, cacheBytes)) }
        loadCacheIndex()
        do {
            try Self.writeAtomically(bytes, to: path)
        } catch {
            return  // a full disk costs the cache, not the answer
        }
        let evicted = cache.withLock { index -> [String] in
            index.clock += 1
            if let old = index.entries[path] { index.total -= old.bytes }
            index.entries[path] = (bytes.count, index.clock)
            index.total += bytes.count
            guard index.total > cacheBytes else { return [] }
            // Down to 90 % of the cap at once, so that eviction is not paid on every write.
            var evicted: [String] = []
            for (oldPath, entry) in index.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard index.total > cacheBytes * 9 / 10 else { break }
                index.entries[oldPath] = nil
                index.total -= entry.bytes
                evicted.append(oldPath)
            }
            return evicted
        }
        hot.withLock { hot in
            for path in evicted {
                if let entry = hot.entries.removeValue(forKey: path) { hot.total -= entry.bytes.count }
            }
        }
        for path in evicted { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The renditions' total size (for tests and the dashboard).
    var cachedBytes: Int {
        loadCacheIndex()
        return cache.withLock { $0.total }
    }

    /// Reads the cache folder once: the files a previous run left, oldest first by date.
    private func loadCacheIndex() {
        guard !cache.withLock({ $0.loaded }) else { return }
        let root = "\(directory)/renditions"
        var found: [(path: String, bytes: Int, date: Date)] = []
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? []
            where !name.hasPrefix(".") {
                let path = "\(root)/\(folder)/\(name)"
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                found.append(
                    (
                        path, (attributes?[.size] as? Int) ?? 0,
                        (attributes?[.modificationDate] as? Date) ?? .distantPast
                    )
                )
            }
        }
        cache.withLock { index in
            guard !index.loaded else { return }
            index.loaded = true
            for file in found.sorted(by: { $0.date < $1.date }) where index.entries[file.path] == nil {
                index.clock += 1
                index.entries[file.path] = (file.bytes, index.clock)
                index.total += file.bytes
            }
        }
    }

    /// Writes through a temporary file and a rename, so that a reader never sees half a file.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(folder)/.\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw AisleError(code: .unavailable, message: "could not write \(temporary)")
        }
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw AisleError(code: .unavailable, message: "could not write \(path) (errno \(errno))")
        }
    }
}

/// A lock for async code: `lock` suspends (it does not block a thread) until the holder calls
/// `unlock`; waiters go first come, first served.
final class AsyncLock: Sendable {
    private let state = Mutex<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if !state.locked {
                    state.locked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()  // the lock passes to it, still held
        }
        next?.resume()
    }
}
