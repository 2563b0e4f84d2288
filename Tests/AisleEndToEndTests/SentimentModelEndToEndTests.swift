import Foundation
import Testing

/// The shipped sentiment model is what `aisle train-sentiment` makes from the datasets: the
/// real binary retrains it and compares the bytes.
@Suite struct SentimentModelEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let data = root.deletingLastPathComponent().appendingPathComponent("shared/data")
    static var hasData: Bool {
        FileManager.default.fileExists(
            atPath: data.appendingPathComponent("reviews-zh/online_shopping_10_cats.csv.gz").path
        )
    }

    @Test(
        "aisle train-sentiment reproduces the shipped model byte for byte and reports its test scores",
        .enabled(if: hasData, "needs ../shared/data/reviews-zh and reviews-en")
    )
    func reproducible() throws {
        let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("sentiment-\(UUID().uuidString).aisle")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
        process.arguments = [
            "train-sentiment",
            "--zh", Self.data.appendingPathComponent("reviews-zh/online_shopping_10_cats.csv.gz").path,
            "--en", Self.data.appendingPathComponent("reviews-en/sentences.tsv").path,
            "--out", out,
            "--check", Self.root.appendingPathComponent("Sources/AisleText/Resources/sentiment.aisle").path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("is byte for byte"), "\(output)")
        // The held-out scores the docs quote (docs/REVIEWS.md).
        #expect(output.contains("zh: 42250 train / 12481 test rows"), "\(output)")
        #expect(output.contains("macro-F1 0.9223"), "\(output)")
        #expect(output.contains("macro-F1 0.8893"), "\(output)")
    }

    /// Runs the real binary with `arguments` from the repository root; its status and output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
        process.currentDirectoryURL = root
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("the embedding options refuse a missing model, another model's vectors and a bad penalty")
    func embeddingOptionErrors() throws {
        let missing = try Self.run(["analyze-review", "--embedding-model", "/nonexistent/e5", "不错"])
        #expect(missing.status != 0 && missing.output.contains("nothing at /nonexistent/e5"), "\(missing.output)")
        let miniLM = Self.root.appendingPathComponent("models/all-MiniLM-L6-v2").path
        if FileManager.default.fileExists(atPath: miniLM) {
            let other = try Self.run(["analyze-review", "--embedding-model", miniLM, "不错"])
            #expect(
                other.status != 0 && other.output.contains("reads multilingual-e5-small, not all-MiniLM-L6-v2"),
                "\(other.output)"
            )
        }
        let skipped = try Self.run(["analyze-review", "--embedding-model", "none", "质量很好"])
        #expect(skipped.status == 0 && skipped.output.contains("\"polarity\":\"positive\""), "\(skipped.output)")
        let penalty = try Self.run(["train-sentiment", "--out", "/tmp/unused.aisle", "--embedding-l2", "0"])
        #expect(
            penalty.status != 0 && penalty.output.contains("--embedding-l2 must be a positive number"),
            "\(penalty.output)"
        )
    }
}
