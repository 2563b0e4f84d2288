import AisleCore
import AisleSearch
import AisleStore
import Logging
import ServiceLifecycle

/// Builds the search index from the catalog when the server starts (item changes after that
/// reach it from the item routes). Searches answer from the part loaded so far meanwhile.
struct SearchIndexService: Service {
    let engine: SearchEngine
    let store: any Store
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var cursor: ItemID?
        while !Task.isCancelled {
            let page = try await store.items(after: cursor, limit: 5_000)
            engine.upsert(page)
            guard page.count == 5_000, let last = page.last else { break }
            cursor = last.id
        }
        logger.info("search: indexed \(engine.count) items in \(clock.now - start)")
        try? await gracefulShutdown()
    }
}
