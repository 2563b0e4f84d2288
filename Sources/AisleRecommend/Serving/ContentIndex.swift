public import AisleMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Content similarity from item attributes (categories, brand, tags, title words): each item is a
/// TF-IDF vector over its `ItemFacts.tokens`, normalised, and two items are as similar as the
/// cosine of their vectors. An inverted index finds the items sharing a token with a query, so a
/// new item can be placed by content the moment it is upserted, without training.
public struct ContentIndex: Sendable {
    /// Tokens too common to help (in more than this share of items) are skipped when searching.
    static let commonTokenShare = 0.2

    private let postings: [String: [Int32]]
    private let idf: [String: Float]
    private let norms: [Float]
    private let itemCount: Int

    /// Indexes `facts`, one per catalog item. O(total tokens).
    public init(facts: [ItemFacts]) {
        var postings: [String: [Int32]] = [:]
        for (index, item) in facts.enumerated() {
            for token in item.tokens { postings[token, default: []].append(Int32(index)) }
        }
        let total = Float(max(1, facts.count))
        var idf: [String: Float] = [:]
        for (token, items) in postings { idf[token] = log(1 + total / Float(items.count)) }
        self.postings = postings
        self.idf = idf
        self.itemCount = facts.count
        self.norms = facts.map { item in
            item.tokens.reduce(Float(0)) { $0 + (idf[$1] ?? 0) * (idf[$1] ?? 0) }.squareRoot()
        }
    }

    /// The TF-IDF weights of `tokens` under this index's statistics (unknown tokens weigh as rare).
    public func vector(_ tokens: [String]) -> [String: Float] {
        let rare = log(1 + Float(max(1, itemCount)))
        return Dictionary(tokens.map { ($0, idf[$0] ?? rare) }, uniquingKeysWith: +)
    }

    /// Cosine similarity of `query` (a `vector`) to every indexed item sharing a token with it,
    /// as (item index, similarity), unordered.
    public func similar(to query: [String: Float]) -> [ScoredIndex] {
        let queryNorm = query.values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard queryNorm > 0 else { return [] }
        let commonLimit = max(1_000, Int(Self.commonTokenShare * Double(itemCount)))
        // A dense accumulator: one add per posting, no hashing.
        var dots = [Float](repeating: 0, count: itemCount)
        var touched: [Int32] = []
        for (token, weight) in query {
            guard let items = postings[token], items.count <= commonLimit, let tokenWeight = idf[token] else {
                continue
            }
            for item in items {
                if dots[Int(item)] == 0 { touched.append(item) }
                dots[Int(item)] += weight * tokenWeight
            }
        }
        return touched.compactMap { item in
            let norm = norms[Int(item)]
            return norm > 0 ? ScoredIndex(index: Int(item), score: dots[Int(item)] / (norm * queryNorm)) : nil
        }
    }
}
