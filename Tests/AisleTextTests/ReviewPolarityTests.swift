import AisleCore
import AisleText
import Foundation
import Testing

/// Issue 11: phrases shoppers write that the analyser got wrong, each in more phrasings than the
/// issue's, checked on the lexicon alone and with the shipped classifier (what serves).
@Suite struct ReviewPolarityTests {
    typealias Polarity = ReviewAnalysis.Polarity

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shippedModel = try? SentimentModel.load(
        from: repository.appendingPathComponent("Sources/AisleText/Resources/sentiment.aisle").path
    )

    /// Both analysers: the lexicon alone, and the lexicon with the shipped model.
    static func analyzers() throws -> [ReviewAnalyzer] {
        [ReviewAnalyzer(model: nil), ReviewAnalyzer(model: try #require(shippedModel))]
    }

    @Test(
        "a negated negative word is mildly positive, not negative",
        arguments: [
            "Not bad.", "Not bad at all.", "Not too bad.", "not bad for the price", "Honestly, not bad!",
            "It's not terrible.", "Not disappointed.", "没毛病", "质量没毛病", "没什么问题", "一点也不差", "价格不贵",
        ]
    )
    func litotes(text: String) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.polarity == .positive, "model \(analyzer.model != nil): \(analysis)")
        }
    }

    @Test(
        "praise of workmanship is positive, with quality positive",
        arguments: ["做工精细", "做工很精细", "做工精美", "做工精致", "The workmanship is excellent."]
    )
    func workmanship(text: String) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.polarity == .positive, "model \(analyzer.model != nil): \(analysis)")
            #expect(analysis.aspects.first { $0.aspect == .quality }?.polarity == .positive, "\(analysis)")
        }
    }

    @Test(
        "service that ignores the customer is negative, with service negative",
        arguments: [
            "客服也不理人", "客服根本不理人", "客服爱理不理的", "问客服半天没人理", "卖家不回复", "Customer service ignored my emails.",
            "The staff were rude and unhelpful.",
        ]
    )
    func ignoredByService(text: String) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.polarity == .negative, "model \(analyzer.model != nil): \(analysis)")
            #expect(analysis.aspects.first { $0.aspect == .service }?.polarity == .negative, "\(analysis)")
        }
    }

    @Test(
        "wear (shedding, pilling, fading, shrinking) is negative, with durability negative",
        arguments: [
            "掉毛严重", "掉毛很严重", "起球严重", "洗了一次就褪色", "衣服缩水了", "鞋子开胶了", "The sweater sheds everywhere.",
            "Pilling after one wash.",
        ]
    )
    func wear(text: String) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.polarity == .negative, "model \(analyzer.model != nil): \(analysis)")
            #expect(analysis.aspects.first { $0.aspect == .durability }?.polarity == .negative, "\(analysis)")
        }
    }

    @Test(
        "reviews of food, rooms and trips read right",
        arguments: [
            ("房间干净整洁，服务周到", Polarity.positive), ("早餐很好吃，位置也方便", .positive),
            ("房间又脏又吵，设施陈旧", .negative), ("水果不新鲜，有的已经烂了", .negative),
            ("The room was spotless and the staff friendly.", .positive), ("The food was bland and greasy.", .negative),
            ("出差住这里，房间很安静", .positive), ("卫生间很干净", .positive),
        ]
    )
    func otherDomains(text: String, polarity: Polarity) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.polarity == polarity, "model \(analyzer.model != nil): \(analysis)")
        }
    }

    @Test(
        "one complaint among praise leaves a review positive; a balanced one stays mixed",
        arguments: [
            ("房间很干净，服务也很热情，早餐太差，总体很满意，下次还会再来", Polarity.positive),
            ("Good quality, bad service.", .mixed),
        ]
    )
    func mixedOnlyWhenBalanced(text: String, polarity: Polarity) throws {
        let analysis = ReviewAnalyzer(model: nil).analyze(text)
        #expect(analysis.polarity == polarity, "\(analysis)")
    }

    static let hotelReviews = repository.deletingLastPathComponent()
        .appendingPathComponent("shared/data/reviews-zh-hotel/ChnSentiCorp_htl_all.csv.gz").path

    /// Out of domain: no hotel review is trained on (train-sentiment leaves the shopping data's
    /// 酒店 category out too). A fifth of the rows (the split hash's test part) keeps it to seconds;
    /// `aisle-bench review-polarity` scores all of them.
    @Test(
        "hotel reviews: polarity accuracy ≥ 0.78, mixed and neutral counting as wrong",
        .enabled(if: FileManager.default.fileExists(atPath: hotelReviews))
    )
    func hotelAccuracy() throws {
        let rows = try SentimentCorpus.hotel(Self.hotelReviews).filter(\.isTest)
        #expect(rows.count > 1_400)
        let analyzer = ReviewAnalyzer(model: try #require(Self.shippedModel))
        let scores = PolarityScores(rows.map { analyzer.analyze($0.text) }, labels: rows.map(\.label))
        #expect(scores.accuracy >= 0.78, "\(scores)")
        // Mixed and neutral stay for reviews too close to call, not for most of them.
        #expect(scores.mixed + scores.neutral < 0.1, "\(scores)")
    }

    @Test(
        "a review in a language Aisle does not read makes no claim: und, unknown, score 0, no aspects",
        arguments: [
            "Très bien, je recommande ce produit.", "Le produit est arrivé cassé, très déçu.",
            "Sehr gut, schnelle Lieferung!",
            "Muy buena calidad, pero llegó tarde.", "Prodotto ottimo, molto soddisfatto.", "とても良い商品です。",
            "Отличный товар, рекомендую.", "배송이 빨라요",
        ]
    )
    func unsupportedLanguage(text: String) throws {
        for analyzer in try Self.analyzers() {
            let analysis = analyzer.analyze(text)
            #expect(analysis.language == .und)
            #expect(analysis.polarity == .unknown)
            #expect(analysis.score == 0)
            #expect(analysis.aspects.isEmpty)
        }
    }

    @Test("a review declared und is not analysed, whatever its words")
    func declaredUnd() {
        let analysis = ReviewAnalyzer(model: nil).analyze("Great quality, love it", language: .und)
        #expect(analysis.polarity == .unknown)
        #expect(analysis.aspects.isEmpty)
    }

    @Test("the summary counts und reviews as reviews and ratings, never as sentiment")
    func summaryLeavesUnknownOut() {
        let analyzer = ReviewAnalyzer(model: nil)
        let reviews = ["Great quality.", "Très bien, je recommande.", "Terrible quality."].enumerated().map {
            ReviewSubmission(id: ReviewID("r\($0.offset)"), itemID: ItemID("i"), rating: 5, text: $0.element)
                .analysed(analyzer.analyze($0.element))
        }
        let summary = ReviewSummary.summarize(reviews, item: ItemID("i"))
        #expect(summary.count == 3)
        #expect(summary.ratingCounts[5] == 3)
        #expect(summary.polarityCounts[.unknown] == nil)
        #expect(summary.polarityCounts.values.reduce(0, +) == 2)
        let scored = reviews.filter { $0.analysis.polarity.isClaim }.map(\.analysis.score)
        #expect(abs(summary.meanScore - scored.reduce(0, +) / 2) < 1e-6)
    }
}
