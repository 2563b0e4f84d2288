import AisleCore
import AisleImage
import AisleStore
import Logging
import ServiceLifecycle

/// Downloads a photo named by an item's `image_url`. The composition root gives the engine one
/// (`SafeImageDownloader` in AisleServer), so that no HTTP client lives in the engine.
public protocol ImageDownloader: Sendable {
    /// The body and its `Content-Type`; throws an `AisleError` saying why not (a private
    /// address, a status other than 200, too large, too slow).
    func download(_ url: String, maxBytes: Int) async throws -> (bytes: [UInt8], mediaType: String?)
}

/// Fetches items' `image_url` photos in the background: at start every item whose URL was not
/// fetched yet (or failed more than a day ago), then after every catalog change the engine
/// signals. Each
/// photo goes through the same checks as an upload; the outcome is recorded per item and URL
/// (`GET /v1/items/{id}/image/info` tells a failure).
final class ImageURLFetcher: Sendable {
    let store: any Store
    let downloader: any ImageDownloader
    let maxBytes: Int
    let retryAfter: Duration
    /// Stores a downloaded photo as the item's (the engine's `putItemImage`).
    let put: @Sendable (ItemID, [UInt8], String?) async throws -> ItemImage
    private let signals: AsyncStream<Void>

    /// Items fetched at once.
    static let batchSize = 8

    init(
        store: any Store,
        downloader: any ImageDownloader,
        maxBytes: Int,
        retryAfter: Duration,
        signals: AsyncStream<Void>,
        put: @escaping @Sendable (ItemID, [UInt8], String?) async throws -> ItemImage
    ) {
        self.store = store
        self.downloader = downloader
        self.maxBytes = maxBytes
        self.retryAfter = retryAfter
        self.put = put
        self.signals = signals
    }

    /// Fetches every item's photo that is due; returns how many were stored and how many failed.
    func catchUp(logger: Logger) async throws -> (stored: Int, failed: Int) {
        var stored = 0
        var failed = 0
        var cursor: ItemID?
        while true {
            let retryBefore = Timestamp(
                millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - retryAfter.components.seconds * 1000
            )
            let due = try await store.itemsNeedingImageFetch(
                retryBefore: retryBefore,
                after: cursor,
                limit: Self.batchSize
            )
            guard let last = due.last else { return (stored, failed) }
            let outcomes = await withTaskGroup(of: (ItemID, String, String?).self) { group in
                for (item, url) in due {
                    group.addTask { [self] in (item, url, await fetch(item, url)) }
                }
                var outcomes: [(ItemID, String, String?)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            for (item, url, error) in outcomes {
                try await store.recordImageFetch(item, url: url, error: error, at: .now())
                if let error {
                    failed += 1
                    logger.warning("image_url of item \(item) not fetched: \(error)")
                } else {
                    stored += 1
                }
            }
            cursor = last.item
        }
    }

    /// One item's photo: nil when it was stored, else why not.
    private func fetch(_ item: ItemID, _ url: String) async -> String? {
        do {
            let (bytes, declared) = try await downloader.download(url, maxBytes: maxBytes)
            // A server that sends no image type (or a generic one) still sends an image.
            let mediaType =
                declared.flatMap { ImageFormat(mediaType: $0)?.mediaType } ?? ImageFormat(sniffing: bytes)?.mediaType
            _ = try await put(item, bytes, mediaType ?? declared)
            return nil
        } catch let error as AisleError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Catches up at start and after every signal, until cancelled.
    func run(logger: Logger) async {
        do {
            _ = try await catchUp(logger: logger)
        } catch {
            logger.warning("fetching image_url photos failed, retried on the next change: \(error)")
        }
        for await _ in signals {
            do {
                let (stored, failed) = try await catchUp(logger: logger)
                if stored + failed > 0 { logger.info("image_url photos: \(stored) stored, \(failed) failed") }
            } catch {
                logger.warning("fetching image_url photos failed, retried on the next change: \(error)")
            }
        }
    }
}

/// Runs the image_url fetcher beside the server.
struct ImageURLFetchService: Service {
    let fetcher: ImageURLFetcher
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { [fetcher, logger] in
            await fetcher.run(logger: logger)
        }
    }
}

/// Loads the photos' visual index at start, so that similar items can use their looks.
struct VisualIndexService: Service {
    let load: @Sendable () async throws -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await load()
        } catch {
            logger.warning("the photos' visual index did not load (it loads on first use): \(error)")
        }
        // A service that returns would end the server: wait for the shutdown instead.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }
}
