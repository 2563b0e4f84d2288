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
    @Option(help: "Also time analysis that reads each review's embedding with this model folder (a sample).")
    var embeddingModel: String?
    @Option(help: "Reviews in the embedding sample (spread over both datasets).") var sample = 2_000
    @Option(help: "Embedding heads to time in turn, twice over (default: the shipped one).")
    var embeddingHead: [String] = []

    func run() throws {
        if let embeddingModel { return try timeWithEmbeddings(modelFolder: embeddingModel) }
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

    /// Reviews per second when each batch is embedded first (as the server does), on a sample
    /// spread over both datasets, with and without the embedding.
    func timeWithEmbeddings(modelFolder: String) throws {
        let encoder = try TextEncoder.load(modelFolder, parallelism: Parallelism(threads: threads))
        BLAS.setThreads(.serial)
        let heads: [(name: String, head: EmbeddingPolarity)] =
            try embeddingHead.isEmpty
            ? (try EmbeddingPolarity.shipped()).map { [("shipped", $0)] } ?? []
            : embeddingHead.map { ($0, try EmbeddingPolarity.load(from: $0)) }
        guard !heads.isEmpty else { throw ValidationError("no shipped embedding head") }
        let model = try SentimentModel.shipped()
        let plain = ReviewAnalyzer(model: model)
        let rows = try SentimentCorpus.chinese(zh) + SentimentCorpus.english(en)
        let step = max(1, rows.count / sample)
        let texts = stride(from: 0, to: rows.count, by: step).prefix(sample).map { rows[$0].text }
        let parallelism = Parallelism(threads: threads)
        let clock = ContinuousClock()
        var start = clock.now
        _ = parallelism.map(texts.count, chunk: 64) { plain.analyze(texts[$0]) }
        let plainSeconds = (clock.now - start).seconds
        let characters = texts.reduce(0) { $0 + $1.count } / max(texts.count, 1)
        // Each head twice, in turn: the machine's speed drifts, the ratio between heads less.
        for (name, head) in heads + heads {
            let reading = ReviewAnalyzer(model: model, embeddings: .init(polarity: head, embed: { _ in nil }))
            start = clock.now
            var analysed = 0
            for first in stride(from: 0, to: texts.count, by: 256) {
                let batch = Array(texts[first..<min(first + 256, texts.count)])
                guard let vectors = head.vectors(of: batch, encoder: encoder) else {
                    throw ValidationError("--embedding-head \(name) reads \(head.modelName), not \(encoder.name)")
                }
                analysed +=
                    parallelism.map(batch.count, chunk: 16) {
                        reading.decide(reading.read(batch[$0], embedding: vectors[$0]))
                    }.count
            }
            let seconds = (clock.now - start).seconds
            print(
                "reviews: \(analysed) reviews (\(characters) characters on average) on \(threads) threads, head \(name)\(head.tower == nil ? "" : " (with a tower)"): with embeddings \(String(format: "%.1f", Double(analysed) / seconds)) reviews/s (\(String(format: "%.1f", 1000 * seconds / Double(analysed))) ms each), without \(Int(Double(texts.count) / plainSeconds)) reviews/s"
            )
        }
    }
}
