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

    @Option(
        help:
            "multilingual-e5-small (folder or file) whose vector of each review polarity also reads, as the server does; none to skip."
    )
    var embeddingModel = Self.defaultEmbeddingModel

    static let defaultEmbeddingModel = "models/multilingual-e5-small"

    @Argument(help: "Review texts.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one review text to analyse") }
    }

    func run() throws {
        let head = lexiconOnly || embeddingModel == "none" ? nil : try EmbeddingPolarity.shipped()
        var textEncoder: TextEncoder? = nil
        if let head {
            if FileManager.default.fileExists(atPath: embeddingModel) {
                textEncoder = try TextEncoder.load(embeddingModel)
            } else if embeddingModel != Self.defaultEmbeddingModel {
                // The default may simply not be installed; a path the user typed must exist.
                throw ValidationError("--embedding-model: nothing at \(embeddingModel) (make models fetches it)")
            }
            if let name = textEncoder?.name, name != head.modelName {
                throw ValidationError("--embedding-model: the embedding head reads \(head.modelName), not \(name)")
            }
        }
        let analyzer = ReviewAnalyzer(
            model: lexiconOnly ? nil : try model.map(SentimentModel.load(from:)) ?? SentimentModel.shipped(),
            embeddings: textEncoder.flatMap { encoder in
                head.map { head in .init(polarity: head, embed: { head.vectors(of: $0, encoder: encoder) }) }
            }
        )
        // The vectors the head reads: through its tower when it has one, as the server reads them.
        let vectors = textEncoder.flatMap { encoder in head?.vectors(of: texts, encoder: encoder) }
        let encoder = Wire.encoder()
        for (index, text) in texts.enumerated() {
            let body = ReviewAnalysisBody(analyzer.decide(analyzer.read(text, embedding: vectors?[index])))
            Console.line(String(decoding: try encoder.encode(body), as: UTF8.self))
        }
    }
}
