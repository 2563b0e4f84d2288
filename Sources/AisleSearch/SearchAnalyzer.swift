import Foundation

/// Turns text into index terms, the same way for documents and queries:
///
/// 1. Unicode NFKC (full-width letters and compatibility forms become plain ones), lower case,
///    accents removed (`café` → `cafe`).
/// 2. Words are runs of letters and digits; everything else separates (`men's` → `men`, `s`).
/// 3. Latin words are indexed as written; `SearchAnalyzer.stem` (a light English plural
///    stemmer: `jackets` → `jacket`, `batteries` → `battery`, `boxes` → `box`) links the forms
///    of a word at query time, so `jacket` finds `jackets` while the exact form ranks first.
///    There is no stop-word list: BM25's IDF already makes `the` or `of` count for little, and
///    a title like "Gone with the Wind" stays findable by those words (docs/SEARCH.md).
/// 4. CJK runs (Chinese, Japanese kana, Korean Hangul): every character, and every overlapping
///    pair of characters, so 羽绒服 gives 羽 绒 服 羽绒 绒服 and matches queries for 羽绒 or 服装.
public struct SearchAnalyzer: Sendable {
    /// One analysed term and whether it came from a CJK run (not stemmed, no typo tolerance).
    public struct Term: Sendable, Equatable {
        public var text: String
        public var isCJK: Bool
    }

    public init() {}

    /// The terms of `text`, in order (CJK bigrams follow their characters).
    public func terms(_ text: String) -> [Term] {
        var result: [Term] = []
        for token in Self.tokens(Self.fold(text)) {
            if token.isCJK {
                let characters = Array(token.text)
                for (index, character) in characters.enumerated() {
                    result.append(Term(text: String(character), isCJK: true))
                    if index + 1 < characters.count {
                        result.append(Term(text: String(characters[index...(index + 1)]), isCJK: true))
                    }
                }
            } else {
                result.append(Term(text: token.text, isCJK: false))
            }
        }
        return result
    }

    /// NFKC, lower case, and combining marks removed (after a decomposition, so accents go).
    static func fold(_ text: String) -> String {
        // ASCII is its own NFKC and NFD: only the case changes. Most catalog text is ASCII, and
        // the normalisations were a fifth of indexing time (perf, docs/BENCHMARKS.md).
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        let compatible = text.precomposedStringWithCompatibilityMapping.lowercased()
        var folded = String.UnicodeScalarView()
        for scalar in compatible.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            folded.append(scalar)
        }
        // Hangul must stay composed: a decomposed syllable would be several jamo "characters".
        return String(folded).precomposedStringWithCanonicalMapping
    }

    /// Runs of letters/digits, split where the script changes between CJK and the rest.
    static func tokens(_ text: String) -> [(text: String, isCJK: Bool)] {
        var tokens: [(String, Bool)] = []
        var current = ""
        var currentIsCJK = false
        func flush() {
            if !current.isEmpty { tokens.append((current, currentIsCJK)) }
            current = ""
        }
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            let isWordCharacter = character.isLetter || character.isNumber
            guard isWordCharacter else {
                flush()
                continue
            }
            let isCJK = Self.isCJK(scalar)
            if !current.isEmpty && isCJK != currentIsCJK { flush() }
            currentIsCJK = isCJK
            current.append(character)
        }
        flush()
        return tokens
    }

    /// CJK ideographs, kana and Hangul syllables: scripts written without spaces.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF,
            0x20000...0x2FA1F:
            return true
        default: return false
        }
    }

    /// A light English plural stemmer (after Harman's S-stemmer): `ies` → `y`, `es` after s, x,
    /// z, ch, sh → drop `es`, a final `s` dropped unless after `s`, `u` or `i`. Words of 3 letters
    /// or fewer and words with digits are left alone.
    public static func stem(_ word: String) -> String {
        guard word.count > 3, !word.contains(where: \.isNumber) else { return word }
        if word.hasSuffix("ies") && word.count > 4 { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("es") {
            let base = word.dropLast(2)
            if base.hasSuffix("s") || base.hasSuffix("x") || base.hasSuffix("z") || base.hasSuffix("ch")
                || base.hasSuffix("sh")
            {
                return String(base)
            }
        }
        if word.hasSuffix("s") && !word.hasSuffix("ss") && !word.hasSuffix("us") && !word.hasSuffix("is") {
            return String(word.dropLast())
        }
        return word
    }
}
