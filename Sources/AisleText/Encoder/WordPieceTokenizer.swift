import Foundation

/// BERT's uncased WordPiece tokenizer, as Hugging Face `tokenizers` runs it for
/// all-MiniLM-L6-v2 (`BertNormalizer`, `BertPreTokenizer`, `WordPiece`, `[CLS] … [SEP]`):
///
/// 1. Normalise: drop NUL, U+FFFD and other control/format characters, turn whitespace into
///    spaces, put spaces around CJK ideographs, decompose (NFD) and drop combining marks
///    (accents), lower-case.
/// 2. Split at whitespace, and around every punctuation character (ASCII punctuation or a
///    Unicode P* category).
/// 3. Each word: the longest vocabulary prefix, then `##`-continuations; a word with a piece
///    not in the vocabulary, or longer than 100 characters, is one `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let unknown: Int32
    public let classify: Int32
    public let separator: Int32
    public let padding: Int32
    static let maxCharactersPerWord = 100

    /// Reads the vocabulary from a `tokenizer.json` with a WordPiece model.
    public init(tokenizerJSON path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextDataError("\(path): cannot read the tokenizer; run make models")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece",
            let vocab = model["vocab"] as? [String: Int]
        else {
            throw TextDataError("\(path): not a tokenizer.json with a WordPiece model")
        }
        try self.init(vocabulary: vocab.mapValues(Int32.init))
    }

    /// A tokenizer over `vocabulary`, which must hold the special tokens.
    public init(vocabulary: [String: Int32]) throws {
        guard let unknown = vocabulary["[UNK]"], let classify = vocabulary["[CLS]"],
            let separator = vocabulary["[SEP]"], let padding = vocabulary["[PAD]"]
        else {
            throw TextDataError("the vocabulary lacks [UNK], [CLS], [SEP] or [PAD]")
        }
        self.vocabulary = vocabulary
        self.unknown = unknown
        self.classify = classify
        self.separator = separator
        self.padding = padding
    }

    /// Token ids of `text`: `[CLS]`, the word pieces (at most `maxLength - 2`), `[SEP]`.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        var ids: [Int32] = [classify]
        let budget = max(0, maxLength - 2)
        for word in Self.words(Self.normalize(text)) {
            for id in pieces(word) {
                guard ids.count - 1 < budget else { break }
                ids.append(id)
            }
            if ids.count - 1 >= budget { break }
        }
        ids.append(separator)
        return ids
    }

    /// The word pieces of one pre-tokenised word.
    func pieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > Self.maxCharactersPerWord { return [unknown] }
        var result: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var piece = start > 0 ? "##" : ""
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            result.append(id)
            start = end
        }
        return result
    }

    /// BertNormalizer with clean_text, handle_chinese_chars, strip_accents (from lowercase) and lowercase.
    static func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isChinese(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var stripped = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            stripped.append(scalar)
        }
        return String(stripped).lowercased()
    }

    /// BertPreTokenizer: words split at whitespace, each punctuation character a word of its own.
    static func words(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                if !current.isEmpty { words.append(current) }
                current = []
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current) }
                words.append([scalar])
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Tab, newline and carriage return, and every White_Space character.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Categories Cc, Cf, Cs, Co and Cn, except tab, newline and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) or a Unicode punctuation category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK ideograph blocks BERT splits into single characters.
    static func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
