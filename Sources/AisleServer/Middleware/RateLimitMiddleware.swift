import AisleCore
import Hummingbird
import Prometheus
import Synchronization

/// Token buckets per key scope and client address: `rate` requests a second on average, bursts
/// of up to `rate` at once. Buckets of callers idle for a minute are forgotten, so memory stays
/// bounded by the callers of the last minute.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Requests a second per key and address (`--rate-limit`); nil for none but the keys' own.
    let rate: Double?
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> ContinuousClock.Instant
    private static let idleForgotten = Duration.seconds(60)
    private static let sweepAbove = 10_000

    /// A limiter of `requestsPerSecond`; `clock` is for tests that must not depend on how fast
    /// the machine runs them.
    public init(
        requestsPerSecond: Int?,
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        rate = requestsPerSecond.map(Double.init)
        self.clock = clock
    }

    /// Takes a token for `caller`, whose rate is `rate` when given (a key's own limit); nil
    /// when allowed, else how long until one is free.
    func take(_ caller: String, rate: Int? = nil, now: ContinuousClock.Instant? = nil) -> Duration? {
        guard let rate = rate.map(Double.init) ?? self.rate else { return nil }
        let now = now ?? clock()
        return buckets.withLock { buckets in
            if buckets.count > Self.sweepAbove {
                buckets = buckets.filter { now - $0.value.updated < Self.idleForgotten }
            }
            var bucket = buckets[caller] ?? Bucket(tokens: rate, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(rate, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[caller] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return .seconds((1 - bucket.tokens) / rate)
        }
    }
}

/// Answers 429 `rate_limited` with `Retry-After` (whole seconds, at least 1) once a caller (its
/// key and address) is past its key's own `rate_limit` or else `--rate-limit`. Runs after the key check, so a request with
/// no valid key is refused before it can use a caller's budget.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AisleRequestContext
    let limiter: RateLimiter
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let rate = context.key?.rateLimit
        // No limit for this key and none server-wide (the default): nothing to count.
        guard rate != nil || limiter.rate != nil else { return try await next(request, context) }
        let caller = "\(context.key?.id ?? "none") \(context.remoteAddress ?? "unknown")"
        guard let wait = limiter.take(caller, rate: rate) else { return try await next(request, context) }
        metrics.recordRateLimited()
        let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        var response = JSONResponse.error(
            AisleError(
                code: .rateLimited,
                message:
                    "more than \(rate ?? Int(limiter.rate ?? 0)) requests a second from this key and address; retry after \(seconds) s"
            )
        )
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}
