import AisleCore
import Foundation
import Prometheus
import Synchronization

/// The server's Prometheus metrics, served as text at `GET /metrics`. One registry per server,
/// passed in, never the global MetricsSystem: tests run many servers in one process.
public final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let eventsAccepted: Counter
    let eventsDuplicate: Counter
    let eventsRejected: Counter
    let eventsUnknownItem: Counter
    let rateLimited: Counter
    /// The same counts, readable (Prometheus' registry only renders text): `GET /v1/stats`.
    private let totals: Mutex<Totals>
    let startedAt = Timestamp.now()
    private let startedClock = ContinuousClock.now

    struct Totals {
        var requests = 0
        var clientErrors = 0
        var serverErrors = 0
        var rateLimited = 0
        /// Per `latencyBuckets` entry, plus one past the last.
        var latency = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count + 1)
        var accepted = 0
        var duplicates = 0
        var rejected = 0
        var unknownItems = 0
        var byType: [String: Int] = [:]
        var byPlatform: [String: Int] = [:]
    }

    /// Request latency buckets, in seconds: fine below 10 ms, where the API is meant to answer.
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init() {
        totals = Mutex(Totals())
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, helpText: help))
        }
        eventsAccepted = counter("aisle_events_ingested_total", "Events accepted and stored.")
        eventsDuplicate = counter(
            "aisle_events_duplicate_total",
            "Events skipped because their event_id was stored already."
        )
        eventsRejected = counter("aisle_events_rejected_total", "Event rows rejected by validation.")
        eventsUnknownItem = counter(
            "aisle_events_unknown_item_total",
            "Accepted events whose item_id is not in the catalog."
        )
        rateLimited = counter("aisle_rate_limited_total", "Requests answered 429 by --rate-limit.")
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "aisle_http_requests_total",
                helpText: "HTTP requests by route, method and status."
            ),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "aisle_http_request_duration_seconds",
                helpText: "HTTP request latency by route and method."
            ),
            labels: [("route", route), ("method", method)],
            buckets: Self.latencyBuckets
        ).record(duration)
        let bucket = Self.latencyBuckets.firstIndex { duration <= $0 } ?? Self.latencyBuckets.count
        totals.withLock { totals in
            totals.requests += 1
            totals.latency[bucket] += 1
            if (400..<500).contains(status) { totals.clientErrors += 1 }
            if status >= 500 { totals.serverErrors += 1 }
        }
    }

    /// One assistant reply: who wrote it, and what became of asking the language model
    /// (`not_asked` without one or for a reply that is not only shared facts).
    func recordAssistantReply(writtenBy: ReplyAuthor, modelOutcome: ReplyModelOutcome?) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "aisle_assistant_replies_total",
                helpText: "Assistant replies by writer (template or model) and the language model's outcome."
            ),
            labels: [("written_by", writtenBy.rawValue), ("model_outcome", modelOutcome?.rawValue ?? "not_asked")]
        ).increment()
    }

    func recordRateLimited() {
        rateLimited.increment()
        totals.withLock { $0.rateLimited += 1 }
    }

    /// `events` are the validated events the store was given, in the order of `outcome.rows`.
    func recordIngest(_ outcome: AppendOutcome, events: [Event], rejected: Int) {
        eventsAccepted.increment(by: Int64(outcome.accepted))
        eventsDuplicate.increment(by: Int64(outcome.duplicates))
        eventsUnknownItem.increment(by: Int64(outcome.unknownItems))
        eventsRejected.increment(by: Int64(rejected))
        totals.withLock { totals in
            totals.accepted += outcome.accepted
            totals.duplicates += outcome.duplicates
            totals.unknownItems += outcome.unknownItems
            totals.rejected += rejected
            for (event, row) in zip(events, outcome.rows) where row == .accepted {
                totals.byType[event.type.rawValue, default: 0] += 1
                totals.byPlatform[event.device.platform?.rawValue ?? "unknown", default: 0] += 1
            }
        }
    }

    /// The totals as `GET /v1/stats` shows them.
    func snapshot() -> (uptime: Double, events: StatsBody.EventTotals, requests: StatsBody.RequestTotals) {
        let elapsed = ContinuousClock.now - startedClock
        let uptime = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return totals.withLock { totals in
            let bounds = Self.latencyBuckets.map { bound -> Double? in
                Double(bound.components.seconds) * 1000 + Double(bound.components.attoseconds) / 1e15
            }
            return (
                uptime,
                StatsBody.EventTotals(
                    accepted: totals.accepted,
                    duplicates: totals.duplicates,
                    rejected: totals.rejected,
                    unknownItems: totals.unknownItems,
                    byType: totals.byType,
                    byPlatform: totals.byPlatform
                ),
                StatsBody.RequestTotals(
                    total: totals.requests,
                    clientErrors: totals.clientErrors,
                    serverErrors: totals.serverErrors,
                    rateLimited: totals.rateLimited,
                    latency: zip(bounds + [nil], totals.latency).map {
                        StatsBody.RequestTotals.Bucket(leMs: $0, count: $1)
                    }
                )
            )
        }
    }

    /// The Prometheus text exposition.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
