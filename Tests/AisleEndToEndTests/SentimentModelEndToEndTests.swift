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
}
