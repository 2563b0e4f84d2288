import AisleCore
import AisleMath
import AisleText
import ArgumentParser
import Foundation
import Synchronization

/// Polarity accuracy of the full review analysis (lexicon, classifier, calibration), counting
/// mixed, neutral and unknown as wrong, on the shopping reviews' test or validation part and on
/// the out-of-domain hotel reviews; with several calibrations, each review is read once.
struct ReviewPolarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-polarity",
        abstract: "Polarity accuracy of review analysis (mixed/neutral/unknown count as wrong).",
        discussion: """
            The shipped calibration is chosen on shopping categories held out one at a time
            (python3 scripts/sentiment_calibration_loco.py, which runs this command with
            --part all --dump-readings); a grid on the validation part, with a model trained
            without it, is:
              aisle train-sentiment --validation --out /tmp/validation.aisle
              aisle-bench review-polarity --part validation --model /tmp/validation.aisle \\
                --lexicon-weight 0.1 --lexicon-weight 0.3 --neutral 0.02 --neutral 0.1
            Then score the test part and the hotel reviews once with the shipped model:
              aisle-bench review-polarity
            The hotel reviews are scored with --part test only: nothing is tuned on them.
            """
    )

    /// `all`: every row of the shopping reviews (for out-of-domain studies over `--dump-readings`).
    enum Part: String, ExpressibleByArgument { case test, validation, all }

    @Option(help: "Sentiment model from aisle train-sentiment (default: the shipped one).") var model: String?
    @Flag(help: "The lexicon alone.") var lexiconOnly = false
    @Option(help: "Which part of the shopping reviews.") var part: Part = .test
    @Option(help: "Chinese shopping reviews.") var zh = "../shared/data/reviews-zh/online_shopping_10_cats.csv.gz"
    @Option(help: "English sentences.") var en = "../shared/data/reviews-en/sentences.tsv"
    @Option(help: "Chinese hotel reviews (scored with --part test only).")
    var hotel = "../shared/data/reviews-zh-hotel/ChnSentiCorp_htl_all.csv.gz"
    @Option(help: "Lexicon weights to try (default: the shipped calibration's).") var lexiconWeight: [Float] = []
    @Option(help: "Lexicon weights for fully covered reviews to try (default: the shipped calibration's).")
    var coveredLexiconWeight: [Float] = []
    @Option(
        help: "Undecided (mixed) bands to try, for reviews with opposed clauses (default: the shipped calibration's)."
    )
    var undecided: [Float] = []
    @Option(help: "Neutral bands to try, for reviews without opposed clauses (default: the shipped calibration's).")
    var neutral: [Float] = []
    @Option(help: "Worker threads.") var threads: Int = 2
    @Option(
        name: .customLong("exclude-category"),
        help: "Chinese shopping categories left out (default 酒店: its rows are the hotel reviews')."
    )
    var excludedCategories: [String] = ["酒店"]
    @Option(help: "Also read each review's embedding with this text model folder (vectors cached in bench-out).")
    var embeddingModel: String?
    @Option(help: "Embedding head from aisle train-sentiment --embedding-model (default: the shipped one).")
    var embeddingHead: String?
    @Option(help: "Embedding weights to try (default: the shipped calibration's).") var embeddingWeight: [Float] = []
    @Flag(help: "Embed the reviews as queries (the e5 model card's advice for classification), not passages.")
    var asQueries = false
    @Option(
        help:
            "Write each row's reading (category, label, hash part, the scores before calibration) as TSV to FILE.<set>.tsv."
    )
    var dumpReadings: String?

    func run() throws {
        let encoder = try embeddingModel.map { try TextEncoder.load($0) }
        let head =
            encoder == nil ? nil : try embeddingHead.map(EmbeddingPolarity.load(from:)) ?? EmbeddingPolarity.shipped()
        if encoder != nil && head == nil { throw ValidationError("no embedding head: pass --embedding-head") }
        let analyzer = ReviewAnalyzer(
            model: lexiconOnly ? nil : try model.map(SentimentModel.load(from:)) ?? SentimentModel.shipped(),
            embeddings: head.map { ReviewAnalyzer.EmbeddingReader(polarity: $0, embed: { _ in nil }) }
        )
        // Each corpus embedded whole (the search-zh benchmark's cache for the Chinese one).
        func vectors(_ rows: [LabeledText], cache: String) throws -> [[Float]]? {
            guard let encoder else { return nil }
            // A head with a tower reads its own vectors (the cache's name tells them apart).
            return try EmbeddingCache.vectors(
                of: rows.map(\.text),
                encoder: encoder,
                cache: cache + ".\(encoder.name)\(asQueries ? ".query" : "").f32",
                as: asQueries ? .query : .passage,
                through: head?.tower == nil ? nil : head
            )
        }
        let inPart: (LabeledText) -> Bool =
            switch part {
            case .test: { $0.isTest }
            case .validation: { $0.isValidation }
            case .all: { _ in true }
            }
        func select(_ rows: [LabeledText], _ vectors: [[Float]]?, _ keep: (LabeledText) -> Bool) -> (
            [LabeledText], [[Float]]?
        ) {
            let kept = rows.indices.filter { keep(rows[$0]) }
            return (kept.map { rows[$0] }, vectors.map { all in kept.map { all[$0] } })
        }
        let chinese = try SentimentCorpus.chinese(zh)
        let english = try SentimentCorpus.english(en)
        var sets: [(name: String, rows: [LabeledText], vectors: [[Float]]?)] = []
        let keepChinese = { (row: LabeledText) in inPart(row) && !excludedCategories.contains(row.source) }
        // The plain head reads the search benchmark's cache of the whole corpus; a tower's
        // vectors are its own, so only the rows scored are embedded.
        let (zhRows, zhVectors) =
            head?.tower == nil
            ? select(chinese, try vectors(chinese, cache: "bench-out/search-zh/documents"), keepChinese)
            : select(
                chinese.filter(keepChinese),
                try vectors(chinese.filter(keepChinese), cache: "bench-out/review-polarity/zh")
            ) { _ in true }
        sets.append(("zh shopping \(part.rawValue)", zhRows, zhVectors))
        let (enRows, enVectors) = select(english, try vectors(english, cache: "bench-out/review-polarity/en"), inPart)
        sets.append(("en \(part.rawValue)", enRows, enVectors))
        if part == .test {
            let hotelRows = try SentimentCorpus.hotel(hotel)
            sets.append(
                (
                    "zh hotel (all, out of domain)", hotelRows,
                    try vectors(hotelRows, cache: "bench-out/review-polarity/hotel")
                )
            )
        }
        let shipped = ReviewAnalyzer.Calibration.shipped
        var calibrations: [ReviewAnalyzer.Calibration] = []
        for weight in lexiconWeight.isEmpty ? [shipped.lexiconWeight] : lexiconWeight {
            for covered in coveredLexiconWeight.isEmpty ? [shipped.coveredLexiconWeight] : coveredLexiconWeight {
                for band in undecided.isEmpty ? [shipped.undecided] : undecided {
                    for neutralBand in neutral.isEmpty ? [shipped.neutral] : neutral {
                        for share in embeddingWeight.isEmpty ? [shipped.embeddingWeight] : embeddingWeight {
                            calibrations.append(
                                .init(
                                    lexiconWeight: weight,
                                    coveredLexiconWeight: covered,
                                    undecided: band,
                                    neutral: neutralBand,
                                    embeddingWeight: share
                                )
                            )
                        }
                    }
                }
            }
        }
        let parallelism = Parallelism(threads: threads)
        for set in sets {
            let texts = set.rows.map(\.text)
            let readings = parallelism.map(texts.count, chunk: 64) {
                analyzer.read(texts[$0], embedding: set.vectors?[$0])
            }
            let labels = set.rows.map(\.label)
            if let dumpReadings {
                // "zh shopping test" → FILE.zh-shopping.tsv, "zh hotel (…)" → FILE.zh-hotel.tsv
                let slug = set.name.split(separator: " ").prefix(2).joined(separator: "-")
                try dump(readings, of: set.rows, to: "\(dumpReadings).\(slug).tsv")
            }
            for calibration in calibrations {
                let decider = ReviewAnalyzer(model: nil, calibration: calibration)
                let embedding =
                    set.vectors == nil ? "" : String(format: ", embedding %.2f", calibration.embeddingWeight)
                let scores = PolarityScores(readings.map { decider.decide($0) }, labels: labels)
                print(
                    String(
                        format:
                            "%@ (%d): lexicon weight %.2f (covered %.2f), undecided %.2f (neutral %.2f)%@: accuracy %.4f (mixed %.1f %%, neutral %.1f %%, unknown %.1f %%); sign accuracy %.4f, macro-F1 %.4f",
                        set.name,
                        scores.count,
                        calibration.lexiconWeight,
                        calibration.coveredLexiconWeight,
                        calibration.undecided,
                        calibration.neutral,
                        embedding,
                        scores.accuracy,
                        100 * scores.mixed,
                        100 * scores.neutral,
                        100 * scores.unknown,
                        scores.signAccuracy,
                        scores.signMacroF1
                    )
                )
            }
        }
    }

    /// One line per row: category, label, hash part (FNV-1a mod 5), then the reading's lexicon,
    /// classifier and embedding scores (nan when absent), coverage, clause flags and mean clause size.
    private func dump(_ readings: [ReviewAnalyzer.Reading], of rows: [LabeledText], to path: String) throws {
        func number(_ value: Float?) -> String { value.map { String($0) } ?? "nan" }
        var text =
            "source\tlabel\tpart\tlexicon\tclassifier\tembedding\tcoverage\tpositive_clause\tnegative_clause\tclause_magnitude\n"
        for (row, reading) in zip(rows, readings) {
            let fields = [
                row.source, String(row.label), String(LabeledText.fnv1a64(row.text) % 5),
                number(reading.lexiconScore), number(reading.classifierScore), number(reading.embeddingScore),
                String(reading.coverage), reading.hasPositiveClause ? "1" : "0", reading.hasNegativeClause ? "1" : "0",
                String(reading.meanClauseMagnitude),
            ]
            text += fields.joined(separator: "\t") + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(rows.count) readings to \(path)")
    }
}
