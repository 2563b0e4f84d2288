public import AisleCore

extension TextLanguage {
    /// The language of a review, from its script and its function words, in one pass:
    ///
    /// - **zh** when CJK ideographs are at least a fifth of the letters, or when there are at least
    ///   two and the Latin words around them are no English (brand names: 买了Nike Air Zoom跑鞋),
    ///   unless kana or hangul are a tenth of the CJK letters (Japanese, Korean).
    /// - **und** when most letters are of another script (Cyrillic, kana, hangul, Arabic …), or
    ///   when Latin text has more function words of other languages (très, pas, sehr, muy …)
    ///   than English words, or, with no English word at all, two or more accented letters
    ///   (déçu). A few accented letters in English (a café, naïve) do not count against it.
    /// - **en** otherwise, including text without letters (emoji, digits): the lexicon's emoji
    ///   read the same in every language.
    ///
    /// Unsupported languages are `und` rather than read with the English rules: an English
    /// lexicon finds no sentiment in French and the classifier would guess from noise.
    public static func detect(_ text: String) -> TextLanguage {
        var counts = ScriptCounts()
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic {
            counts.add(scalar)
        }
        guard counts.letters > 0 else { return .en }
        let cjk = counts.han + counts.kana + counts.hangul
        if counts.han > 0, (counts.kana + counts.hangul) * 10 >= cjk { return .und }
        if counts.han * 5 >= counts.letters { return .zh }
        if (counts.kana + counts.hangul + counts.other) * 2 >= counts.letters { return .und }
        let words = LatinWords(text)
        if counts.han >= 2, words.english == 0, words.foreign == 0 { return .zh }
        if words.foreign > words.english { return .und }
        if words.english == 0, counts.accented >= 2 { return .und }
        return .en
    }
}

extension TextLanguage {
    /// English function words (the, is, it …): no sentiment of their own.
    static var englishFunctionWords: Set<String> { LatinWords.englishWords }
}

/// Letters per script.
private struct ScriptCounts {
    var letters = 0
    var han = 0
    var kana = 0
    var hangul = 0
    /// Latin letters outside ASCII (é, ß, ñ).
    var accented = 0
    /// Letters of scripts Aisle does not read (Cyrillic, Greek, Arabic, Thai …).
    var other = 0

    mutating func add(_ scalar: Unicode.Scalar) {
        letters += 1
        let value = scalar.value
        switch value {
        case _ where scalar.properties.isIdeographic: han += 1
        case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D: kana += 1
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: hangul += 1
        case 0...0x7F: break
        case 0xC0...0x24F, 0x1E00...0x1EFF: accented += 1
        // Full-width Latin (Ｇｏｏｄ) is normalised to ASCII before reading.
        case 0xFF21...0xFF3A, 0xFF41...0xFF5A: break
        default: other += 1
        }
    }
}

/// Latin words that tell English from the languages shoppers most often write in besides it.
private struct LatinWords {
    /// Words that are English: function words and the English lexicon's entries.
    var english = 0
    /// Function words of French, German, Spanish, Italian, Portuguese, Dutch, Scandinavian
    /// languages, Polish, Indonesian; words that are also English (a, die, also, pour) are left out.
    var foreign = 0

    init(_ text: String) {
        var word = ""
        func flush() {
            defer { word = "" }
            guard !word.isEmpty else { return }
            if Self.englishWords.contains(word) || ReviewLexicon.english.vocabulary.contains(word) {
                english += 1
            } else if Self.foreignWords.contains(word) {
                foreign += 1
            }
        }
        // Only Latin letters make words: 买了Nike is 买了 and nike.
        for character in text.lowercased() {
            if (character.isLetter && character.unicodeScalars.allSatisfy(Self.isLatin)) || character == "'"
                || character == "’"
            {
                word.append(character == "’" ? "'" : character)
            } else {
                flush()
            }
        }
        flush()
    }

    static func isLatin(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: true
        default: scalar.properties.generalCategory == .nonspacingMark
        }
    }

    static let englishWords: Set<String> = [
        "the", "and", "is", "it", "it's", "this", "that", "was", "were", "are", "be", "been", "i", "i'm", "i've",
        "you", "my", "me", "we", "they", "he", "she", "to", "of", "for", "with", "a", "an", "in", "on", "at", "as",
        "have", "has", "had", "do", "does", "did", "would", "will", "just", "after", "what", "which", "there",
        "from", "them", "their", "one", "all", "out", "up", "get", "got", "buy", "bought", "product", "item",
        "these", "those", "its", "our", "your", "than", "then", "only", "also", "use", "used", "like", "if", "or",
        "because", "about", "when", "time", "again", "ever", "much", "more", "most", "any", "some", "thing",
    ]

    static let foreignWords: Set<String> = [
        // French
        "le", "la", "les", "des", "du", "est", "et", "très", "pas", "je", "j'ai", "c'est", "une", "un", "ne",
        "que", "qui", "il", "elle", "nous", "vous", "trop", "cette", "ce", "sont", "été", "avec", "mais", "bien",
        "produit", "qualité", "rapide", "reçu", "n'est", "au", "aux", "sur", "mon", "ma", "mes",
        // German
        "der", "das", "und", "ist", "nicht", "sehr", "ich", "es", "ein", "eine", "mit", "aber", "gut", "auch",
        "zu", "nach", "wie", "leider", "schnell", "ware", "artikel", "bestellt", "schön", "nur", "kein", "keine",
        // Spanish, Portuguese, Italian
        "el", "los", "las", "y", "muy", "pero", "para", "por", "producto", "calidad", "bueno", "buena", "malo",
        "mala", "del", "está", "esta", "este", "todo", "llegó", "è", "molto", "che", "della", "sono", "questo",
        "prodotto", "ottimo", "ottima", "o", "não", "é", "muito", "bom", "uma", "produto", "qualidade", "ótimo",
        // Dutch, Scandinavian, Polish, Indonesian
        "het", "een", "niet", "zeer", "goed", "heel", "maar", "og", "ikke", "jeg", "och", "inte", "är", "mycket",
        "jest", "nie", "bardzo", "się", "sangat", "bagus", "yang", "tidak", "barang",
    ]
}
