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
        let texts = try SentimentCorpus.chinese(zh).map(\.text) + SentimentCorpus.english(en).map(\.text)
        let parallelism = Parallelism(threads: threads)
        let clock = ContinuousClock()
        let start = clock.now
        let aspects = parallelism.map(texts.count, chunk: 256) { analyzer.analyze(texts[$0]).aspects.count }
        let seconds = (clock.now - start).seconds
        let characters = texts.reduce(0) { $0 + $1.count }
        print(
            "reviews: \(texts.count) analysed in \(String(format: "%.2f", seconds)) s on \(threads) threads: \(Int(Double(texts.count) / seconds)) reviews/s (\(characters / texts.count) characters on average; \(aspects.reduce(0, +)) aspect mentions)"
        )
    }
}
