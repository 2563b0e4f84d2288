import AisleRecommend
import ArgumentParser
import Foundation

struct RecommendBatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend-batch",
        abstract: "Write top-N lists for every user of a split, as recs.tsv for evaluate.py.",
        discussion: """
            Reads a folder written by ../shared/bench/recs/split.py, tunes the model on its
            validation part (fit on train), then fits the best settings on --fit and writes one
            line per user: user_id<TAB>item,item,... best first, the user's history left out.
            Score it with the same scorer as any peer:

              python3 ../shared/bench/recs/split.py --input ../shared/data/ml-100k/ml-100k.inter \\
                  --protocol loo --out splits/ml-100k-A
              aisle recommend-batch --split splits/ml-100k-A --model seq --out recs.tsv
              python3 ../shared/bench/recs/evaluate.py --split splits/ml-100k-A --recs recs.tsv
            """
    )

    @Option(help: "Folder with train.tsv, valid.tsv and test.tsv from split.py.")
    var split: String

    @Option(help: "Model: pop, itemknn, seq, ease, als, transformer or hybrid.")
    var model: String

    @Option(help: "Output file (recs.tsv).")
    var out: String

    @Option(help: "Fit on train+valid (scored on test) or train (scored on valid).")
    var fit: String = "train+valid"

    @Option(help: "Items per list.")
    var length: Int = 50

    @Flag(
        help:
            "Use the model's default settings (or --transformer-settings as given, epochs included) instead of tuning on the validation part."
    )
    var noTune = false

    @Option(help: ArgumentHelp(stringLiteral: TransformerSettings.help))
    var transformerSettings: String?

    @Option(help: ArgumentHelp(stringLiteral: TransformerSettings.refitHelp))
    var transformerRefit = "scratch"

    @Option(help: "Models the hybrid blends, comma-separated (default: pop, itemknn, seq, ease, als, transformer).")
    var blend: String?

    @OptionGroup var itemContent: ItemContentOptions

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        _ = try ModelList.parse(model)
        if let transformerSettings { _ = try TransformerSettings.parse(transformerSettings) }
        _ = try TransformerSettings.refitEpochs(transformerRefit, withItems: itemContent.items != nil)
        if let blend { _ = try ModelList.parse(blend) }
        guard length >= 20 else { throw ValidationError("--length must be at least 20 (evaluate.py reads the top 20)") }
        guard OfflineBenchmark.Fit(rawValue: fit) != nil else {
            throw ValidationError("--fit must be train+valid or train")
        }
    }

    func run() throws {
        let fit = OfflineBenchmark.Fit(rawValue: fit) ?? .trainAndValid
        guard let model = try ModelList.parse(self.model).first else { return }
        let split = try Split(folder: split)
        let catalog = Catalog(split.catalogItems)
        var benchmark = OfflineBenchmark(
            split: split,
            parallelism: engine.parallelism,
            listLength: length,
            catalog: catalog,
            content: try itemContent.content(for: catalog)
        )
        benchmark.transformerRefitEpochs = try TransformerSettings.refitEpochs(transformerRefit)
        let clock = ContinuousClock()
        let start = clock.now
        let recommender: any Recommender
        let log = benchmark.log(fit)
        if model == .hybrid {
            let blended = try blend.map(ModelList.parse) ?? ModelKind.allCases
            let trials = try blended.filter { $0 != .hybrid }.compactMap { kind in
                noTune
                    ? ModelSpec.defaults(for: kind).map { OfflineBenchmark.Trial(spec: $0, validNDCG: 0) }
                    : try tuned(kind, benchmark: benchmark)
            }
            let specs = trials.map(\.spec)
            let weights = try benchmark.tuneHybrid(
                trials: trials,
                progress: { Console.error("recommend-batch: " + $0) }
            )
            .weights
            let refitStart = clock.now
            recommender = try benchmark.hybrid(trials: trials, weights: weights, fit: fit)
            Console.error(
                "recommend-batch: blended models fitted on \(fit.rawValue) in \(String(format: "%.1f", (clock.now - refitStart).seconds)) s"
            )
            let blend = zip(specs, weights).filter { $0.1 != 0 }.map { "\($0.1)×\($0.0)" }.joined(separator: " + ")
            Console.error("recommend-batch: hybrid \(blend)")
        } else {
            let trial: OfflineBenchmark.Trial
            if noTune, model == .transformer, let transformerSettings {
                // The given settings as they are: their epoch count, no early stopping.
                trial = .init(spec: .transformer(try TransformerSettings.parse(transformerSettings)), validNDCG: 0)
            } else if noTune {
                guard let defaults = ModelSpec.defaults(for: model) else {
                    throw ValidationError("no defaults for \(model)")
                }
                trial = .init(spec: defaults, validNDCG: 0)
            } else {
                guard let best = try tuned(model, benchmark: benchmark) else {
                    throw ValidationError("nothing to tune for \(model)")
                }
                trial = best
            }
            Console.error("recommend-batch: \(trial.spec)")
            recommender = try benchmark.model(trial, fit: fit) { iteration, seconds in
                if model == .transformer {
                    Console.error("recommend-batch: refit epoch \(iteration) (\(String(format: "%.1f", seconds)) s)")
                }
            }
        }
        let lists = benchmark.lists(recommender, log: log)
        var text = "user_id\titems\n"
        for user in log.users {
            text += "\(user)\t\((lists[user] ?? []).joined(separator: ","))\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        Console.error(
            "recommend-batch: wrote \(log.users.count) lists of \(length) to \(out) in \(String(format: "%.2f", (clock.now - start).seconds)) s (fit on \(fit.rawValue))"
        )
    }

    /// The best settings of `kind` on validation: its grid, or the one transformer point given.
    private func tuned(_ kind: ModelKind, benchmark: OfflineBenchmark) throws -> OfflineBenchmark.Trial? {
        if kind == .transformer, let transformerSettings {
            let (spec, ndcg, model) = try benchmark.tuneEpochs(
                try TransformerSettings.parse(transformerSettings),
                report: Self.printEpoch
            )
            let trial = OfflineBenchmark.Trial(spec: spec, validNDCG: ndcg, trained: model)
            Self.printTrial(trial)
            return trial
        }
        let start = ContinuousClock.now
        let trials = try benchmark.tune(kind, onTrial: Self.printTrial, onEpoch: Self.printEpoch)
        Console.error(
            "recommend-batch: \(kind): \(trials.count) settings tried in \(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s"
        )
        return trials.first
    }

    static func printTrial(_ trial: OfflineBenchmark.Trial) {
        Console.error("recommend-batch: tried \(trial.spec): valid NDCG@10 \(String(format: "%.4f", trial.validNDCG))")
    }

    static func printEpoch(_ report: SequentialTrainer.EpochReport) {
        Console.error("transformer: " + report.line)
    }
}
