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

    @Option(help: "Sentiment model from aisle train-sentiment (without one, the lexicon decides alone).")
    var model: String?

    @Argument(help: "Review texts.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one review text to analyse") }
    }

    func run() throws {
        let analyzer = ReviewAnalyzer(model: try model.map(SentimentModel.load(from:)))
        for text in texts {
            let analysis = analyzer.analyze(text)
            let aspects = analysis.aspects.map { aspect in
                [
                    "aspect": aspect.aspect.rawValue, "polarity": aspect.polarity.rawValue,
                    "score": String(format: "%.2f", aspect.score), "span": aspect.span,
                ]
            }
            let object: [String: Any] = [
                "language": analysis.language.rawValue, "polarity": analysis.polarity.rawValue,
                "score": (Double(analysis.score) * 100).rounded() / 100, "intensity": analysis.intensity.rawValue,
                "aspects": aspects,
            ]
            let data = try JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
            Console.line(String(decoding: data, as: UTF8.self))
        }
    }
}
