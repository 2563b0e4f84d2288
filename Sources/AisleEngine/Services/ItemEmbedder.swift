import AisleCore
import AisleSearch
import AisleStore
import AisleText
import Logging
import ServiceLifecycle

/// Embeds catalog items in the background: at start every item without a current embedding,
/// then whatever `itemsChanged()` signals (item upserts), in batches, off the request path.
final class ItemEmbedder: Sendable {
    let encoder: TextEncoder
    let store: any Store
    /// Receives each new vector for semantic search.
    let search: SearchEngine?
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    /// Items embedded per batch.
    static let batchSize = 32

    init(encoder: TextEncoder, store: any Store, search: SearchEngine? = nil) {
        self.encoder = encoder
        self.store = store
        self.search = search
        // One pending signal is enough: a pass picks up every item changed before it reads.
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the embedder: items changed.
    func itemsChanged() {
        signal.yield()
    }

    /// Embeds every item whose embedding is missing or older than the item; returns how many.
    func catchUp() async throws -> Int {
        var done = 0
        var cursor: ItemID?
        while true {
            let items = try await store.itemsNeedingEmbedding(model: encoder.name, after: cursor, limit: Self.batchSize)
            guard let last = items.last else { return done }
            let (vectors, _) = await encoder.embedInBackground(items.map(TextEncoder.itemText))
            let embeddings = zip(items, vectors).map { item, vector in
                ItemEmbedding(itemID: item.id, model: encoder.name, vector: vector, updatedAt: item.updatedAt ?? .now())
            }
            done += try await store.putItemEmbeddings(embeddings)
            search?.setVectors(embeddings.map { ($0.itemID, $0.vector) })
            await store.publish(.embeddings(model: encoder.name, items: embeddings.map(\.itemID)))
            cursor = last.id
        }
    }

    /// Catches up at start and after every signal, until cancelled.
    func run(logger: Logger) async {
        signal.yield()
        for await _ in signals {
            do {
                let count = try await catchUp()
                if count > 0 { logger.debug("embedded \(count) items") }
            } catch {
                logger.warning("item embedding failed, retried on the next change: \(error)")
            }
        }
    }

    func finish() {
        signal.finish()
    }
}

/// Runs the item embedder beside the server; stops with it.
struct ItemEmbeddingService: Service {
    let embedder: ItemEmbedder
    let logger: Logger

    func run() async throws {
        let embedder = embedder
        let logger = logger
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await embedder.run(logger: logger)
            } onCancel: {
                embedder.finish()
            }
        }
    }
}
