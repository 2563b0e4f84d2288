import AisleCore
import AisleText
import Foundation

/// Answers a question about one product from its own data: the attributes the question names
/// (quoted as stored), price, stock, the description's sentence that shares most words with
/// the question, and, for questions about quality, what its reviews praise and criticise.
/// Nothing is said that the item does not say.
struct ProductAnswer {
    /// Word groups that name the same attribute in English and Chinese: a question using any of
    /// them matches an attribute whose key uses any other.
    static let attributeSynonyms: [[String]] = [
        [
            "color", "colour", "colors", "colours", "颜色", "色", "black", "white", "red", "blue", "green", "grey", "gray",
            "pink", "黑色", "白色", "红色", "蓝色", "绿色", "灰色", "粉色", "黑", "白", "红", "蓝",
        ],
        ["size", "sizes", "尺码", "尺寸", "码", "大小", "fit", "small", "large", "medium"],
        ["material", "materials", "fabric", "made", "材质", "面料", "材料", "cotton", "leather", "棉", "皮"],
        ["weight", "weigh", "heavy", "light", "重量", "重", "kg", "grams"],
        ["battery", "电池", "续航", "mah", "charge", "charging", "充电"],
        ["waterproof", "water", "防水", "rain"],
        ["warranty", "guarantee", "保修", "质保"],
        ["dimensions", "dimension", "length", "width", "height", "长", "宽", "高", "cm"],
        ["language", "languages", "subtitles", "字幕", "语言", "audio"],
        ["year", "released", "release", "年份", "上映", "发行"],
        ["genre", "genres", "类型", "category"],
    ]

    static let priceWords: Set<String> = [
        "price", "cost", "costs", "much", "expensive", "cheap", "价格", "多少钱", "价钱", "钱",
    ]
    static let stockWords: Set<String> = ["stock", "available", "availability", "sold", "有货", "库存", "现货", "缺货", "货"]
    static let reviewWords: Set<String> = [
        "good", "quality", "worth", "reviews", "review", "reliable", "recommend", "评价", "质量", "怎么样", "好不好", "好用",
        "口碑", "值得", "值",
    ]

    let item: Item
    let phrases: AssistantPhrases

    /// The facts that answer `question`, in the order found; empty when the item says nothing
    /// about it. `strict` reads only attributes, price, stock and brand (no description
    /// sentence): whether the item itself answers a question that may be about something else.
    func facts(for question: String, summary: ReviewSummary?, strict: Bool = false) -> (
        facts: [String], usedReviews: [ReviewID]
    ) {
        let terms = Self.terms(question)
        var facts: [String] = []
        for key in item.attributes.keys.sorted() {
            guard let value = item.attributes[key] else { continue }
            let keyTerms = Self.terms(key.replacingOccurrences(of: "_", with: " "))
            let valueText = Self.text(of: value)
            let valueTerms = Self.terms(valueText)
            let named =
                !terms.isDisjoint(with: keyTerms) || !terms.isDisjoint(with: valueTerms)
                || Self.attributeSynonyms.contains { group in
                    let words = Set(group)
                    return !terms.isDisjoint(with: words) && !(keyTerms.union(valueTerms)).isDisjoint(with: words)
                }
            if named { facts.append("\(key): \(valueText)") }
        }
        if !terms.isDisjoint(with: Self.priceWords) || Self.mentions(question, Self.priceWords), let price = item.price
        {
            facts.append(phrases.price(price, currency: item.currency))
        }
        if !terms.isDisjoint(with: Self.stockWords) || Self.mentions(question, Self.stockWords) {
            facts.append(phrases.stock(item.inStock))
        }
        if let brand = item.brand,
            terms.contains("brand") || question.contains("品牌") || terms.contains(brand.lowercased())
        {
            facts.append("brand: \(brand)")
        }
        if strict { return (facts, []) }
        if facts.isEmpty, let sentence = bestSentence(terms) { facts.append("\"\(sentence)\"") }
        var usedReviews: [ReviewID] = []
        if !terms.isDisjoint(with: Self.reviewWords) || Self.mentions(question, Self.reviewWords), let summary,
            summary.count > 0
        {
            let pros = summary.pros.prefix(2)
            let cons = summary.cons.prefix(2)
            let said = phrases.reviewsSay(pros: pros.map(\.aspect.rawValue), cons: cons.map(\.aspect.rawValue))
            if !said.isEmpty {
                facts.append(said)
                usedReviews = (pros + cons).map(\.reviewID)
            }
        }
        return (facts, usedReviews)
    }

    /// The description's sentence sharing the most content words with the question (at least one).
    func bestSentence(_ terms: Set<String>) -> String? {
        guard let description = item.description, !terms.isEmpty else { return nil }
        var best: (sentence: String, shared: Int)?
        for sentence in description.split(whereSeparator: { ".!?。！？\n".contains($0) }) {
            let text = sentence.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, text.count <= 300 else { continue }
            let shared = terms.intersection(Self.terms(text)).count
            if shared > 0, shared > (best?.shared ?? 0) { best = (text, shared) }
        }
        return best?.sentence
    }

    static func mentions(_ text: String, _ words: Set<String>) -> Bool {
        words.contains { $0.unicodeScalars.first.map { $0.value >= 0x3000 } == true && text.contains($0) }
    }

    /// Content words (English, stop words out) and Chinese characters and pairs.
    static func terms(_ text: String) -> Set<String> {
        var terms: Set<String> = []
        for piece in ChatText.pieces(text) {
            switch piece {
            case .word(let word):
                if !FAQIndex.englishStopWords.contains(word) { terms.insert(word) }
            case .han(let run):
                for character in run where !FAQIndex.chineseStopCharacters.contains(character) {
                    terms.insert(String(character))
                }
                if run.count >= 2 {
                    for start in 0..<(run.count - 1) { terms.insert(String(run[start...start + 1])) }
                }
            }
        }
        return terms
    }

    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .array(let values): values.map(text(of:)).joined(separator: ", ")
        case .bool(let flag): flag ? "yes" : "no"
        case .null: "-"
        case .number(let number): JSONValue.format(number)
        case .object: value.jsonText
        }
    }
}
