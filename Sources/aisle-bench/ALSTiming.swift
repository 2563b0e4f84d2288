import AisleMath
import AisleRecommend
import ArgumentParser
import Foundation

/// Times implicit-ALS training on an interaction file, for the side-by-side run with `implicit`
/// (scripts/bench-als.sh): the same matrix, factors, iterations and threads; only the fit is timed.
struct ALSTiming: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "als",
        abstract: "Time ALS training on a user<TAB>item<TAB>weight file."
    )

    @Option(help: "TSV with user, item and weight columns (header line first).") var input: String
    @Option(help: "Latent factors.") var factors: Int = 64
    @Option(help: "Sweeps.") var iterations: Int = 15
    @Option(help: "L2 regularisation.") var regularization: Float = 0.1
    @Option(help: "Confidence slope α.") var alpha: Float = 1
    @Option(help: "Worker threads (also OpenBLAS's).") var threads: Int = 2

    func run() throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        guard let data = FileManager.default.contents(atPath: input) else {
            throw ValidationError("cannot read \(input)")
        }
        var rows: [Interaction] = []
        rows.reserveCapacity(data.count / 16)
        var lineNumber = 0
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var fields: [Substring] = []
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") {
                lineNumber += 1
                guard lineNumber > 1 else { continue }
                fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count >= 3, let weight = Float(fields[2]) else { continue }
                rows.append(Interaction(user: String(fields[0]), item: String(fields[1]), timestamp: 0, weight: weight))
            }
        }
        let log = InteractionLog(rows)
        rows = []
        let loadSeconds = (clock.now - loadStart).seconds
        print(
            "aisle: \(log.users.count) users × \(log.catalog.count) items, \(log.matrix.entryCount) non-zeros (loaded in \(String(format: "%.1f", loadSeconds)) s)"
        )
        let parallelism = Parallelism(threads: threads)
        BLAS.setThreads(parallelism)
        let parameters = ALSModel.Parameters(
            factors: factors,
            regularization: regularization,
            alpha: alpha,
            iterations: iterations,
            conjugateGradientSteps: 3
        )
        let start = clock.now
        let model = ALSModel(log: log, parameters: parameters, parallelism: parallelism) { iteration, seconds in
            print("aisle: iteration \(iteration): \(String(format: "%.2f", seconds)) s")
        }
        let fit = (clock.now - start).seconds
        // Request-time fold-in: a shopper's vector solved from their history, as the feed does.
        var foldIns: [Double] = []
        for user in stride(from: 0, to: log.users.count, by: max(1, log.users.count / 2_000)) {
            let history = log.histories[user]
            let begin = clock.now
            let scores = model.scores(for: history)
            foldIns.append((clock.now - begin).seconds * 1_000)
            precondition(scores.count == log.catalog.count)
        }
        foldIns.sort()
        if !foldIns.isEmpty {
            let p50 = foldIns[foldIns.count / 2]
            let p99 = foldIns[min(foldIns.count - 1, foldIns.count * 99 / 100)]
            print(
                "aisle: fold-in and scoring of all \(log.catalog.count) items per shopper: p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms over \(foldIns.count) shoppers"
            )
        }
        print(
            "aisle: fit \(String(format: "%.2f", fit)) s (factors \(factors), \(iterations) iterations, \(threads) threads); item factors \(model.itemFactors.values.count * 4 / 1_048_576) MiB"
        )
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
