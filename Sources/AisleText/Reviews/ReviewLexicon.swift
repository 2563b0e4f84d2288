import AisleCore

/// The words the analyser reads, per language: aspect cues, sentiment words with a strength,
/// intensifiers (with their factor), negations and contrast words. Small and explicit on purpose:
/// every entry is reviewable, and the statistical classifier covers what the lexicon misses.
struct ReviewLexicon: Sendable {
    /// Aspect cue words; `generic` ones count only when no specific cue is in the clause.
    let aspects: [(word: String, aspect: Aspect, generic: Bool)]
    /// Sentiment words and their polarity strength in [-1, 1].
    let sentiment: [String: Float]
    /// Degree words and how much they scale the next sentiment word.
    let intensifiers: [String: Float]
    let negations: Set<String>
    let contrasts: [String]
    /// Every entry, for the longest-match reader of Chinese text.
    let vocabulary: Set<String>

    init(
        aspects: [(word: String, aspect: Aspect, generic: Bool)],
        sentiment: [String: Float],
        intensifiers: [String: Float],
        negations: Set<String>,
        contrasts: [String]
    ) {
        self.aspects = aspects
        self.sentiment = sentiment
        self.intensifiers = intensifiers
        self.negations = negations
        self.contrasts = contrasts
        vocabulary = Set(sentiment.keys).union(intensifiers.keys).union(negations).union(aspects.map(\.word))
    }

    static let chinese = ReviewLexicon(
        aspects: [
            ("质量", .quality, false), ("品质", .quality, false), ("做工", .quality, false), ("质感", .quality, false),
            ("价格", .price, false), ("价钱", .price, false), ("性价比", .price, false), ("便宜", .price, false),
            ("贵", .price, false), ("划算", .price, false), ("实惠", .price, false),
            ("发货", .delivery, false), ("物流", .delivery, false), ("快递", .delivery, false), ("送货", .delivery, false),
            ("配送", .delivery, false), ("到货", .delivery, false),
            ("尺码", .size, false), ("尺寸", .size, false), ("大小", .size, false), ("合身", .size, false),
            ("偏大", .size, false), ("偏小", .size, false),
            ("舒服", .comfort, false), ("舒适", .comfort, false), ("保暖", .comfort, false), ("暖和", .comfort, false),
            ("好看", .appearance, false), ("漂亮", .appearance, false), ("颜色", .appearance, false),
            ("外观", .appearance, false),
            ("款式", .appearance, false), ("样子", .appearance, false),
            ("功能", .function, false), ("性能", .function, false), ("效果", .function, true), ("速度", .function, true),
            ("电池", .function, false), ("音质", .function, false),
            ("耐用", .durability, false), ("结实", .durability, false), ("坏了", .durability, false),
            ("开线", .durability, false),
            ("包装", .packaging, false), ("盒子", .packaging, false),
            ("客服", .service, false), ("服务", .service, false), ("态度", .service, false), ("售后", .service, false),
            ("卖家", .service, false),
        ],
        sentiment: [
            "好": 0.8, "不错": 0.7, "满意": 0.8, "喜欢": 0.8, "舒服": 0.7, "舒适": 0.7, "漂亮": 0.8, "好看": 0.8,
            "保暖": 0.5, "暖和": 0.6, "值": 0.6, "划算": 0.7, "实惠": 0.6, "推荐": 0.7, "快": 0.5, "结实": 0.6,
            "耐用": 0.7, "合身": 0.7, "便宜": 0.4, "完美": 1, "棒": 0.9, "赞": 0.8, "精致": 0.7, "热情": 0.6,
            "差": -0.8, "慢": -0.6, "失望": -0.9, "坏": -0.8, "坏了": -0.8, "贵": -0.5, "垃圾": -1, "退货": -0.7,
            "问题": -0.4, "难看": -0.8, "偏大": -0.4, "偏小": -0.4, "开线": -0.7, "破": -0.7, "假": -0.8, "不值": -0.7,
            "糟糕": -0.9, "后悔": -0.8, "一般": -0.2, "冷": -0.4, "臭": -0.8, "恶劣": -0.9, "还行": 0.3,
            "👍": 0.7, "❤": 0.8, "❤️": 0.8, "😍": 0.9, "😊": 0.6, "😡": -0.9, "👎": -0.7, "😞": -0.6, "😭": -0.6,
        ],
        intensifiers: [
            "非常": 1.6, "特别": 1.5, "十分": 1.5, "太": 1.7, "超": 1.5, "超级": 1.6, "很": 1.3, "挺": 1.1,
            "真": 1.3, "极": 1.7, "比较": 0.8, "有点": 0.6, "有些": 0.6, "稍微": 0.6, "还": 0.9, "也": 1,
        ],
        negations: ["不", "没", "没有", "别", "不太", "不是", "并不", "从不", "毫不"],
        contrasts: ["但是", "可是", "不过", "但", "却", "然而"]
    )

    static let english = ReviewLexicon(
        aspects: [
            ("quality", .quality, false), ("build", .quality, false), ("made", .quality, false),
            ("material", .quality, false),
            ("price", .price, false), ("value", .price, false), ("cheap", .price, false), ("expensive", .price, false),
            ("worth", .price, false), ("overpriced", .price, false),
            ("delivery", .delivery, false), ("shipping", .delivery, false), ("shipped", .delivery, false),
            ("arrived", .delivery, false), ("courier", .delivery, false),
            ("size", .size, false), ("fit", .size, false), ("fits", .size, false), ("tight", .size, false),
            ("loose", .size, false),
            ("comfortable", .comfort, false), ("comfort", .comfort, false), ("warm", .comfort, false),
            ("cozy", .comfort, false),
            ("looks", .appearance, false), ("look", .appearance, false), ("color", .appearance, false),
            ("colour", .appearance, false),
            ("beautiful", .appearance, false), ("pretty", .appearance, false), ("style", .appearance, false),
            ("design", .appearance, false),
            ("works", .function, false), ("performance", .function, false), ("battery", .function, false),
            ("sound", .function, false),
            ("durable", .durability, false), ("broke", .durability, false), ("broken", .durability, false),
            ("lasted", .durability, false),
            ("sturdy", .durability, false), ("fell", .durability, false),
            ("packaging", .packaging, false), ("package", .packaging, false), ("box", .packaging, false),
            ("service", .service, false), ("support", .service, false), ("seller", .service, false),
            ("staff", .service, false),
        ],
        sentiment: [
            "good": 0.7, "great": 0.9, "excellent": 1, "love": 0.9, "loved": 0.9, "nice": 0.6, "perfect": 1,
            "happy": 0.7,
            "comfortable": 0.7, "warm": 0.5, "beautiful": 0.8, "fast": 0.5, "quick": 0.5, "cheap": 0.2,
            "worth": 0.6, "sturdy": 0.7, "durable": 0.7, "recommend": 0.7, "works": 0.5, "awesome": 0.9, "fine": 0.3,
            "lovely": 0.8,
            "bad": -0.7, "terrible": -1, "awful": -1, "poor": -0.8, "slow": -0.6, "late": -0.6, "broke": -0.8,
            "broken": -0.8, "disappointed": -0.9, "disappointing": -0.9, "expensive": -0.4, "overpriced": -0.7,
            "tight": -0.4, "loose": -0.3, "ugly": -0.8, "worst": -1, "waste": -0.9, "rude": -0.8, "return": -0.4,
            "cold": -0.3, "damaged": -0.8, "flimsy": -0.7, "useless": -0.9, "hate": -0.9, "perfectly": 0.9,
            "well": 0.4, "okay": 0.2, "ok": 0.2, "refund": -0.5, "fake": -0.8, "horrible": -1, "amazing": 0.9,
            "👍": 0.7, "❤": 0.8, "❤️": 0.8, "😍": 0.9, "😊": 0.6, "😡": -0.9, "👎": -0.7, "😞": -0.6, "😭": -0.6,
        ],
        intensifiers: [
            "very": 1.4, "extremely": 1.7, "really": 1.3, "so": 1.3, "super": 1.5, "incredibly": 1.6, "too": 1.4,
            "quite": 1.1, "pretty": 1.1, "totally": 1.5, "absolutely": 1.6, "slightly": 0.6, "somewhat": 0.7,
            "bit": 0.6,
        ],
        negations: [
            "not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "won't", "can't", "cannot", "hardly",
            "nothing",
        ],
        contrasts: ["but", "however", "although", "though", "yet"]
    )
}
