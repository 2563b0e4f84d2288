import AisleMath
import AisleRecommend
import ArgumentParser
import Foundation

/// Options shared by `eval` and `recommend-batch`.
struct EngineOptions: ParsableArguments {
    @Option(help: "Worker threads for training and ranking (default: the machine's processors).")
    var threads: Int?

    var parallelism: Parallelism {
        let parallelism = threads.map(Parallelism.init(threads:)) ?? .machine
        BLAS.setThreads(parallelism)
        return parallelism
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure recommendation models offline with the benchmark's protocol.",
        discussion: """
            Splits --input exactly as ../shared/bench/recs/split.py (loo: per-user temporal
            leave-last-out; global: 80/10/10 by time), tunes each model on the validation part
            (fit on train), refits the best settings on train + valid and scores test with full
            ranking over all items, the user's history removed, as evaluate.py does. Prints
            Recall, NDCG, HR and MRR at 10 and 20 per model.

            Example:
              aisle eval --input ../shared/data/ml-100k/ml-100k.inter --protocol loo
            """
    )

    @Option(help: "Interaction log: TSV/CSV with user, item and timestamp columns, or MovieLens u.data.")
    var input: String

    @Option(name: .customLong("protocol"), help: "Split: loo (leave-last-out) or global (80/10/10 by time).")
    var splitProtocol: String = "loo"

    @Option(help: "Comma-separated models: pop, itemknn, seq, ease, als, transformer, hybrid.")
    var models: String = "pop,itemknn,seq,ease,als,hybrid"

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    @Option(help: ArgumentHelp(stringLiteral: TransformerSettings.help))
    var transformerSettings: String?

    @Option(help: ArgumentHelp(stringLiteral: TransformerSettings.refitHelp))
    var transformerRefit = "scratch"

    @OptionGroup var itemContent: ItemContentOptions

    @OptionGroup var engine: EngineOptions

    func run() throws {
        guard let split = SplitProtocol(rawValue: splitProtocol) else {
            throw ValidationError("--protocol must be loo or global, got \"\(splitProtocol)\"")
        }
        let kinds = try ModelList.parse(models)
        let transformerPoint = try transformerSettings.map(TransformerSettings.parse)
        let clock = ContinuousClock()
        let rows = try InteractionFile.read(input)
        let parts = Split(rows, protocol: split)
        let catalog = Catalog(parts.catalogItems)
        var benchmark = OfflineBenchmark(
            split: parts,
            parallelism: engine.parallelism,
            catalog: catalog,
            content: try itemContent.content(for: catalog)
        )
        benchmark.transformerRefitEpochs = try TransformerSettings.refitEpochs(
            transformerRefit,
            withItems: itemContent.items != nil
        )
        Console.error(
            "eval: \(input), protocol \(split.rawValue): \(benchmark.split.train.count) / \(benchmark.split.valid.count) / \(benchmark.split.test.count) train / valid / test rows, \(benchmark.catalog.count) items, \(engine.parallelism.threads) threads"
        )
        var results: [EvalResult] = []
        var tuned: [ModelKind: OfflineBenchmark.Trial] = [:]
        for kind in kinds where kind != .hybrid {
            let start = clock.now
            let trials = try tune(kind, benchmark: benchmark, point: transformerPoint)
            guard let best = trials.first else { continue }
            tuned[kind] = best
            let tuneSeconds = (clock.now - start).seconds
            let fitStart = clock.now
            let refitted = try benchmark.model(best, fit: .trainAndValid)
            let log = benchmark.log(.trainAndValid)
            let metrics = RankingMetrics(
                lists: benchmark.lists(refitted, log: log),
                split: benchmark.split,
                target: .test
            )
            let fitSeconds = (clock.now - fitStart).seconds
            Console.error(
                "eval: \(kind): \(trials.count) settings tried in \(String(format: "%.1f", tuneSeconds)) s, best \(best.spec) (valid NDCG@10 \(String(format: "%.4f", best.validNDCG)))"
            )
            results.append(
                EvalResult(
                    model: kind.rawValue,
                    settings: best.spec.description,
                    validNDCG10: best.validNDCG,
                    test: metrics,
                    fitAndRankSeconds: fitSeconds
                )
            )
        }
        if kinds.contains(.hybrid) {
            // The listed models, or every model when the hybrid is asked for alone.
            let listed = kinds.filter { $0 != .hybrid }
            let base = listed.isEmpty ? ModelKind.allCases.filter { $0 != .hybrid } : listed
            var trials: [OfflineBenchmark.Trial] = []
            for kind in base {
                if let trial = tuned[kind] {
                    trials.append(trial)
                } else if let best = try tune(kind, benchmark: benchmark, point: transformerPoint).first {
                    trials.append(best)
                }
            }
            let specs = trials.map(\.spec)
            let start = clock.now
            let (weights, validNDCG, _) = try benchmark.tuneHybrid(trials: trials)
            let model = try benchmark.hybrid(trials: trials, weights: weights, fit: .trainAndValid)
            let log = benchmark.log(.trainAndValid)
            let metrics = RankingMetrics(lists: benchmark.lists(model, log: log), split: benchmark.split, target: .test)
            let settings = zip(specs, weights).filter { $0.1 != 0 }.map { "\($0.1)×\($0.0.kind)" }.joined(
                separator: " + "
            )
            Console.error("eval: hybrid: weights \(settings) (valid NDCG@10 \(String(format: "%.4f", validNDCG)))")
            results.append(
                EvalResult(
                    model: "hybrid",
                    settings: settings,
                    validNDCG10: validNDCG,
                    test: metrics,
                    fitAndRankSeconds: (clock.now - start).seconds
                )
            )
        }
        Console.line(EvalResult.table(results, protocol: split))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    /// `kind`'s tried settings, best first: its grid, or the one transformer point given. The
    /// transformer prints every epoch.
    private func tune(
        _ kind: ModelKind,
        benchmark: OfflineBenchmark,
        point: SequentialModel.Parameters?
    ) throws -> [OfflineBenchmark.Trial] {
        if kind == .transformer, let point {
            let (spec, ndcg, model) = try benchmark.tuneEpochs(point, report: RecommendBatchCommand.printEpoch)
            return [OfflineBenchmark.Trial(spec: spec, validNDCG: ndcg, trained: model)]
        }
        return try benchmark.tune(kind, onEpoch: RecommendBatchCommand.printEpoch)
    }
}

/// One model's evaluation, as printed and written to JSON.
struct EvalResult: Encodable {
    let model: String
    let settings: String
    let validNDCG10: Double
    let test: RankingMetrics
    let fitAndRankSeconds: Double

    enum CodingKeys: String, CodingKey {
        case model, settings, metrics
        case validNDCG10 = "valid_ndcg_at_10"
        case fitAndRankSeconds = "fit_and_rank_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(settings, forKey: .settings)
        try container.encode(validNDCG10, forKey: .validNDCG10)
        try container.encode(test.means, forKey: .metrics)
        try container.encode(fitAndRankSeconds, forKey: .fitAndRankSeconds)
    }

    static func table(_ results: [EvalResult], protocol split: SplitProtocol) -> String {
        var lines = [
            "protocol \(split.rawValue), target test (fit train+valid), history removed = train+valid",
            "| model | valid NDCG@10 | NDCG@10 | Recall@10 | MRR@10 | NDCG@20 | Recall@20 | fit+rank s | settings |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for result in results {
            let m = result.test
            let cells = [
                result.validNDCG10, m.value("NDCG", at: 10), m.value("Recall", at: 10), m.value("MRR", at: 10),
                m.value("NDCG", at: 20), m.value("Recall", at: 20),
            ].map { String(format: "%.4f", $0) }
            lines.append(
                "| \(result.model) | \(cells.joined(separator: " | ")) | \(String(format: "%.2f", result.fitAndRankSeconds)) | \(result.settings) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}

enum ModelList {
    static func parse(_ text: String) throws -> [ModelKind] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw ValidationError("--models is empty; use some of \(allNames)") }
        return try names.map { name in
            guard let kind = ModelKind(rawValue: name) else {
                throw ValidationError("unknown model \"\(name)\"; use some of \(allNames)")
            }
            return kind
        }
    }

    static var allNames: String { ModelKind.allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
