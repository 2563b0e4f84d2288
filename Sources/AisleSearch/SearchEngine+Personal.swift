import AisleCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Personal and click re-ranking of a search's candidates (docs/SEARCH.md).
extension SearchEngine {
    /// Multiplies the candidates' scores by their personal and click boosts. Ranked by
    /// relevance, only the candidates that could still reach the page are boosted: taken in
    /// order of relevance, the first whose score times the largest boost stays below the
    /// `wanted`-th boosted score ends it, and every later one would too (a shopper's search with
    /// 7k matches boosted them all for a page of 5; the page is the same).
    func boost(
        _ scored: inout [(slot: Int32, score: Float)],
        wanted: Int,
        _ query: SearchQuery,
        _ clicks: [ItemID: Int],
        _ index: SearchIndex
    ) {
        var memo = AffinityMemo()
        guard query.sort == .relevance, wanted > 0, scored.count > 4 * wanted else {
            for position in scored.indices {
                let (personal, clicked) = boosts(scored[position].slot, query, clicks, index, &memo)
                scored[position].score *= 1 + personal + clicked
            }
            return
        }
        let ceiling = 1 + max(0, tuning.personalWeight) + max(0, tuning.clickWeight)
        let order = scored.indices.sorted { scored[$0].score > scored[$1].score }
        // The best `wanted` boosted scores so far, best first.
        var page: [Float] = []
        page.reserveCapacity(wanted + 1)
        for position in order {
            let score = scored[position].score
            let reachable = score >= 0 ? score * ceiling : score
            if page.count == wanted, let last = page.last, reachable < last { break }
            let (personal, clicked) = boosts(scored[position].slot, query, clicks, index, &memo)
            let boosted = score * (1 + personal + clicked)
            scored[position].score = boosted
            let at = page.firstIndex { boosted > $0 } ?? page.count
            page.insert(boosted, at: at)
            if page.count > wanted { page.removeLast() }
        }
    }

    /// A query's affinity per category path and per brand as first looked up: the candidates
    /// share a few dozen of each, and splitting and lower-casing them per candidate cost 20–40
    /// ms for a shopper with a history over 7k lexical matches (measured on 100k items).
    struct AffinityMemo {
        var categories: [String: Float] = [:]
        var brands: [String: Float] = [:]
    }

    /// The personal and click boosts of a slot (fractions of its relevance).
    func boosts(
        _ slot: Int32,
        _ query: SearchQuery,
        _ clicks: [ItemID: Int],
        _ index: SearchIndex,
        _ memo: inout AffinityMemo
    ) -> (personal: Float, clicks: Float) {
        var personal: Float = 0
        if let affinity = query.affinity, !affinity.isEmpty {
            let facts = index.facts(of: slot)
            var category: Float = 0
            for path in facts.categories {
                if let known = memo.categories[path] {
                    category = max(category, known)
                    continue
                }
                var best: Float = 0
                for ancestor in Self.ancestors(of: path) { best = max(best, affinity.categories[ancestor] ?? 0) }
                memo.categories[path] = best
                category = max(category, best)
            }
            var brand: Float = 0
            if let name = facts.brand {
                if let known = memo.brands[name] {
                    brand = known
                } else {
                    brand = affinity.brands[name.lowercased()] ?? 0
                    memo.brands[name] = brand
                }
            }
            personal = tuning.personalWeight * min(max((category + brand) / 2, 0), 1)
        }
        var clicked: Float = 0
        if let count = clicks[index.itemID(of: slot)], count > 0 {
            clicked = tuning.clickWeight * min(1, logf(1 + Float(count)) / logf(1 + Float(tuning.clickSaturation)))
        }
        return (personal, clicked)
    }

    /// `Clothing > Jackets > Down` → `Clothing`, `Clothing > Jackets`, `Clothing > Jackets > Down`.
    static func ancestors(of path: String) -> [String] {
        let parts = path.split(separator: " > ", omittingEmptySubsequences: false)
        return parts.indices.map { parts[...$0].joined(separator: " > ") }
    }
}
