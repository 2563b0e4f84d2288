import AisleCore
import AisleText
import ArgumentParser
import Foundation

struct TrainSentimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-sentiment",
        abstract: "Train the review sentiment model from the labelled datasets and report its test scores.",
        discussion: """
            Splits each dataset by FNV-1a (64-bit) of the text's UTF-8 bytes: rows whose hash is
            0 modulo 5 are the held-out test part (docs/BENCHMARKS.md; scripts/sentiment_peers.py
            scores VADER and SnowNLP on the same rows). Trains on the rest, prints accuracy and
            macro-F1 on the test part per language, and writes the model.

              aisle train-sentiment --out aisle-data/models/sentiment.aisle

            With --embedding-model it also trains the embedding head (polarity from
            multilingual-e5-small's vector of the review, on both languages' train rows) and
            writes it beside the model as sentiment-e5.aisle. Embedding the 50,000 rows takes
            about 10 minutes on 2 cores; --embedding-cache keeps the vectors for the next run.

              aisle train-sentiment --out aisle-data/models/sentiment.aisle \\
                --embedding-model models/multilingual-e5-small
            """
    )

    @Option(help: "Chinese reviews (online_shopping_10_cats.csv.gz).")
    var zh = "../shared/data/reviews-zh/online_shopping_10_cats.csv.gz"

    @Option(help: "English sentences (sentences.tsv).")
    var en = "../shared/data/reviews-en/sentences.tsv"

    @Option(help: "Where to write the model (the shipped one is Sources/AisleText/Resources/sentiment.aisle).")
    var out: String

    @Option(help: "Hash buckets per language, a power of two (the shipped model uses the default).")
    var dimension = SentimentModel.defaultDimension

    @Option(
        help:
            "After writing, check that the model is byte for byte the one at this path (CI checks the shipped model so)."
    )
    var check: String?

    @Option(help: "Write the test part's predictions (language, label, predicted, P(positive), text) here.")
    var predictions: String?

    @Option(
        name: .customLong("exclude-category"),
        help: """
            Chinese categories left out of training (repeatable). By default 酒店 (hotels): 5,574 of             its 10,000 rows are verbatim in reviews-zh-hotel, the out-of-domain check.
            """
    )
    var excludedCategories: [String] = ["酒店"]

    @Flag(help: "Also hold out the validation part (hash 1 modulo 5) and score it: the model calibration tunes on.")
    var validation = false

    @Option(help: "Also train the embedding head on this multilingual-e5-small folder's vectors.")
    var embeddingModel: String?

    @Option(help: "Where to write the embedding head (default: sentiment-e5.aisle beside --out).")
    var embeddingOut: String?

    @Option(help: "Keep the datasets' vectors in files named after this path (and reuse them).")
    var embeddingCache: String?

    @Option(help: "L2 penalty of the embedding head (chosen on the validation part).")
    var embeddingL2: Float = EmbeddingPolarity.defaultL2

    func validate() throws {
        guard dimension >= 1 << 10, dimension <= 1 << 24, dimension & (dimension - 1) == 0 else {
            throw ValidationError("--dimension must be a power of two from 1024 to 16777216")
        }
        guard embeddingL2.isFinite, embeddingL2 > 0 else {
            throw ValidationError("--embedding-l2 must be a positive number")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let features = SentimentFeatures(dimension: dimension)
        var classifiers: [TextLanguage: LogisticRegression] = [:]
        var parts: [TextLanguage: (train: [LabeledText], test: [LabeledText], seconds: Double)] = [:]
        for (language, path) in [(TextLanguage.zh, zh), (.en, en)] {
            let rows = language == .zh ? try SentimentCorpus.chinese(path) : try SentimentCorpus.english(path)
            let excluded = Set(excludedCategories)
            let train = rows.filter {
                !$0.isTest && !(validation && $0.isValidation) && !(language == .zh && excluded.contains($0.source))
            }
            // With --validation the scores below are the validation part's; the test part stays unseen.
            let inPart = validation
            let test = rows.filter { inPart ? $0.isValidation : $0.isTest }
            let start = clock.now
            classifiers[language] = SentimentModel.train(train, language: language, features: features)
            parts[language] = (train, test, (clock.now - start).seconds)
        }
        let directory = (out as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory.isEmpty ? "." : directory,
            withIntermediateDirectories: true
        )
        try SentimentModel(features: features, classifiers: classifiers).save(to: out)
        // Score the model as written (quantised), since that is the one that serves.
        let written = try SentimentModel.load(from: out)
        var report: [String] = []
        for language in [TextLanguage.zh, .en] {
            guard let (train, test, seconds) = parts[language], let classifier = written.classifiers[language] else {
                continue
            }
            let probabilities = test.map { classifier.probability(features.features($0.text, language: language)) }
            let scores = BinaryScores(predictions: probabilities.map { $0 >= 0.5 ? 1 : 0 }, labels: test.map(\.label))
            let part = validation ? "validation" : "test"
            report.append(
                "\(language.rawValue): \(train.count) train / \(test.count) \(part) rows, trained in \(String(format: "%.1f", seconds)) s; \(part) accuracy \(String(format: "%.4f", scores.accuracy)), macro-F1 \(String(format: "%.4f", scores.macroF1))"
            )
            let excluded = Set(excludedCategories)
            if language == .zh, test.contains(where: { excluded.contains($0.source) }) {
                let kept = test.indices.filter { !excluded.contains(test[$0].source) }
                let trained = BinaryScores(
                    predictions: kept.map { probabilities[$0] >= 0.5 ? 1 : 0 },
                    labels: kept.map { test[$0].label }
                )
                report.append(
                    "zh: \(part) rows of the trained categories only (\(kept.count)): accuracy \(String(format: "%.4f", trained.accuracy)), macro-F1 \(String(format: "%.4f", trained.macroF1))"
                )
            }
            if let predictions {
                var text = language == .zh ? "language\tlabel\tpredicted\tp_positive\ttext\n" : ""
                for (row, probability) in zip(test, probabilities) {
                    text +=
                        "\(language.rawValue)\t\(row.label)\t\(probability >= 0.5 ? 1 : 0)\t\(probability)\t\(row.text.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " "))\n"
                }
                let url = URL(fileURLWithPath: predictions)
                if language == .zh {
                    try Data(text.utf8).write(to: url)
                } else {
                    let handle = try FileHandle(forWritingTo: url)
                    handle.seekToEndOfFile()
                    handle.write(Data(text.utf8))
                    try handle.close()
                }
            }
        }
        for line in report { Console.line("train-sentiment: " + line) }
        Console.line("train-sentiment: wrote \(out)")
        if let check {
            guard let expected = FileManager.default.contents(atPath: check) else {
                throw ValidationError("cannot read \(check)")
            }
            guard FileManager.default.contents(atPath: out) == expected else {
                throw ValidationError("\(out) differs from \(check): the shipped model is not what this command trains")
            }
            Console.line("train-sentiment: \(out) is byte for byte \(check)")
        }
        if let embeddingModel { try trainEmbeddingHead(modelFolder: embeddingModel) }
    }

    /// Trains the embedding head on both languages' train rows, writes it, and scores it alone
    /// on the held-out part per language.
    func trainEmbeddingHead(modelFolder: String) throws {
        let encoder = try TextEncoder.load(modelFolder)
        let excluded = Set(excludedCategories)
        var train: (vectors: [[Float]], labels: [Int]) = ([], [])
        var held: [(language: TextLanguage, vectors: [[Float]], rows: [LabeledText])] = []
        for (language, path) in [(TextLanguage.zh, zh), (.en, en)] {
            let rows = language == .zh ? try SentimentCorpus.chinese(path) : try SentimentCorpus.english(path)
            let clock = ContinuousClock()
            let start = clock.now
            let vectors = try EmbeddingFileCache.vectors(
                of: rows.map(\.text),
                encoder: encoder,
                cache: embeddingCache.map { "\($0).\(language.rawValue).\(encoder.name)" }
            ) { done, total in
                let seconds = (clock.now - start).seconds
                Console.line(
                    "train-sentiment: embedding \(language.rawValue): \(done)/\(total) reviews, \(Int(Double(done) / max(seconds, 0.001)))/s"
                )
            }
            var heldVectors: [[Float]] = []
            var heldRows: [LabeledText] = []
            for (row, vector) in zip(rows, vectors) {
                if validation ? row.isValidation : row.isTest {
                    if !(language == .zh && excluded.contains(row.source)) {
                        heldVectors.append(vector)
                        heldRows.append(row)
                    }
                } else if !row.isTest && !(language == .zh && excluded.contains(row.source)) {
                    train.vectors.append(vector)
                    train.labels.append(row.label)
                }
            }
            held.append((language, heldVectors, heldRows))
        }
        let head = try EmbeddingPolarity.train(
            modelName: encoder.name,
            vectors: train.vectors,
            labels: train.labels,
            l2: embeddingL2
        )
        let path =
            embeddingOut
            ?? ((out as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("sentiment-e5.aisle")
        try head.save(to: path)
        let written = try EmbeddingPolarity.load(from: path)
        let part = validation ? "validation" : "test"
        for (language, vectors, rows) in held {
            let scores = BinaryScores(
                predictions: vectors.map { written.positiveProbability($0) >= 0.5 ? 1 : 0 },
                labels: rows.map(\.label)
            )
            Console.line(
                "train-sentiment: embedding head, \(language.rawValue) \(part) rows (\(rows.count), trained categories): accuracy \(String(format: "%.4f", scores.accuracy)), macro-F1 \(String(format: "%.4f", scores.macroF1))"
            )
        }
        Console.line("train-sentiment: wrote the embedding head (\(train.labels.count) train rows) to \(path)")
    }
}
