public import AisleCore
public import Foundation

/// Turns a review into hashed sparse features for the sentiment classifier.
///
/// - Chinese: character 1-, 2- and 3-grams (Chinese words are one to three characters, and
///   negation and degree words sit right before what they modify: 不好, 很好, 太慢).
/// - English: lower-case words and word pairs; words after a negation (not, no, never, n't, …)
///   up to the next punctuation get a `NOT_` prefix, so "not good" is not "good".
/// - Both: the n-grams of the clause after the last contrast word (但/但是/不过/可是/却, but/
///   however/although/though) are repeated with a `C|` prefix: what follows "but" usually decides.
/// - Both: one mark per lexicon sentiment word, by its sign after negation and whether a negation
///   turned it (`ReviewAnalyzer.lexiconMarks`), so that "not bad" reads as a turned negative.
///
/// Each feature is hashed (FNV-1a, 32-bit) into `dimension` buckets; values are 1/√n so that
/// long and short reviews weigh alike.
public struct SentimentFeatures: Sendable {
    /// Hash buckets per language model.
    public let dimension: Int

    /// Features over `dimension` buckets (a power of two).
    public init(dimension: Int = 1 << 20) {
        precondition(dimension > 0 && dimension & (dimension - 1) == 0, "dimension must be a power of two")
        self.dimension = dimension
    }

    static let chineseContrast = ["但是", "可是", "不过", "但", "却"]
    static let englishContrast: Set<String> = ["but", "however", "although", "though", "yet"]
    static let englishNegation: Set<String> = [
        "not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "cannot", "without", "hardly",
    ]

    /// The sparse features of `text` in `language`: bucket indices with their values, sorted.
    public func features(_ text: String, language: TextLanguage) -> (indices: [Int32], values: [Float]) {
        let normalized = Self.normalize(text)
        var grams: [String] = []
        switch language {
        case .zh:
            let characters = Array(normalized.filter { !$0.isWhitespace })
            grams = Self.characterGrams(characters[...])
            if let clause = Self.lastChineseClause(characters) {
                grams += Self.characterGrams(clause).map { "C|" + $0 }
            }
        case .en, .und:
            let words = Self.englishWords(normalized)
            grams = Self.wordGrams(words[...])
            if let start = words.lastIndex(where: { Self.englishContrast.contains($0) }), start + 1 < words.count {
                grams += Self.wordGrams(words[(start + 1)...]).map { "C|" + $0 }
            }
        }
        grams += ReviewAnalyzer.lexiconMarks(normalized, language: language)
        var counts: [Int32: Float] = [:]
        for gram in grams { counts[bucket(gram), default: 0] += 1 }
        let scale = 1 / Float(max(1, grams.count)).squareRoot()
        let sorted = counts.keys.sorted()
        return (sorted, sorted.map { (counts[$0] ?? 0) * scale })
    }

    func bucket(_ gram: String) -> Int32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in gram.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return Int32(truncatingIfNeeded: hash & UInt32(dimension - 1))
    }

    /// Lower case, full-width ASCII folded to half-width (Ｇｏｏｄ！ → good!).
    static func normalize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if (0xFF01...0xFF5E).contains(scalar.value), let folded = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalars.append(folded)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func characterGrams(_ characters: ArraySlice<Character>) -> [String] {
        let list = Array(characters)
        var grams: [String] = []
        grams.reserveCapacity(list.count * 3)
        for start in list.indices {
            for length in 1...3 where start + length <= list.count {
                grams.append(String(list[start..<(start + length)]))
            }
        }
        return grams
    }

    static func lastChineseClause(_ characters: [Character]) -> ArraySlice<Character>? {
        let text = String(characters)
        var best: String.Index?
        for word in chineseContrast {
            if let range = text.ranges(of: word).last, best.map({ range.upperBound > $0 }) ?? true {
                best = range.upperBound
            }
        }
        guard let start = best, start < text.endIndex else { return nil }
        return Array(text[start...])[...]
    }

    /// Words (letters, digits, apostrophes) with negation scopes marked; punctuation ends a scope.
    static func englishWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var negated = false
        func flush() {
            guard !current.isEmpty else { return }
            let word = current
            current = ""
            if englishNegation.contains(word) || word.hasSuffix("n't") {
                words.append(word)
                negated = true
            } else {
                words.append(negated ? "NOT_" + word : word)
            }
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "'" || character == "’" {
                current.append(character == "’" ? "'" : character)
            } else {
                flush()
                if ".,!?;:".contains(character) {
                    negated = false
                    words.append(String(character))
                }
            }
        }
        flush()
        return words
    }

    static func wordGrams(_ words: ArraySlice<String>) -> [String] {
        var grams = Array(words)
        for index in words.indices.dropLast() { grams.append(words[index] + " " + words[index + 1]) }
        return grams
    }
}
