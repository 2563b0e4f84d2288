import AisleCore
import Testing

@testable import AisleSearch

/// Language centering: a share of the script's mean out of each vector, for a multilingual
/// model whose vectors carry their language. Hand-made vectors: axes 0–2 are meanings
/// (outerwear, footwear, kitchen), axis 3 "is Chinese", axis 4 "is not".
@Suite struct LanguageCenteringTests {
    static let centering = LanguageCentering(
        cjkMean: [0, 0, 0, 1, 0],
        otherMean: [0, 0, 0, 0, 1],
        share: 1
    )

    @Test("a vector loses its script's mean and is unit length again; other sizes are left alone")
    func centred() {
        let chinese = Self.centering.centred([0.6, 0, 0, 1, 0], text: "羽绒服")
        #expect(abs(chinese[0] - 1) < 1e-6 && chinese.dropFirst().allSatisfy { abs($0) < 1e-6 })
        // The same vector read as non-CJK text takes the other mean out instead.
        let asOther = Self.centering.centred(SearchHybridTests.unit([0.6, 0, 0, 1, 0]), text: "down jacket")
        #expect(asOther[4] < 0 && abs(asOther.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(Self.centering.centred([1, 0], text: "x") == [1, 0], "another model's size")
        // Mixed text counts as CJK (a Chinese title with a brand name in Latin letters).
        let mixed = Self.centering.centred([0, 1, 0, 1, 0], text: "Nike 跑步鞋")
        #expect(abs(mixed[1] - 1) < 1e-6)
        var half = Self.centering
        half.share = 0.5
        let partly = half.centred(SearchHybridTests.unit([0, 1, 0, 1, 0]), text: "跑步鞋")
        #expect(partly[3] > 0 && partly[3] < partly[1], "half the language signal stays")
    }

    @Test("an English query finds the Chinese-titled jacket before an English mug only once centred")
    func crossLanguage() {
        func top(_ centering: LanguageCentering?) -> String? {
            var tuning = SearchTuning()
            tuning.languageCentering = centering
            tuning.semanticThreshold = 0
            tuning.semanticMargin = 9
            tuning.semanticFloor = -1
            let engine = SearchEngine(tuning: tuning)
            engine.upsert([
                SearchEngineTests.item("zh-jacket", "男士加厚羽绒服"),
                SearchEngineTests.item("en-mug", "Ceramic coffee mug"),
            ])
            engine.setVectors([
                (ItemID("zh-jacket"), SearchHybridTests.unit([0.6, 0, 0, 1, 0])),
                (ItemID("en-mug"), SearchHybridTests.unit([0, 0, 0.3, 0, 1])),
            ])
            var query = SearchQuery(text: "warm down jacket")
            query.mode = .semantic
            query.vector = SearchHybridTests.unit([0.6, 0, 0, 0, 1])
            return engine.search(query).hits.first?.itemID.rawValue
        }
        #expect(top(nil) == "en-mug", "raw, the shared language wins")
        #expect(top(Self.centering) == "zh-jacket")
    }

    @Test("semantic mode holds each item to its own script's nearest, and across scripts to the cross threshold")
    func perScriptBars() {
        func found(_ centering: LanguageCentering?, crossThreshold: Float? = nil) -> [String] {
            var tuning = SearchTuning()
            tuning.languageCentering = centering
            tuning.semanticThreshold = 0.5
            tuning.semanticMargin = 0.05
            tuning.semanticFloor = 0
            tuning.crossScriptThreshold = crossThreshold
            let engine = SearchEngine(tuning: tuning)
            engine.upsert([
                SearchEngineTests.item("zh-jacket", "男士加厚羽绒服"),
                SearchEngineTests.item("en-mug", "Ceramic coffee mug"),
            ])
            engine.setVectors([
                (ItemID("zh-jacket"), [1, 0, 0, 0, 0]),
                (ItemID("en-mug"), [0, 0, 1, 0, 0]),
            ])
            var query = SearchQuery(text: "warm jacket")
            query.mode = .semantic
            query.vector = SearchHybridTests.unit([0.6, 0, 1, 0, 0])
            return engine.search(query).hits.map(\.itemID.rawValue)
        }
        // Similarities: mug 0.857, jacket 0.514 — far below the mug, and below 0.5 + margin.
        let none = LanguageCentering(cjkMean: [0, 0, 0, 0, 0], otherMean: [0, 0, 0, 0, 0], share: 0)
        #expect(found(nil) == ["en-mug"], "one script group: the jacket is more than the margin below the mug")
        #expect(found(none) == ["en-mug", "zh-jacket"], "its own script's nearest is itself; 0.514 clears 0.5")
        #expect(found(none, crossThreshold: 0.6) == ["en-mug"], "the cross-script threshold applies to it")
    }

    @Test("multilingual-e5-small's calibration centres; MiniLM's does not")
    func calibration() {
        var e5 = SearchTuning()
        e5.calibrate(forModel: "multilingual-e5-small")
        #expect(e5.languageCentering?.cjkMean.count == 384 && e5.languageCentering?.otherMean.count == 384)
        var minilm = SearchTuning()
        minilm.calibrate(forModel: "all-MiniLM-L6-v2")
        #expect(minilm.languageCentering == nil)
    }
}
