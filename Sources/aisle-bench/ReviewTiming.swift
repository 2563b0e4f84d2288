import AisleCore
import AisleMath
import AisleText
import ArgumentParser
import Foundation
import Synchronization

/// Times review analysis in batch: every review of the Chinese and English datasets analysed
/// (clauses, lexicon, aspects, classifier), split over the workers.
struct ReviewTiming: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviews",
        abstract: "Time batch review analysis (reviews per second)."
    )

    @Option(help: "Sentiment model from aisle train-sentiment (default: the shipped one).") var model: String?
    @Option(help: "Chinese reviews.") var zh = "../shared/data/reviews-zh/online_shopping_10_cats.csv.gz"
    @Option(help: "English sentences.") var en = "../shared/data/reviews-en/sentences.tsv"
    @Option(help: "Worker threads.") var threads: Int = 2

    func run() throws {
        let analyzer = ReviewAnalyzer(model: try model.map(SentimentModel.load(from:)) ?? SentimentModel.shipped())
        let chinese = try SentimentCorpus.chinese(zh)
        let rows = chinese + (try SentimentCorpus.english(en))
        let texts = rows.map(\.text)
        let parallelism = Parallelism(threads: threads)
        let clock = ContinuousClock()
        let start = clock.now
        let analyses = parallelism.map(texts.count, chunk: 256) { analyzer.analyze(texts[$0]) }
        let seconds = (clock.now - start).seconds
        let aspects = analyses.map(\.aspects.count)
        let characters = texts.reduce(0) { $0 + $1.count }
        print(
            "reviews: \(texts.count) analysed in \(String(format: "%.2f", seconds)) s on \(threads) threads: \(Int(Double(texts.count) / seconds)) reviews/s (\(characters / texts.count) characters on average; \(aspects.reduce(0, +)) aspect mentions)"
        )
        // The full analysis's overall score (lexicon blended with the classifier) against the
        // labels of the held-out rows, per dataset: positive when the score is ≥ 0. The
        // language is detected, as in serving.
        for (language, range) in [("zh", 0..<chinese.count), ("en", chinese.count..<rows.count)] {
            let test = range.filter { rows[$0].isTest }
            let scores = BinaryScores(
                predictions: test.map { analyses[$0].score >= 0 ? 1 : 0 },
                labels: test.map { rows[$0].label }
            )
            print(
                "reviews: full analysis on the \(language) test rows (\(test.count)): accuracy \(String(format: "%.4f", scores.accuracy)), macro-F1 \(String(format: "%.4f", scores.macroF1))"
            )
        }
    }
}
