import AisleCore
import AisleSearch
import AisleStore
import Logging
import ServiceLifecycle

/// Builds the search index from the store when the server starts (item changes after that
/// reach it from the item routes; searches answer from the part loaded so far meanwhile):
/// synonyms, the query log and clicks, the items, then their embeddings. Then, every few
/// seconds and at shutdown, adds the searches and clicks counted since to the store.
struct SearchIndexService: Service {
    let engine: SearchEngine
    let store: any Store
    /// The text encoder's model name: whose item embeddings to load (nil: none).
    let model: String?
    let logger: Logger
    /// Called once the index holds everything the store had at start.
    let loaded: @Sendable () -> Void

    /// How often counts reach the store.
    static let flushInterval = Duration.seconds(5)
    /// Query-log rows and click rows loaded at start (the most frequent).
    static let restoredQueries = 100_000
    static let restoredClicks = 500_000
    static let restoredShoppers = 1_000_000

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let stored = try await store.searchSynonyms()
            try engine.setSynonyms(stored.rules, revision: stored.revision)
        } catch let error as SynonymError {
            logger.warning("search: stored synonyms are unusable, none in force: \(error)")
        }
        engine.restoreBehaviour(
            SearchActivity(
                queries: try await store.searchQueries(limit: Self.restoredQueries),
                clicks: try await store.searchClicks(limit: Self.restoredClicks),
                shoppers: try await store.searchQueryShoppers(limit: Self.restoredShoppers)
            )
        )
        var cursor: ItemID?
        while !Task.isCancelled {
            let page = try await store.items(after: cursor, limit: 5_000)
            engine.upsert(page)
            guard page.count == 5_000, let last = page.last else { break }
            cursor = last.id
        }
        if let model {
            cursor = nil
            while !Task.isCancelled {
                let page = try await store.itemEmbeddings(model: model, after: cursor, limit: 5_000)
                engine.setVectors(page.map { ($0.itemID, $0.vector) }, keepingNewer: true)
                guard page.count == 5_000, let last = page.last else { break }
                cursor = last.itemID
            }
        }
        logger.info(
            "search: indexed \(engine.count) items (\(engine.vectorCount) with embeddings) in \(clock.now - start)"
        )
        loaded()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.flushInterval)
                await flush()
            }
        }
        await flush()
    }

    /// Adds the counts recorded since the last flush to the store; on failure they wait for the
    /// next flush.
    func flush() async {
        let changes = engine.drainBehaviourChanges()
        guard !changes.isEmpty else { return }
        do {
            try await store.addSearchActivity(changes)
        } catch {
            let dropped = engine.requeueBehaviourChanges(changes)
            let loss = dropped > 0 ? "; \(dropped) of the least searched or clicked dropped to bound memory" : ""
            logger.warning(
                "search: query and click counts not stored, retried in \(Self.flushInterval)\(loss): \(error)"
            )
        }
    }
}
