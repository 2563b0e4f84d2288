public import AisleCore
public import AisleEngine
public import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle

/// Builds the HTTP API around an engine. The server holds no business logic: it decodes and
/// validates, makes one engine call, and encodes.
public enum AisleApplication {
    /// The router with every route and middleware; `keys` decides who may call what.
    public static func router(
        engine: Engine,
        keys: KeyRing,
        tokens: UserTokens = UserTokens.ephemeral(),
        metrics: ServerMetrics = ServerMetrics(),
        rateLimiter: RateLimiter? = nil
    ) -> Router<AisleRequestContext> {
        let configuration = engine.configuration
        let router = Router(context: AisleRequestContext.self)
        let allowedMethods = AllowedMethods()
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: CORSMiddleware())
        router.add(middleware: AcceptEncodingMiddleware())
        router.add(middleware: ConditionalGetMiddleware())
        router.add(middleware: AisleErrorMiddleware(allowedMethods: allowedMethods))
        SystemRoutes(engine: engine, metrics: metrics).register(on: router)

        let web = configuration.web
        let assets = web.servesStorefront || web.servesDashboard ? WebAssets.installed : nil
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(configuration.server.host)
        let storefront =
            web.servesStorefront && assets != nil
            ? StorefrontSession(secret: keys.storefrontSecret, loopbackOnly: loopback) : nil
        if let assets {
            WebRoutes(assets: assets, storefront: storefront, servesDashboard: web.servesDashboard).register(on: router)
        }

        let limiter = rateLimiter ?? RateLimiter(requestsPerSecond: configuration.server.rateLimit)
        let ingest = router.group("v1").add(
            middleware: KeyAuthMiddleware(keys: keys, tokens: tokens, storefront: storefront)
        ).add(middleware: KnownQueryMiddleware())
        ingest.add(middleware: RateLimitMiddleware(limiter: limiter, metrics: metrics))
        ingest.add(middleware: AuditMiddleware(engine: engine, tokens: tokens))
        EventRoutes(engine: engine, configuration: configuration, metrics: metrics).register(on: ingest)
        UserRoutes(engine: engine, configuration: configuration, tokens: tokens).register(consent: ingest)
        let recommendationRoutes = RecommendationRoutes(engine: engine)
        recommendationRoutes.register(reads: ingest)
        let reviewRoutes = ReviewRoutes(engine: engine, configuration: configuration)
        reviewRoutes.register(ingest: ingest)
        let searchRoutes = SearchRoutes(engine: engine, configuration: configuration)
        searchRoutes.register(reads: ingest)
        let experimentRoutes = ExperimentRoutes(engine: engine)
        experimentRoutes.register(reads: ingest)
        let banditRoutes = BanditRoutes(engine: engine)
        banditRoutes.register(reads: ingest)
        let imageRoutes = ImageRoutes(engine: engine, configuration: configuration)
        imageRoutes.register(reads: ingest)
        let assistantRoutes = AssistantRoutes(engine: engine, configuration: configuration, metrics: metrics)
        assistantRoutes.register(reads: ingest)
        if configuration.images.publicRenditions {
            // An <img> sends no key: renditions answer anyone, rate-limited by address.
            let open = router.group("v1").add(middleware: KnownQueryMiddleware())
            open.add(middleware: RateLimitMiddleware(limiter: limiter, metrics: metrics))
            imageRoutes.register(renditions: open)
        } else {
            imageRoutes.register(renditions: ingest)
        }

        let admin = router.group("v1").add(
            middleware: KeyAuthMiddleware(keys: keys, tokens: tokens, storefront: storefront)
        ).add(middleware: KnownQueryMiddleware())
        admin.add(middleware: RateLimitMiddleware(limiter: limiter, metrics: metrics))
        admin.add(middleware: AuditMiddleware(engine: engine, tokens: tokens))
        ItemRoutes(engine: engine, configuration: configuration).register(on: admin)
        imageRoutes.register(admin: admin)
        EmbeddingRoutes(engine: engine, configuration: configuration).register(admin: admin)
        UserRoutes(engine: engine, configuration: configuration, tokens: tokens).register(on: admin)
        recommendationRoutes.register(admin: admin)
        reviewRoutes.register(admin: admin)
        searchRoutes.register(admin: admin)
        KeyRoutes(engine: engine, keys: keys).register(admin: admin)
        AuditRoutes(engine: engine).register(admin: admin)
        StatsRoutes(engine: engine, metrics: metrics).register(admin: admin)
        experimentRoutes.register(admin: admin)
        banditRoutes.register(admin: admin)
        assistantRoutes.register(admin: admin)
        allowedMethods.learn(router.routes.map { ($0.path.description, $0.method.rawValue) })
        return router
    }

    /// Whether the configuration asks for a browser app whose files are not installed (the
    /// resource bundle missing beside the binary).
    public static func webAppsMissing(_ configuration: AisleConfiguration) -> Bool {
        (configuration.web.servesStorefront || configuration.web.servesDashboard) && WebAssets.installed == nil
    }

    /// The application, ready for `runService()` (which stops gracefully on SIGTERM/SIGINT),
    /// with the engine's background services beside the HTTP server. `onListening` gets the
    /// bound port (useful with port 0).
    public static func build(
        engine: Engine,
        keys: KeyRing,
        tokens: UserTokens,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let configuration = engine.configuration
        return Application(
            router: router(engine: engine, keys: keys, tokens: tokens),
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
            services: engine.services(logger: logger) + [MadeKeySync(engine: engine, keys: keys, logger: logger)],
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? configuration.server.port)
            },
            logger: logger
        )
    }
}
