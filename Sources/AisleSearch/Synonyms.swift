import AisleCore

/// A synonym rule the engine cannot use, with the reason.
public struct SynonymError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Position of the rule in the list.
    public var rule: Int
    public var reason: String

    public var description: String { "synonym rule \(rule): \(reason)" }
}

/// Synonyms as the engine uses them: each index term → the other terms it also finds.
struct SynonymTable: Sendable {
    private(set) var alternatives: [String: [String]] = [:]

    /// Rules a store may set.
    static let maximumRules = 10_000
    /// Words one rule may hold.
    static let maximumWordsPerRule = 32
    /// Synonyms one word may have, over all rules: each is one more term every query with
    /// the word looks up.
    static let maximumAlternatives = 64

    init() {}

    /// Checks and compiles `rules`: every word must be one search term (a Latin word, or a CJK
    /// word of one or two characters), a two-way rule needs two words, a one-way rule a `from`
    /// and at least one `to`.
    init(_ rules: [SynonymRule], analyzer: SearchAnalyzer) throws(SynonymError) {
        guard rules.count <= Self.maximumRules else {
            throw SynonymError(
                rule: Self.maximumRules,
                reason: "at most \(Self.maximumRules) rules, got \(rules.count)"
            )
        }
        func term(_ word: String, rule: Int) throws(SynonymError) -> String {
            if Validate.containsControlCharacters(word) {
                throw SynonymError(rule: rule, reason: "a synonym must not contain control characters")
            }
            let terms = analyzer.terms(word)
            if terms.count == 1 { return terms[0].text }
            // A two-character CJK word analyses to its characters and their pair: use the pair.
            if terms.count == 3, terms.allSatisfy(\.isCJK), terms[1].text.count == 2 { return terms[1].text }
            throw SynonymError(
                rule: rule,
                reason: terms.isEmpty
                    ? "\"\(word.prefix(40))\" has no letters or digits"
                    : "\"\(word.prefix(40))\" is \(terms.count) search terms; synonyms are single words (Chinese: one or two characters)"
            )
        }
        var table: [String: [String]] = [:]
        var pairs = Set<String>()
        func add(_ from: String, _ to: String, rule: Int) throws(SynonymError) {
            guard from != to, pairs.insert(from + "\u{1}" + to).inserted else { return }
            guard (table[from]?.count ?? 0) < Self.maximumAlternatives else {
                throw SynonymError(
                    rule: rule,
                    reason: "\"\(from.prefix(40))\" would have more than \(Self.maximumAlternatives) synonyms"
                )
            }
            table[from, default: []].append(to)
        }
        for (index, rule) in rules.enumerated() {
            let words = (rule.synonyms ?? []) + (rule.to ?? []) + (rule.from.map { [$0] } ?? [])
            guard words.count <= Self.maximumWordsPerRule else {
                throw SynonymError(rule: index, reason: "at most \(Self.maximumWordsPerRule) words per rule")
            }
            switch (rule.synonyms, rule.from, rule.to) {
            case (let synonyms?, nil, nil):
                guard synonyms.count >= 2 else {
                    throw SynonymError(rule: index, reason: "synonyms needs at least two words")
                }
                var terms: [String] = []
                for word in synonyms { terms.append(try term(word, rule: index)) }
                for a in terms { for b in terms { try add(a, b, rule: index) } }
            case (nil, let from?, let to?):
                guard !to.isEmpty else { throw SynonymError(rule: index, reason: "to needs at least one word") }
                let source = try term(from, rule: index)
                for word in to { try add(source, try term(word, rule: index), rule: index) }
            default:
                throw SynonymError(
                    rule: index,
                    reason: "give either synonyms (two-way) or from and to (one-way)"
                )
            }
        }
        alternatives = table
    }
}
