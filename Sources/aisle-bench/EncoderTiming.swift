import AisleMath
import AisleText
import ArgumentParser
import Foundation

/// Times the native text encoder as docs/BENCHMARKS.md reports it, beside the PyTorch peer
/// (scripts/encoder_peer.py measures the same things the same way): model load, batch
/// throughput over a file of texts, single-query latency in-process, and memory.
struct EncoderTiming: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Time the text encoder: load, batch throughput, single-query latency, RSS."
    )

    @Option(help: "Model folder or packed file.") var model = "models/all-MiniLM-L6-v2"
    @Option(help: "Texts, one per line (the batch workload).") var texts: String
    @Option(help: "Texts per batch.") var batch = 32
    @Option(help: "Passes over the texts.") var rounds = 3
    @Option(help: "Threads for the encoder's own workers.") var threads = 2
    @Option(help: "OpenBLAS threads (1: the encoder splits products between its workers).") var blasThreads = 1
    @Option(help: "The single query.") var query = "red running shoes for men size 10 wide"
    @Option(help: "Single-query runs (after 50 warm-up runs).") var queries = 1000
    @Option(help: "A second model loaded first and kept (RSS of both in one process).") var withModel: String?
    @Flag(inversion: .prefixedNo, help: "Also time float32 weights and compare the vectors.")
    var float32Comparison = true
    @Flag(inversion: .prefixedNo, help: "A 4-bit model's single queries in 8-bit integers (on a CPU with VNNI).")
    var integerProducts = true

    func run() throws {
        let parallelism = Parallelism(threads: threads)
        BLAS.setThreads(Parallelism(threads: blasThreads))
        let clock = ContinuousClock()
        let other = try withModel.map { try TextEncoder.load($0, parallelism: parallelism) }
        if let other {
            print("encoder: \(other.name) loaded first and kept, RSS \(Self.memory("VmRSS") / 1024) MiB")
        }
        let loadStart = clock.now
        let encoder = try TextEncoder.load(model, parallelism: parallelism, integerProducts: integerProducts)
        let loadSeconds = (clock.now - loadStart).seconds
        let rssLoaded = Self.memory("VmRSS")
        let lines = try String(contentsOfFile: texts, encoding: .utf8).split(separator: "\n").map(String.init)
        let tokens = lines.map { encoder.tokens(of: $0).count }
        print(
            "encoder: \(encoder.name) loaded in \(String(format: "%.3f", loadSeconds)) s, RSS \(rssLoaded / 1024) MiB; \(lines.count) texts of \(String(format: "%.1f", Double(tokens.reduce(0, +)) / Double(max(lines.count, 1)))) tokens on average"
        )
        _ = encoder.embed(Array(lines.prefix(batch)))
        let start = clock.now
        var embedded = 0
        for _ in 0..<rounds {
            for first in stride(from: 0, to: lines.count, by: batch) {
                embedded += encoder.embed(Array(lines[first..<min(lines.count, first + batch)])).count
            }
        }
        let seconds = (clock.now - start).seconds
        print(
            "encoder: batches of \(batch) on \(threads) threads (OpenBLAS \(blasThreads)): \(embedded) texts in \(String(format: "%.2f", seconds)) s = \(Int(Double(embedded) / seconds)) texts/s"
        )
        let queryTokens = encoder.tokens(of: query, as: .query).count
        let (p50, p99) = singleQueryLatency(encoder)
        print(
            "encoder: single query (\(queryTokens) tokens), \(queries) runs: p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms"
        )
        if let other {
            _ = other.embed(Array(lines.prefix(batch)))
            print("encoder: RSS with both models used \(Self.memory("VmRSS") / 1024) MiB")
        }
        print("encoder: peak RSS \(Self.memory("VmHWM") / 1024) MiB")
        guard float32Comparison else { return }
        let path = encoder.integerProducts ? "8-bit integer" : "float16"
        guard encoder.halfPrecision || encoder.integerProducts else {
            print("encoder: no float16 path on this CPU (needs AVX2, FMA and F16C)")
            return
        }
        // The same single query on float32 weights only, and how far float16 (or integer
        // products) moves the vectors of every text (each embedded alone, as queries are).
        let exact = try TextEncoder.load(model, parallelism: parallelism, halfPrecision: false)
        let (exactP50, exactP99) = singleQueryLatency(exact)
        print(
            "encoder: single query on float32 weights: p50 \(String(format: "%.2f", exactP50)) ms, p99 \(String(format: "%.2f", exactP99)) ms"
        )
        var cosines: [Float] = []
        for line in lines.prefix(2_000) {
            let half = encoder.embed(line)
            let full = exact.embed(line)
            cosines.append(zip(half, full).reduce(0) { $0 + $1.0 * $1.1 })
        }
        cosines.sort()
        print(
            "encoder: \(path) products against float32, \(cosines.count) texts alone: cosine min \(String(format: "%.6f", cosines.first ?? 0)), median \(String(format: "%.6f", cosines[cosines.count / 2]))"
        )
    }

    /// p50 and p99 (ms) of `queries` single embeddings of the query, after 50 warm-ups.
    func singleQueryLatency(_ encoder: TextEncoder) -> (p50: Double, p99: Double) {
        let clock = ContinuousClock()
        for _ in 0..<50 { _ = encoder.embed(query, as: .query) }
        var latencies: [Double] = []
        for _ in 0..<queries {
            let began = clock.now
            _ = encoder.embed(query, as: .query)
            latencies.append((clock.now - began).seconds * 1000)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
        return (percentile(0.5), percentile(0.99))
    }

    /// A /proc/self/status field in KiB (0 where there is none).
    static func memory(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
