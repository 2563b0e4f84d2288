import AisleCore
import AisleText
import Foundation
import Testing

@Suite struct SentimentTests {
    static let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data").path

    @Test("the split hash is FNV-1a 64 over UTF-8, with the published test vectors")
    func splitHash() {
        #expect(LabeledText.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(LabeledText.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(LabeledText.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
        let rows = (0..<1_000).map { LabeledText(text: "review \($0)", label: $0 % 2, source: "t") }
        let share = Double(rows.filter(\.isTest).count) / Double(rows.count)
        #expect(share > 0.15 && share < 0.25)
    }

    @Test(
        "language detection: Chinese when ideographs are a fifth of the letters",
        arguments: [
            ("这件羽绒服质量很好", TextLanguage.zh), ("Nice, 很好很好", .zh), ("Great boots, 好", .en), ("Great boots", .en),
            ("", .en),
        ]
    )
    func detect(text: String, language: TextLanguage) {
        #expect(TextLanguage.detect(text) == language)
    }

    @Test("negation marks the words after it up to punctuation; contrast repeats the last clause")
    func englishFeatures() {
        let features = SentimentFeatures(dimension: 1 << 16)
        let plain = features.features("good", language: .en)
        let negated = features.features("not good", language: .en)
        #expect(!negated.indices.contains(plain.indices[0]), "'good' after 'not' is a different feature")
        let contrast = features.features("nice color but it broke", language: .en)
        let noContrast = features.features("nice color and it broke", language: .en)
        #expect(contrast.indices.count > noContrast.indices.count)
        #expect(abs(plain.values.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5 || plain.values.count == 1)
    }

    @Test("a classifier learns a toy task in both languages, and survives a save and load")
    func trainAndRoundTrip() throws {
        let features = SentimentFeatures(dimension: 1 << 12)
        let english = (0..<40).map {
            LabeledText(
                text: $0 % 2 == 0 ? "great value, love it \($0)" : "awful, broke fast \($0)",
                label: $0 % 2 == 0 ? 1 : 0,
                source: "t"
            )
        }
        let chinese = (0..<40).map {
            LabeledText(text: $0 % 2 == 0 ? "质量很好，很喜欢\($0)" : "太差了，很失望\($0)", label: $0 % 2 == 0 ? 1 : 0, source: "t")
        }
        let model = SentimentModel(
            features: features,
            classifiers: [
                .en: SentimentModel.train(english, language: .en, features: features),
                .zh: SentimentModel.train(chinese, language: .zh, features: features),
            ]
        )
        #expect(try #require(model.positiveProbability("love it, great value")) > 0.5)
        #expect(try #require(model.positiveProbability("it broke, awful")) < 0.5)
        #expect(try #require(model.positiveProbability("很喜欢，质量很好")) > 0.5)
        #expect(try #require(model.positiveProbability("很失望，太差了")) < 0.5)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sentiment-\(UUID().uuidString).aisle")
            .path
        try model.save(to: path)
        let loaded = try SentimentModel.load(from: path)
        // Weights are stored as 16-bit steps of the largest one: probabilities move by < 1e-4.
        for text in ["love it, great value", "it broke, awful", "很喜欢，质量很好", "很失望，太差了"] {
            let before = try #require(model.positiveProbability(text))
            let after = try #require(loaded.positiveProbability(text))
            #expect(abs(before - after) < 1e-4, "\(text)")
        }
        // Saving the loaded model gives the same bytes: the shipped file is reproducible.
        let again = path + ".again"
        try loaded.save(to: again)
        #expect(FileManager.default.contents(atPath: again) == FileManager.default.contents(atPath: path))
    }

    @Test("the shipped model loads beside the test binary and reads the issue's example as mixed or positive")
    func shippedModel() throws {
        let model = try #require(try SentimentModel.shipped())
        #expect(model.features.dimension == SentimentModel.defaultDimension)
        #expect(Set(model.classifiers.keys) == [.en, .zh])
        #expect(try #require(model.positiveProbability("质量很好，很满意")) > 0.5)
        #expect(try #require(model.positiveProbability("Terrible. It broke after a day.")) < 0.5)
    }

    @Test("a file that is not a model, or is cut short, is refused")
    func badModelFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)").path
        try Data("AISLESE2\u{1}\u{0}\u{0}\u{0}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TextDataError.self) { try SentimentModel.load(from: path) }
        try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: TextDataError.self) { try SentimentModel.load(from: path) }
    }

    @Test("macro-F1 averages the two classes' F1")
    func scores() {
        let scores = BinaryScores(predictions: [1, 1, 0, 0], labels: [1, 0, 0, 0])
        #expect(scores.accuracy == 0.75)
        #expect(abs(scores.macroF1 - (2.0 / 3 + 0.8) / 2) < 1e-12)
    }

    @Test(
        "the Chinese dataset reads 62,774 rows with quotes and the byte-order mark handled",
        .enabled(if: FileManager.default.fileExists(atPath: sharedData + "/reviews-zh/online_shopping_10_cats.csv.gz"))
    )
    func chineseCorpus() throws {
        let rows = try SentimentCorpus.chinese(Self.sharedData + "/reviews-zh/online_shopping_10_cats.csv.gz")
        #expect(rows.count >= 62_700 && rows.count <= 62_774)
        #expect(!rows[0].text.hasPrefix("\u{FEFF}"))
        #expect(Set(rows.map(\.source)).count == 10)
        let english = try SentimentCorpus.english(Self.sharedData + "/reviews-en/sentences.tsv")
        #expect(english.count == 2_863)
    }
}
