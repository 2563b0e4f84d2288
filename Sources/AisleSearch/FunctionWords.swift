/// Words that hold a query together without saying what is wanted (`jacket for the snow`,
/// 冬天穿的外套): they count at `SearchTuning.functionWordWeight` in BM25F, are never
/// typo-corrected, and an item that matches only them is no match when the query has other
/// words. They stay indexed and searchable: a query made only of them ("with the", 的) still
/// finds what it can, and a title such as "Gone with the Wind" keeps every word (a stop-word
/// list that dropped them cost known-item MRR 0.05, docs/SEARCH.md).
///
/// Closed-class words only (articles, prepositions, conjunctions, pronouns, particles), for
/// English and for the single characters of Chinese and Japanese runs; a Chinese pair holding
/// one (穿的) is left alone, since pairs carry the word order.
enum FunctionWords {
    static let english: Set<String> = [
        "a", "an", "the", "and", "or", "nor", "for", "of", "to", "in", "on", "at", "by", "with", "from", "into",
        "onto", "as", "is", "are", "was", "be", "it", "its", "this", "that", "these", "those", "my", "your",
        "our", "their", "his", "her", "i", "me", "we", "you", "he", "she", "they", "them", "so", "but", "than",
        "very",
    ]

    /// Single characters of Chinese (的 了 …) and Japanese (の を …) runs.
    static let cjk: Set<String> = [
        "的", "了", "和", "与", "及", "或", "是", "在", "也", "都", "就", "着", "过", "吗", "呢", "吧", "啊", "把",
        "被", "给", "很", "之", "而", "得", "地", "の", "は", "が", "を", "に", "で", "と", "も", "や", "へ",
    ]

    /// Whether an analysed query term is a function word.
    static func contains(_ term: SearchAnalyzer.Term) -> Bool {
        term.isCJK ? cjk.contains(term.text) : english.contains(term.text)
    }
}
