import AisleCore
import Foundation
import Prometheus

/// The server's Prometheus metrics, served as text at `GET /metrics`. One registry per server,
/// passed in, never the global MetricsSystem: tests run many servers in one process.
public final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let eventsAccepted: Counter
    let eventsDuplicate: Counter
    let eventsRejected: Counter
    let eventsUnknownItem: Counter
    let rateLimited: Counter

    /// Request latency buckets, in seconds: fine below 10 ms, where the API is meant to answer.
    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init() {
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
    }

    func recordIngest(_ outcome: AppendOutcome, rejected: Int) {
        eventsAccepted.increment(by: Int64(outcome.accepted))
        eventsDuplicate.increment(by: Int64(outcome.duplicates))
        eventsUnknownItem.increment(by: Int64(outcome.unknownItems))
        eventsRejected.increment(by: Int64(rejected))
    }

    /// The Prometheus text exposition.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
