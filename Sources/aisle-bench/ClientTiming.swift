import AisleClient
import ArgumentParser
import Foundation

/// `aisle-bench client`: AisleClient's `track` with the network down, as an app on a train sees
/// it: the time each call takes on the calling task, and the process's memory as the queue
/// fills past its bound (docs/BENCHMARKS.md, "AisleClient").
struct ClientTiming: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "AisleClient track latency and memory with the server unreachable."
    )

    @Option(help: "Events to track.")
    var events = 1_000_000

    @Option(help: "The queue's byte bound (the oldest events are dropped past it).")
    var queueBytes = 10 * 1024 * 1024

    @Option(help: "Print the resident memory every this many events.")
    var every = 100_000

    func run() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aisle-bench-client-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = ClientOptions()
        options.maxQueueBytes = queueBytes
        options.maxQueuedEvents = Int.max
        // Nothing listens on port 9: every upload the background tries fails at once.
        let client = try AisleClient(
            baseURL: URL(string: "http://127.0.0.1:9") ?? folder,
            apiKey: "aisle_ingest_benchmark_key",
            deviceID: "bench-device",
            storageDirectory: folder,
            options: options
        )
        try await client.identify(userID: "bench-user")
        let clock = ContinuousClock()
        // Latencies in a fixed histogram (1 µs buckets to 100 ms), not an array of every call:
        // the benchmark's own memory must not grow with the events it tracks.
        var histogram = [Int](repeating: 0, count: 100_001)
        var slowest: Int64 = 0
        print("events  rss_mib  queued  dropped")
        for index in 0..<events {
            let start = clock.now
            try await client.track(type: "view", itemID: "sku-\(index % 50_000)", properties: ["screen": "home"])
            let elapsed = clock.now - start
            let nanoseconds =
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            histogram[min(histogram.count - 1, Int(nanoseconds / 1_000))] += 1
            slowest = max(slowest, nanoseconds)
            if (index + 1) % every == 0 {
                let status = await client.queueStatus()
                print(
                    String(
                        format: "%7d  %7.1f  %6d  %7d",
                        index + 1,
                        Self.residentMebibytes(),
                        status.pending,
                        status.dropped
                    )
                )
            }
        }
        func percentile(_ p: Double) -> Int {
            let rank = Int((Double(events) * p).rounded(.up))
            var seen = 0
            for (microseconds, count) in histogram.enumerated() {
                seen += count
                if seen >= rank { return microseconds }
            }
            return histogram.count - 1
        }
        print(
            "track: p50 \(percentile(0.5)) µs, p99 \(percentile(0.99)) µs, p99.9 \(percentile(0.999)) µs, max \(slowest / 1_000) µs over \(events) calls (1 µs buckets, rounded down)"
        )
        await client.close()
    }

    /// VmRSS from /proc/self/status, in MiB (0 where there is no /proc).
    static func residentMebibytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kibibytes / 1024
    }
}
