public import AisleCore
public import AisleStore
public import AisleRecommend
public import AisleSearch
public import AisleText
public import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle

/// Builds the HTTP API around a store. The server holds no business logic: it decodes and
/// validates, calls the store, and encodes.
public enum AisleApplication {
    /// The router with every route and middleware; `keys` decides who may call what.
    public static func router(
        configuration: AisleConfiguration,
        store: any Store,
        keys: KeyRing,
        tokens: UserTokens = UserTokens.ephemeral(),
        recommendations: RecommendationService,
        reviews: ReviewAnalyzer = ReviewAnalyzer(model: nil),
        embedder: ItemEmbedder? = nil,
        search: SearchEngine = SearchEngine(),
        metrics: ServerMetrics = ServerMetrics()
    ) -> Router<AisleRequestContext> {
        let router = Router(context: AisleRequestContext.self)
        let allowedMethods = AllowedMethods()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: AisleErrorMiddleware(allowedMethods: allowedMethods))
        SystemRoutes(store: store, metrics: metrics).register(on: router)

        let ingest = router.group("v1").add(
            middleware: KeyAuthMiddleware(keys: keys, required: .ingest, tokens: tokens)
        ).add(middleware: KnownQueryMiddleware())
        EventRoutes(
            store: store,
            configuration: configuration,
            metrics: metrics,
            search: search,
            recommendations: recommendations
        ).register(on: ingest)
        let recommendationRoutes = RecommendationRoutes(
            service: recommendations,
            store: store,
            configuration: configuration
        )
        recommendationRoutes.register(reads: ingest)
        let reviewRoutes = ReviewRoutes(store: store, configuration: configuration, analyzer: reviews)
        reviewRoutes.register(ingest: ingest)
        let searchRoutes = SearchRoutes(
            engine: search,
            store: store,
            recommendations: recommendations,
            configuration: configuration,
            encoder: embedder?.encoder
        )
        searchRoutes.register(reads: ingest)

        let admin = router.group("v1").add(
            middleware: KeyAuthMiddleware(keys: keys, required: .admin, tokens: tokens)
        ).add(middleware: KnownQueryMiddleware())
        ItemRoutes(
            store: store,
            configuration: configuration,
            recommendations: recommendations,
            embedder: embedder,
            search: search
        ).register(on: admin)
        EmbeddingRoutes(store: store, configuration: configuration, encoder: embedder?.encoder).register(admin: admin)
        UserRoutes(store: store, configuration: configuration, tokens: tokens).register(on: admin)
        recommendationRoutes.register(admin: admin)
        reviewRoutes.register(admin: admin)
        searchRoutes.register(admin: admin)
        allowedMethods.learn(router.routes.map { ($0.path.description, $0.method.rawValue) })
        return router
    }

    /// The application, ready for `runService()` (which stops gracefully on SIGTERM/SIGINT).
    /// `onListening` gets the bound port (useful with port 0).
    public static func build(
        configuration: AisleConfiguration,
        store: any Store,
        keys: KeyRing,
        tokens: UserTokens,
        recommendations: RecommendationService,
        reviews: ReviewAnalyzer = ReviewAnalyzer(model: nil),
        embedder: ItemEmbedder? = nil,
        search: SearchEngine = SearchEngine(),
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(
                configuration: configuration,
                store: store,
                keys: keys,
                tokens: tokens,
                recommendations: recommendations,
                reviews: reviews,
                embedder: embedder,
                search: search
            ),
            server: HTTPServerBuilder { responder in
                TimedHTTP1Channel(
                    responder: responder,
                    deadlines: ConnectionDeadlines(
                        header: configuration.server.headerTimeout,
                        body: configuration.server.bodyTimeout,
                        idle: configuration.server.idleTimeout
                    )
                )
            },
            configuration: .init(
                address: .hostname(configuration.server.host, port: configuration.server.port),
                serverName: "aisle",
                // Past the limit, new connections wait in the listen queue until one closes.
                availableConnectionsDelegate: MaximumAvailableConnections(
                    configuration.server.maxConnections,
                    logger: logger
                )
            ),
            services: services(
                configuration: configuration,
                store: store,
                recommendations: recommendations,
                embedder: embedder,
                search: search,
                logger: logger
            ),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? configuration.server.port)
            },
            logger: logger
        )
    }
}

extension AisleApplication {
    /// The background services beside the HTTP server.
    static func services(
        configuration: AisleConfiguration,
        store: any Store,
        recommendations: RecommendationService,
        embedder: ItemEmbedder?,
        search: SearchEngine,
        logger: Logger
    ) -> [any Service] {
        var services: [any Service] = [
            StoreMaintenanceService(store: store),
            SearchIndexService(engine: search, store: store, model: embedder?.encoder.name, logger: logger),
            TrainingScheduleService(service: recommendations, configuration: configuration.recommend, logger: logger),
        ]
        if let embedder { services.append(ItemEmbeddingService(embedder: embedder, logger: logger)) }
        return services
    }
}

/// Runs the store's background upkeep for as long as the server runs.
/// Retrains the recommender on the configured schedule (and once at start when there is no
/// snapshot), beside the server; stops with it.
struct TrainingScheduleService: Service {
    let service: RecommendationService
    let configuration: RecommendConfiguration
    let logger: Logger

    func run() async throws {
        let logger = logger
        await cancelWhenGracefulShutdown {
            if configuration.trainOnStart && !service.loadSaved() {
                do {
                    let report = try await service.train { logger.info("training: \($0)") }
                    logger.info("first training done: \(report.interactions) interactions, \(report.items) items")
                } catch {
                    logger.error("first training failed: \(error)")
                }
            }
            await service.runSchedule(
                everyMinutes: configuration.trainEveryMinutes,
                afterEvents: configuration.trainAfterEvents
            ) { logger.info("training: \($0)") }
        }
    }
}

struct StoreMaintenanceService: Service {
    let store: any Store

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.runMaintenance()
        }
    }
}
