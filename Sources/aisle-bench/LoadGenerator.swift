import AisleCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A load generator for Aisle's HTTP API that reports latency percentiles. Open-loop modes
/// send at a fixed rate and measure from each request's scheduled start, so a stalled server
/// shows up in the tail instead of slowing the sender (no coordinated omission).
@main
struct AisleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aisle-bench",
        abstract: "Aisle's benchmark tools: HTTP load (the default) and model training timings.",
        subcommands: [
            LoadGenerator.self, ALSTiming.self, ReviewTiming.self, ReviewPolarity.self, EmbedFile.self,
            AssistantFAQ.self,
            EncoderTiming.self,
            SearchQuality.self,
            SearchChinese.self, SearchJudged.self, SearchCrossLanguage.self, ClientTiming.self, AspectSimilarity.self,
            ImageBench.self,
        ],
        defaultSubcommand: LoadGenerator.self
    )
}

struct LoadGenerator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load an Aisle server and report throughput and latency percentiles."
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        /// Closed loop: each client posts event batches back to back.
        case batch
        /// Open loop: single-event POSTs at --rate per second.
        case single
        /// Open loop: history GETs for random users at --rate per second.
        case history
        /// Open loop: personal-feed GETs for random users at --rate per second.
        case feed
        /// Open loop: similar-items GETs for random items at --rate per second.
        case similar
        /// Closed loop: each client sends the --queries searches back to back.
        case search
        /// Open loop: experiment assignments (--experiment) for random users at --rate per second.
        case assignment
        /// Open loop: bandit choices (--bandit) for random users at --rate per second.
        case choice
        /// `GET /health`: the floor, what a request costs on this machine with this generator.
        case health
        /// Open loop: assistant messages (the last tab-separated field of each --queries line)
        /// from random users at --rate per second.
        case assistant
    }

    @Argument(help: "batch, single, history, feed, similar, search, assignment, choice, health or assistant.")
    var mode: Mode
    @Option(help: "Server URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Admin key (history) / ingest key (events) — the admin key works for both.") var key: String
    @Option(help: "Seconds to run.") var duration: Double = 20
    @Option(help: "Requests per second (single, history).") var rate: Double = 1000
    @Option(help: "Concurrent clients (batch).") var clients: Int = 2
    @Option(help: "Events per batch (batch).") var batchSize: Int = 1000
    @Option(help: "Batches prepared per client before the run (batch); the run stops early when they are used up.")
    var maxBatches: Int = 1500
    @Option(help: "Users to spread events and reads over.") var users: Int = 10_000
    @Option(help: "User id prefix, to read users that exist (history, feed).") var userPrefix = "u"
    @Option(help: "Items to spread similar-item reads over (similar), ids <item-prefix>0…") var items: Int = 5_000
    @Option(help: "Item id prefix (similar).") var itemPrefix = "i"
    @Option(help: "Seed for the generated events.") var seed: UInt64 = 1
    @Option(help: "Search queries, the last tab-separated field of each line (search).") var queries =
        "bench-out/search200k/queries.tsv"
    @Option(help: "Extra search parameters (search), e.g. mode=lexical.") var searchParameters = "record=false"
    @Option(help: "The search endpoint (search): /v1/search or /v1/autocomplete.") var endpoint = "/v1/search"
    @Option(help: "The experiment to ask assignments of (assignment).") var experiment = "bench"
    @Option(help: "The bandit to ask choices of (choice).") var bandit = "bench"

    func run() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let report: Report
        do {
            switch mode {
            case .batch: report = try await batchLoad(client)
            case .search: report = try await searchLoad(client)
            case .single, .history, .feed, .similar, .assignment, .choice, .health, .assistant:
                report = try await openLoop(client)
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        print(report.text(mode: mode))
    }

    func request(_ path: String, body: [UInt8]?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + path)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    func eventJSON(_ index: Int, run: UInt64) -> String {
        let user = Int(UInt64(index) &* 2_654_435_761 % UInt64(users))
        return
            #"{"event_id":"b\#(run)-\#(index)","type":"view","user_id":"\#(userPrefix)\#(user)","item_id":"i\#(index % 5000)"}"#
    }

    /// Sends one request; returns its status.
    func send(_ client: HTTPClient, _ request: HTTPClientRequest) async throws -> Int {
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 16 << 20)
        return Int(response.status.code)
    }

    func batchLoad(_ client: HTTPClient) async throws -> Report {
        let run = UInt64(Date().timeIntervalSince1970 * 1000) ^ seed
        // Bodies are built before the clock starts: the generator shares the machine's two
        // cores with the server, and building JSON while measuring would slow the server down.
        let bodies: [[[UInt8]]] = (0..<clients).map { clientIndex in
            (0..<maxBatches).map { batch in
                let first = (batch * clients + clientIndex) * batchSize
                let rows = (first..<(first + batchSize)).map { eventJSON($0, run: run) }.joined(separator: ",")
                return Array(#"{"events":[\#(rows)]}"#.utf8)
            }
        }
        let end = ContinuousClock.now + .milliseconds(Int64(duration * 1000))
        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: Report.self) { group in
            for clientIndex in 0..<clients {
                group.addTask {
                    var report = Report()
                    var batch = 0
                    while ContinuousClock.now < end, batch < maxBatches {
                        let body = bodies[clientIndex][batch]
                        let start = ContinuousClock.now
                        let status = try await send(client, request("/v1/events", body: body))
                        report.record(ContinuousClock.now - start, ok: status == 200, units: batchSize)
                        batch += 1
                    }
                    return report
                }
            }
            var total = Report()
            for try await report in group { total.merge(report) }
            return total
        }
        var total = results
        total.elapsed = ContinuousClock.now - started
        return total
    }

    /// Each client sends its share of the queries, one at a time, until they or the time run out.
    func searchLoad(_ client: HTTPClient) async throws -> Report {
        let texts = try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n").compactMap {
            $0.split(separator: "\t").last.map(String.init)
        }
        let paths = texts.map {
            "\(endpoint)?q=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&limit=10&\(searchParameters)"
        }
        guard !paths.isEmpty else { throw ValidationError("no queries in \(queries)") }
        let end = ContinuousClock.now + .milliseconds(Int64(duration * 1000))
        let started = ContinuousClock.now
        var total = try await withThrowingTaskGroup(of: Report.self) { group in
            for clientIndex in 0..<clients {
                group.addTask {
                    var report = Report()
                    var index = clientIndex
                    while ContinuousClock.now < end {
                        let start = ContinuousClock.now
                        let status = try await send(client, request(paths[index % paths.count], body: nil))
                        report.record(ContinuousClock.now - start, ok: status == 200, units: 1)
                        index += clients
                    }
                    return report
                }
            }
            var total = Report()
            for try await report in group { total.merge(report) }
            return total
        }
        total.elapsed = ContinuousClock.now - started
        return total
    }

    func openLoop(_ client: HTTPClient) async throws -> Report {
        let run = UInt64(Date().timeIntervalSince1970 * 1000) ^ seed
        // Assistant messages: JSON-escaped once, before the clock starts.
        // Each with its label (the fields before the text: language and intent), for latency by label.
        let messages: [(label: String, json: String)] =
            mode == .assistant
            ? try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n").dropFirst().compactMap {
                line in
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                return try fields.last.map {
                    (
                        fields.dropLast().joined(separator: " "),
                        String(decoding: try JSONEncoder().encode(String($0)), as: UTF8.self)
                    )
                }
            } : []
        if mode == .assistant && messages.isEmpty { throw ValidationError("no messages in \(queries)") }
        let count = Int(duration * rate)
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        let started = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: (Duration, Bool, String?).self) { group in
            for index in 0..<count {
                let scheduled = started + interval * index
                try await Task.sleep(until: scheduled, clock: .continuous)
                let request: HTTPClientRequest
                var label: String?
                switch mode {
                case .history:
                    let user = Int(UInt64(index) &* 2_654_435_761 % UInt64(users))
                    request = self.request("/v1/users/\(userPrefix)\(user)/history?limit=20", body: nil)
                case .feed:
                    let user = Int(UInt64(index) &* 2_654_435_761 % UInt64(users))
                    request = self.request("/v1/users/\(userPrefix)\(user)/recommendations?limit=20", body: nil)
                case .similar:
                    let item = Int(UInt64(index) &* 2_654_435_761 % UInt64(items))
                    request = self.request("/v1/items/\(itemPrefix)\(item)/similar?limit=20", body: nil)
                case .assignment:
                    // Each run its own users (mostly first assignments), as real traffic brings newcomers.
                    let user = Int((UInt64(index) &+ run) &* 2_654_435_761 % UInt64(users))
                    request = self.request(
                        "/v1/experiments/\(experiment)/assignment?user_id=\(userPrefix)\(user)",
                        body: nil
                    )
                case .choice:
                    let user = Int((UInt64(index) &+ run) &* 2_654_435_761 % UInt64(users))
                    request = self.request(
                        "/v1/bandits/\(bandit)/choice?user_id=\(userPrefix)\(user)&platform=ios",
                        body: nil
                    )
                case .health:
                    request = self.request("/health", body: nil)
                case .assistant:
                    let user = Int(UInt64(index) &* 2_654_435_761 % UInt64(users))
                    let message = messages[index % messages.count]
                    label = message.label
                    request = self.request(
                        "/v1/assistant/messages",
                        body: Array(#"{"user_id":"\#(userPrefix)\#(user)","text":\#(message.json)}"#.utf8)
                    )
                default:
                    request = self.request("/v1/events", body: Array(eventJSON(index, run: run).utf8))
                }
                group.addTask { [label] in
                    let status = try await send(client, request)
                    return (ContinuousClock.now - scheduled, status == 200, label)
                }
            }
            var report = Report()
            for try await (latency, ok, label) in group {
                report.record(latency, ok: ok, units: 1)
                if let label { report.byLabel[label, default: []].append(latency) }
            }
            return report
        }
        var report = total
        report.elapsed = ContinuousClock.now - started
        return report
    }
}

struct Report: Sendable {
    var latencies: [Duration] = []
    var failures = 0
    var units = 0
    var elapsed: Duration = .zero
    /// Latencies by the request's label (assistant: the message's language and intent).
    var byLabel: [String: [Duration]] = [:]

    mutating func record(_ latency: Duration, ok: Bool, units: Int) {
        latencies.append(latency)
        if ok { self.units += units } else { failures += 1 }
    }

    mutating func merge(_ other: Report) {
        latencies += other.latencies
        failures += other.failures
        units += other.units
        byLabel.merge(other.byLabel) { $0 + $1 }
    }

    func text(mode: LoadGenerator.Mode) -> String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            return String(
                format: "%.2f ms",
                Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000
            )
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let unit = mode == .batch ? "events" : "requests"
        var text = """
            mode=\(mode.rawValue) requests=\(latencies.count) failures=\(failures) seconds=\(String(format: "%.1f", seconds))
            throughput=\(Int(Double(units) / max(seconds, 0.001))) \(unit)/s
            latency p50=\(percentile(0.50)) p90=\(percentile(0.90)) p99=\(percentile(0.99)) p99.9=\(percentile(0.999)) max=\(percentile(1.0))
            """
        // The slowest labels first, by their slowest request.
        func milliseconds(_ value: Duration) -> Double { value / .milliseconds(1) }
        for (label, values) in byLabel.sorted(by: { ($0.value.max() ?? .zero) > ($1.value.max() ?? .zero) }) {
            let sorted = values.sorted()
            text += String(
                format: "\n  %@: n=%d p50=%.1f ms max=%.1f ms",
                label,
                sorted.count,
                milliseconds(sorted[sorted.count / 2]),
                milliseconds(sorted.last ?? .zero)
            )
        }
        return text
    }
}
