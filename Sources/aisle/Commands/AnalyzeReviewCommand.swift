import AisleCore
import AisleText
import ArgumentParser
import Foundation

struct AnalyzeReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze-review",
        abstract: "Analyse review texts: polarity, intensity and aspects (one JSON line each).",
        discussion: """
            aisle analyze-review --model aisle-data/models/sentiment.aisle "这件羽绒服质量很好，保暖效果也不错，但发货速度太慢了"
            """
    )

    @Option(help: "Sentiment model from aisle train-sentiment (default: the one shipped with Aisle).")
    var model: String?

    @Flag(help: "Use the lexicon alone, without the trained classifier.")
    var lexiconOnly = false

    @Argument(help: "Review texts.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one review text to analyse") }
    }

    func run() throws {
        let analyzer = ReviewAnalyzer(
            model: lexiconOnly ? nil : try model.map(SentimentModel.load(from:)) ?? SentimentModel.shipped()
        )
        let encoder = Wire.encoder()
        for text in texts {
            let body = ReviewAnalysisBody(analyzer.analyze(text))
            Console.line(String(decoding: try encoder.encode(body), as: UTF8.self))
        }
    }
}
