import AisleCore
import AisleServer
import Hummingbird
import Testing

@testable import AisleServer

/// `--rate-limit`: token buckets per key scope and address, 429 with Retry-After past them.
@Suite struct RateLimitTests {
    @Test("past the rate a caller gets 429 rate_limited with Retry-After; another key has its own budget")
    func limited() async throws {
        // A stopped clock: the buckets never refill, however slowly the machine runs the test.
        let stopped = ContinuousClock.now
        try await TestAPI(rateLimiter: RateLimiter(requestsPerSecond: 2) { stopped }).run { (api) async throws in
            for _ in 0..<2 { #expect(try await api.call(.get, "/v1/trending", key: .ingest).status == .ok) }
            let refused = try await api.call(.get, "/v1/trending", key: .ingest)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.error?.code == "rate_limited")
            #expect(refused.headers[.retryAfter] == "1")
            #expect(try await api.call(.get, "/v1/items", key: .admin).status == .ok, "the admin key's own bucket")
            let metrics = String(decoding: try await api.call(.get, "/metrics", key: .none).body, as: UTF8.self)
            #expect(metrics.contains("aisle_rate_limited_total 1"))
        }
    }

    @Test("without --rate-limit nothing is limited")
    func unlimited() async throws {
        try await TestAPI().run { (api) async throws in
            for _ in 0..<50 { #expect(try await api.call(.get, "/v1/trending", key: .ingest).status == .ok) }
        }
    }

    @Test("a request without a valid key is refused before it spends a caller's budget")
    func keyFirst() async throws {
        let stopped = ContinuousClock.now
        try await TestAPI(rateLimiter: RateLimiter(requestsPerSecond: 1) { stopped }).run { (api) async throws in
            for _ in 0..<3 { #expect(try await api.call(.get, "/v1/trending", key: .none).status == .unauthorized) }
            #expect(try await api.call(.get, "/v1/trending", key: .ingest).status == .ok)
        }
    }

    @Test("a bucket refills at the rate: the wait it names is the time to one token")
    func refill() {
        let limiter = RateLimiter(requestsPerSecond: 4)
        let start = ContinuousClock.now
        for _ in 0..<4 { #expect(limiter.take("a", now: start) == nil) }
        let wait = limiter.take("a", now: start)
        #expect(wait == .milliseconds(250))
        #expect(limiter.take("a", now: start + .milliseconds(260)) == nil)
        #expect(limiter.take("b", now: start) == nil, "callers do not share a bucket")
    }

    @Test("a rate limit outside 1…1,000,000 is refused at start")
    func validation() {
        var configuration = AisleConfiguration()
        configuration.server.rateLimit = 0
        #expect(throws: AisleError.self) { try configuration.validate() }
    }
}
