import AisleCore
import AisleText
public import Logging
public import ServiceLifecycle

/// The background work the engine owns, to run beside whatever serves it (the HTTP server):
/// store upkeep, the search index's start-up load and count flushes, its HNSW graph builds, the
/// training schedule, and item embedding when there is a text model. Each stops on graceful
/// shutdown.
extension Engine {
    public func services(logger: Logger) -> [any Service] {
        var services: [any Service] = [
            StoreMaintenanceService(store: store),
            SearchIndexService(engine: searchEngine, store: store, model: encoder?.name, logger: logger),
            SearchGraphService(engine: searchEngine),
            TrainingScheduleService(
                service: recommendations,
                configuration: configuration.recommend,
                logger: logger
            ),
        ]
        if let embedder { services.append(ItemEmbeddingService(embedder: embedder, logger: logger)) }
        return services
    }
}
