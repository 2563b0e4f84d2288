import AisleCore
import AisleText
import Foundation
import Testing

/// Hand-written reviews with what a shopper reads in them. The analyser runs on its lexicon alone
/// here (no trained model), so each case checks the rules: negation, contrast, intensifiers, emoji.
@Suite struct ReviewAnalyzerTests {
    typealias Polarity = ReviewAnalysis.Polarity

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let polarity: Set<Polarity>
        let aspects: [Aspect: Polarity]
        var testDescription: String { text }

        init(_ text: String, _ polarity: Set<Polarity>, _ aspects: [Aspect: Polarity] = [:]) {
            self.text = text
            self.polarity = polarity
            self.aspects = aspects
        }
    }

    static let cases: [Case] = [
        // Chinese
        Case(
            "这件羽绒服质量很好，保暖效果也不错，但发货速度太慢了",
            [.positive, .mixed],
            [.quality: .positive, .comfort: .positive, .delivery: .negative]
        ),
        Case("质量非常好，很满意", [.positive], [.quality: .positive]),
        Case("质量不好，很失望", [.negative], [.quality: .negative]),
        Case("质量不错", [.positive], [.quality: .positive]),
        Case("没有问题，很好用", [.positive]),
        Case("物流太慢了", [.negative], [.delivery: .negative]),
        Case("发货很快，包装也很好", [.positive], [.delivery: .positive, .packaging: .positive]),
        Case("价格便宜，性价比高", [.positive], [.price: .positive]),
        Case("太贵了，不值", [.negative], [.price: .negative]),
        Case("尺码偏小，建议买大一号", [.negative], [.size: .negative]),
        Case("穿着很舒服，也很保暖", [.positive], [.comfort: .positive]),
        Case("颜色很漂亮，款式也好看", [.positive], [.appearance: .positive]),
        Case("客服态度很差", [.negative], [.service: .negative]),
        Case("客服很热情，售后也不错", [.positive], [.service: .positive]),
        Case("用了两天就坏了", [.negative], [.durability: .negative]),
        Case("衣服很好看，但是有点开线", [.mixed, .negative], [.appearance: .positive, .durability: .negative]),
        Case("不太满意", [.negative]),
        Case("一点都不好", [.negative]),
        Case("非常喜欢👍", [.positive]),
        Case("垃圾😡", [.negative]),
        // The clause after 不过 counts double, so a strong complaint there outweighs mild praise.
        Case("东西不错，不过快递太慢", [.mixed, .negative], [.delivery: .negative]),
        Case("包装破了，但是东西还行", [.mixed, .positive, .negative], [.packaging: .negative]),
        // English
        Case("Great quality, very happy with it.", [.positive], [.quality: .positive]),
        Case("Terrible quality.", [.negative], [.quality: .negative]),
        Case("Not bad at all, fits perfectly.", [.positive], [.size: .positive]),
        Case("Not good.", [.negative]),
        Case(
            "The jacket is very warm but the zipper broke after a week.",
            [.mixed, .negative],
            [.comfort: .positive, .durability: .negative]
        ),
        Case("Shipping was extremely slow.", [.negative], [.delivery: .negative]),
        Case("Fast delivery and great packaging.", [.positive], [.delivery: .positive, .packaging: .positive]),
        Case("Way too expensive for what it is.", [.negative], [.price: .negative]),
        Case("Great value for the price.", [.positive], [.price: .positive]),
        Case("Very comfortable shoes.", [.positive], [.comfort: .positive]),
        Case("The color is beautiful.", [.positive], [.appearance: .positive]),
        Case("Customer service was rude.", [.negative], [.service: .negative]),
        Case("It never works.", [.negative], [.function: .negative]),
        Case("I love it ❤️", [.positive]),
        Case("Worst purchase ever 👎", [.negative]),
        Case(
            "Nice design, but the battery is poor.",
            [.mixed, .negative],
            [.appearance: .positive, .function: .negative]
        ),
        Case("Not disappointed at all.", [.positive]),
        Case("The size is too tight.", [.negative], [.size: .negative]),
        Case("Sturdy and durable, I recommend it.", [.positive], [.durability: .positive]),
        Case("The box arrived damaged.", [.negative], [.packaging: .negative]),
        Case("It is okay.", [.positive, .neutral]),
        Case("Although the price is high, the quality is excellent.", [.mixed, .positive], [.quality: .positive]),
    ]

    @Test("hand-written reviews read as a shopper reads them", arguments: cases)
    func handWritten(example: Case) {
        let analysis = ReviewAnalyzer(model: nil).analyze(example.text)
        #expect(example.polarity.contains(analysis.polarity), "polarity \(analysis.polarity), score \(analysis.score)")
        for (aspect, polarity) in example.aspects {
            let found = analysis.aspects.first { $0.aspect == aspect }
            #expect(found?.polarity == polarity, "\(aspect): \(String(describing: found))")
        }
    }

    @Test("the issue's example: positive or mixed, medium, quality +, warmth +, delivery −")
    func issueExample() throws {
        let analysis = ReviewAnalyzer(model: nil).analyze("这件羽绒服质量很好，保暖效果也不错，但发货速度太慢了")
        #expect([.positive, .mixed].contains(analysis.polarity))
        #expect(analysis.intensity == .medium)
        #expect(analysis.language == .zh)
        let delivery = try #require(analysis.aspects.first { $0.aspect == .delivery })
        #expect(delivery.span == "发货速度太慢了")
    }

    @Test(
        "intensifiers make it stronger, hedges weaker",
        arguments: [
            ("good", "very good"), ("好", "非常好"), ("slow", "extremely slow"),
        ]
    )
    func intensifiers(plain: String, stronger: String) {
        let analyzer = ReviewAnalyzer(model: nil)
        #expect(abs(analyzer.analyze(stronger).score) > abs(analyzer.analyze(plain).score))
    }

    @Test("text without any sentiment word and no model is neutral and weak")
    func neutral() {
        let analysis = ReviewAnalyzer(model: nil).analyze("I bought it on Tuesday.")
        #expect(analysis.polarity == .neutral)
        #expect(analysis.intensity == .weak)
        #expect(analysis.aspects.isEmpty)
        #expect(ReviewAnalyzer(model: nil).analyze("").polarity == .neutral)
    }

    @Test(
        "opposed clauses are mixed within the undecided band; any other review is neutral only within the neutral band"
    )
    func bands() throws {
        let lexicon = ReviewAnalyzer(model: nil)
        let opposed = lexicon.read("Great quality, bad service.")
        let leaning = lexicon.read("It is nice.")
        #expect(opposed.hasPositiveClause && opposed.hasNegativeClause)
        #expect(!leaning.hasNegativeClause)
        let opposedScore = try #require(opposed.lexiconScore)
        let leaningScore = try #require(leaning.lexiconScore)
        #expect(opposedScore != 0 && leaningScore > 0)
        func calibration(undecided: Float, neutral: Float?) -> ReviewAnalyzer {
            ReviewAnalyzer(
                model: nil,
                calibration: .init(
                    lexiconWeight: 0.1,
                    coveredLexiconWeight: 0.8,
                    undecided: undecided,
                    neutral: neutral
                )
            )
        }
        // A band wider than either score: the opposed review is mixed, the leaning one neutral.
        let wide = calibration(undecided: 2, neutral: nil)
        #expect(wide.calibration.neutral == 2)
        #expect(wide.decide(opposed).polarity == .mixed)
        #expect(wide.decide(leaning).polarity == .neutral)
        // Only the neutral band narrow: the leaning review is read by its lean, the opposed one stays mixed.
        let narrowNeutral = calibration(undecided: 2, neutral: 0.01)
        #expect(narrowNeutral.decide(opposed).polarity == .mixed)
        #expect(narrowNeutral.decide(leaning).polarity == .positive)
        // Only the mixed band narrow: the opposed review takes its sign, the leaning one stays neutral.
        let narrowMixed = calibration(undecided: 0.01, neutral: 2)
        #expect(narrowMixed.decide(opposed).polarity == (opposedScore > 0 ? .positive : .negative))
        #expect(narrowMixed.decide(leaning).polarity == .neutral)
    }
}
