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
            Calibrate on the validation part with a model trained without it, then score the test
            part and the hotel reviews once with the shipped model:
              aisle train-sentiment --validation --out /tmp/validation.aisle
              aisle-bench review-polarity --part validation --model /tmp/validation.aisle \\
                --lexicon-weight 0.3 --lexicon-weight 0.5 --undecided 0.05 --undecided 0.1
              aisle-bench review-polarity
            The hotel reviews are scored with --part test only: nothing is tuned on them.
            """
    )

    enum Part: String, ExpressibleByArgument { case test, validation }

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
    @Option(help: "Undecided bands to try (default: the shipped calibration's).") var undecided: [Float] = []
    @Option(help: "Worker threads.") var threads: Int = 2
    @Option(
        name: .customLong("exclude-category"),
        help: "Chinese shopping categories left out (default 酒店: its rows are the hotel reviews')."
    )
    var excludedCategories: [String] = ["酒店"]

    func run() throws {
        let analyzer = ReviewAnalyzer(
            model: lexiconOnly ? nil : try model.map(SentimentModel.load(from:)) ?? SentimentModel.shipped()
        )
        let inPart: (LabeledText) -> Bool = part == .test ? { $0.isTest } : { $0.isValidation }
        var sets: [(name: String, rows: [LabeledText])] = [
            (
                "zh shopping \(part.rawValue)",
                try SentimentCorpus.chinese(zh).filter { inPart($0) && !excludedCategories.contains($0.source) }
            ),
            ("en \(part.rawValue)", try SentimentCorpus.english(en).filter(inPart)),
        ]
        if part == .test { sets.append(("zh hotel (all, out of domain)", try SentimentCorpus.hotel(hotel))) }
        let shipped = ReviewAnalyzer.Calibration.shipped
        var calibrations: [ReviewAnalyzer.Calibration] = []
        for weight in lexiconWeight.isEmpty ? [shipped.lexiconWeight] : lexiconWeight {
            for covered in coveredLexiconWeight.isEmpty ? [shipped.coveredLexiconWeight] : coveredLexiconWeight {
                for band in undecided.isEmpty ? [shipped.undecided] : undecided {
                    calibrations.append(.init(lexiconWeight: weight, coveredLexiconWeight: covered, undecided: band))
                }
            }
        }
        let parallelism = Parallelism(threads: threads)
        for set in sets {
            let texts = set.rows.map(\.text)
            let readings = parallelism.map(texts.count, chunk: 64) { analyzer.read(texts[$0]) }
            let labels = set.rows.map(\.label)
            for calibration in calibrations {
                let decider = ReviewAnalyzer(model: nil, calibration: calibration)
                let scores = PolarityScores(readings.map { decider.decide($0) }, labels: labels)
                print(
                    String(
                        format:
                            "%@ (%d): lexicon weight %.2f (covered %.2f), undecided %.2f: accuracy %.4f (mixed %.1f %%, neutral %.1f %%, unknown %.1f %%); sign accuracy %.4f",
                        set.name,
                        scores.count,
                        calibration.lexiconWeight,
                        calibration.coveredLexiconWeight,
                        calibration.undecided,
                        scores.accuracy,
                        100 * scores.mixed,
                        100 * scores.neutral,
                        100 * scores.unknown,
                        scores.signAccuracy
                    )
                )
            }
        }
    }
}
