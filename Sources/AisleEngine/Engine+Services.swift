import AisleCore
import AisleText
public import Logging
public import ServiceLifecycle

/// The background work the engine owns, to run beside whatever serves it (the HTTP server):
/// store upkeep, the search index's start-up load and count flushes, its HNSW graph builds, the
/// training schedule, and item embedding when there is a text model. Each stops on graceful
/// shutdown.
extension Engine {
    /// The engine is not ready (`checkReady`) until the search index and the saved model,
    /// which two of these load, are in.
    public func services(logger: Logger) -> [any Service] {
        startup.begin(.searchIndex)
        startup.begin(.savedModel)
        var services: [any Service] = [
            StoreMaintenanceService(store: store),
            AuditRetentionService(store: store, retention: configuration.store.auditRetention),
            SearchIndexService(
                engine: searchEngine,
                store: store,
                model: encoder?.name,
                logger: logger,
                loaded: { [startup] in startup.finish(.searchIndex) }
            ),
            SearchGraphService(engine: searchEngine),
            ChangeFeedService(engine: self, logger: logger),
            VisualIndexService(load: { [self] in try await visualIndex.load(from: store) }, logger: logger),
            BanditSaveService(save: { [self] in await saveBandits() }),
            ExposureFlushService(flush: { [self] in try? await flushExposures() }),
            ExperimentTallyService(refresh: { [self] in try? await refreshExperimentTallies() }),
            AssistantWarmUpService(
                warmUp: { [self] in await waitUntilFAQsEmbedded() },
                cancel: { [assistant] in assistant.cancelEmbedding() },
                logger: logger
            ),
            TrainingScheduleService(
                service: recommendations,
                configuration: configuration.recommend,
                logger: logger,
                savedModelChecked: { [startup] in startup.finish(.savedModel) }
            ),
        ]
        if let embedder { services.append(ItemEmbeddingService(embedder: embedder, logger: logger)) }
        if let imageDownloader {
            let fetcher = ImageURLFetcher(
                store: store,
                downloader: imageDownloader,
                maxBytes: configuration.images.maxUploadBytes,
                retryAfter: configuration.images.fetchRetryAfter,
                signals: imageURLChanges.stream,
                put: { [self] in try await putItemImage($0, bytes: $1, mediaType: $2) }
            )
            services.append(ImageURLFetchService(fetcher: fetcher, logger: logger))
        }
        return services
    }
}
