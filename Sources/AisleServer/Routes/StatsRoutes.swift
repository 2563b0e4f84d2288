import AisleCore
import AisleEngine
import Hummingbird

/// `GET /v1/stats` (admin): what the dashboard draws, in one answer.
struct StatsRoutes {
    let engine: Engine
    let metrics: ServerMetrics

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.get("stats", use: stats)
    }

    @Sendable func stats(request: Request, context: AisleRequestContext) async throws -> Response {
        let newest = try request.queryInt("events", default: 10, in: 0...100)
        let queries = try request.queryInt("queries", default: 10, in: 0...100)
        let (uptime, events, requests) = metrics.snapshot()
        let body = StatsBody(
            startedAt: TimestampBody(metrics.startedAt),
            uptimeSeconds: uptime,
            counts: StatsBody.Counts(try await engine.storeCounts()),
            events: events,
            requests: requests,
            newestEvents: try await engine.newestEvents(limit: newest).map(EventBody.init),
            search: StatsBody.Search(
                topQueries: ZeroResultsBody(engine.topQueries(limit: queries)).data,
                zeroResultQueries: ZeroResultsBody(engine.zeroResultQueries(limit: queries)).data
            )
        )
        return JSONResponse.encoded(body)
    }
}
