/// Which query terms may be corrected, how far, and the edit distance itself.
///
/// One edit (insertion, deletion, substitution or swap of neighbours: Damerau–Levenshtein) for
/// terms of 4 to 8 characters, two from 9; never for shorter terms, numbers or model codes
/// (terms with digits), where a "correction" would change what is asked for. Four letters is
/// Algolia's default too (`minWordSizefor1Typo`): `wras` finds `wars`, while three-letter words
/// (`bag`, `hat`, `tee`) sit one edit from too many others to guess. Candidates are
/// found through deletion variants (SymSpell's idea): a term and its correction within one edit
/// share a variant with at most one character deleted from each.
enum TypoTolerance {
    static let minimumLengthForOneEdit = 4
    static let minimumLengthForTwoEdits = 9

    /// Whether `term` may be corrected at all: letters only.
    static func mayCorrect(_ term: String) -> Bool {
        !term.contains(where: \.isNumber)
    }

    /// Edits allowed for a query term.
    static func allowedEdits(_ term: String) -> Int {
        guard mayCorrect(term) else { return 0 }
        let length = term.count
        return length >= minimumLengthForTwoEdits ? 2 : length >= minimumLengthForOneEdit ? 1 : 0
    }

    /// `term` with one character removed, each way.
    static func deletions(of term: String) -> [String] {
        let characters = Array(term)
        return characters.indices.map { index in
            var copy = characters
            copy.remove(at: index)
            return String(copy)
        }
    }

    /// `term` with two characters removed, each way.
    static func doubleDeletions(of term: String) -> [String] {
        Array(Set(deletions(of: term).flatMap(deletions(of:))))
    }

    /// Damerau–Levenshtein distance (optimal string alignment) between `a` and `b`, or
    /// `limit + 1` as soon as it must exceed `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a)
        let y = Array(b)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previousPrevious = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1..<(y.count + 1) {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            previousPrevious = previous
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
