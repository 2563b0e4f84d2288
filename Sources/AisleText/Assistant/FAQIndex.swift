public import AisleCore
import AisleMath
import Foundation

/// Finds the FAQ a shopper's message asks, by words and by meaning:
///
/// - **Lexical**: TF-IDF cosine between the message and each entry's question, and its
///   question with its answer (English words without function words, lightly stemmed; Chinese
///   characters and character pairs).
/// - **Semantic**: cosine between the message's multilingual-e5-small query vector and the
///   entry's question vector (embedded as a query too: matching a question to a question is a
///   symmetric task, as the e5 model card advises).
///
/// An entry's alternate questions are more phrasings of it: the entry scores as its best
/// phrasing, by words and by meaning.
///
/// The two are blended into one score in [0, 1]; below `Settings.minimumScore` nothing is
/// answered. Built once per FAQ set and shared (immutable).
public struct FAQIndex: Sendable {
    /// Blend and bars, chosen on the paraphrase set's validation half (docs/ASSISTANT.md).
    public struct Settings: Sendable, Equatable {
        /// Weight of the semantic score (the lexical one has the rest).
        public var semanticWeight: Float = 0.8
        /// e5 cosines below this count as no similarity (unrelated texts sit around 0.7–0.8).
        public var semanticFloor: Float = 0.75
        /// The same for the mean of e5's and the English model's cosines (MiniLM puts
        /// unrelated questions near 0.1–0.3).
        public var englishFloor: Float = 0.3
        /// Weight of the question with its answer in the lexical score (the question alone has
        /// the rest).
        public var answerWeight: Float = 0.3
        /// Weight of the agreement between the message's intent and the entry's (the dot
        /// product of their intent probabilities). Off: on the validation paraphrases it moved
        /// answers to the wrong FAQ of a neighbouring intent ("swap for a smaller size" reads
        /// as size advice; its FAQ is about exchanges), hit@1 0.85 → 0.71 at 0.3.
        public var intentWeight: Float = 0
        /// Least blended score that is an answer.
        public var minimumScore: Float = 0.4
        /// A lower bar for an entry whose question reads as the same intent as the message,
        /// when the classifier is at least `agreementConfidence` sure of the message's: "how do
        /// I send back a jacket" shares no word with "how do I start a return".
        public var agreedMinimumScore: Float = 0.35
        public var agreementConfidence: Float = 0.8
        /// How much higher both bars are for an entry with alternate questions: its best of
        /// several phrasings lifts unrelated messages too (on the validation part, with four
        /// alternates per FAQ, bars 0.40/0.35 declined 4 of 20 unanswerable questions; 0.50/0.45
        /// declined 16 and kept 44 of 47 right answers).
        public var alternatesBarRaise: Float = 0.1
        /// Least cosine between two entries' question vectors for them to be twins in two
        /// languages, when their ids do not say so.
        public var twinSimilarity: Float = 0.88

        public init() {}
    }

    /// A match and its scores.
    public struct Match: Sendable, Equatable {
        /// Position in `entries`.
        public var index: Int
        public var score: Float
        public var lexical: Float
        /// Nil when the message or the entry had no vector.
        public var semantic: Float?
    }

    public let entries: [FAQ]
    /// Each entry's language (as given, else detected from its question).
    public let languages: [TextLanguage]
    /// Each entry's id without a language mark, for finding twins.
    let idStems: [String]
    public let settings: Settings
    /// Per phrasing (every entry's question, then its alternate questions: `phrasings`), its
    /// entry; and per entry, its question's row.
    let phrasingEntries: [Int32]
    let questionRows: [Int]
    /// Phrasing vectors by multilingual-e5-small, one row per phrasing (zeros where one has
    /// none yet), so one matrix-vector product scores them all; and which rows are real.
    let vectors: VectorRows
    /// English entries' phrasing vectors by the English model (all-MiniLM-L6-v2), which was
    /// trained on English paraphrases and tells English questions apart better than e5-small.
    let englishVectors: VectorRows
    /// Each entry's intent probabilities (the classifier's reading of its question), or empty.
    let intents: [[Float]]
    /// Per term, the phrasings (`questionPostings`) and the entries (their phrasings with the
    /// answer: `fullPostings`) that have it, with its unit-length TF-IDF weight: a message is
    /// scored against those sharing its terms only.
    let questionPostings: [Int: [Posting]]
    let fullPostings: [Int: [Posting]]
    let vocabulary: [String: Int]
    let idf: [Float]

    struct Posting: Sendable {
        /// The phrasing's row (`questionPostings`) or the entry (`fullPostings`).
        var entry: Int32
        var weight: Float
    }

    /// Vectors as the rows of one matrix (a row of zeros for an entry without one).
    struct VectorRows: Sendable {
        let matrix: DenseMatrix?
        let present: [Bool]

        init(_ vectors: [[Float]?], count: Int) {
            let dimension = vectors.compactMap { $0?.count }.first ?? 0
            var present = [Bool](repeating: false, count: count)
            guard dimension > 0, vectors.count == count else {
                matrix = nil
                self.present = present
                return
            }
            var values = [Float](repeating: 0, count: count * dimension)
            for (row, vector) in vectors.enumerated() {
                guard let vector, vector.count == dimension else { continue }
                present[row] = true
                values.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
            }
            matrix = DenseMatrix(rows: count, columns: dimension, values: values)
            self.present = present
        }

        /// Every row's dot product with `vector`, or nil when its size is not the rows'.
        func scores(_ vector: [Float]?) -> [Float]? {
            guard let vector, let matrix, vector.count == matrix.columns else { return nil }
            return BLAS.multiply(matrix, vector: vector)
        }

        func row(_ index: Int) -> ArraySlice<Float>? {
            guard let matrix, present.indices.contains(index), present[index] else { return nil }
            return matrix.row(index)
        }
    }

    /// Every entry's phrasings in order, each with its entry's position: the rows `vectors` and
    /// `englishVectors` are given in.
    public static func phrasings(_ entries: [FAQ]) -> [(entry: Int, text: String)] {
        entries.indices.flatMap { entry in entries[entry].phrasings.map { (entry: entry, text: $0) } }
    }

    /// Per entry, the row of its question among `phrasings(entries)`.
    public static func questionRows(_ entries: [FAQ]) -> [Int] {
        var rows: [Int] = []
        rows.reserveCapacity(entries.count)
        var row = 0
        for entry in entries {
            rows.append(row)
            row += 1 + entry.alternateQuestions.count
        }
        return rows
    }

    /// An index of `entries`; `vectors` holds their phrasings' vectors in the order of
    /// `phrasings(entries)` (nil rows, or no array: lexical only for those).
    public init(
        _ entries: [FAQ],
        vectors: [[Float]?]? = nil,
        englishVectors: [[Float]?]? = nil,
        intents: [[Float]]? = nil,
        settings: Settings = Settings()
    ) {
        self.entries = entries
        self.intents = intents.flatMap { $0.count == entries.count ? $0 : nil } ?? []
        self.settings = settings
        languages = entries.map { $0.language ?? ChatText.language($0.question) }
        idStems = entries.map { Self.idStem($0.id.rawValue) }
        let phrasings = Self.phrasings(entries)
        phrasingEntries = phrasings.map { Int32($0.entry) }
        questionRows = Self.questionRows(entries)
        self.vectors = VectorRows(vectors ?? [], count: phrasings.count)
        self.englishVectors = VectorRows(englishVectors ?? [], count: phrasings.count)
        var vocabulary: [String: Int] = [:]
        var documentFrequency: [Int] = []
        func ids(_ terms: [String]) -> [Int] {
            terms.map { term in
                if let id = vocabulary[term] { return id }
                vocabulary[term] = documentFrequency.count
                documentFrequency.append(0)
                return documentFrequency.count - 1
            }
        }
        let phrasingIDs = phrasings.map { ids(Self.terms($0.text)) }
        var questionIDs = [[Int]](repeating: [], count: entries.count)
        for (row, phrasing) in phrasings.enumerated() { questionIDs[phrasing.entry] += phrasingIDs[row] }
        let answerIDs = entries.map { ids(Self.terms($0.answer)) }
        for (question, answer) in zip(questionIDs, answerIDs) {
            for id in Set(question + answer) { documentFrequency[id] += 1 }
        }
        let count = Float(max(entries.count, 1))
        let idf = documentFrequency.map { log(1 + count / Float($0)) }
        var questionPostings: [Int: [Posting]] = [:]
        var fullPostings: [Int: [Posting]] = [:]
        for row in phrasings.indices {
            for (term, weight) in Self.weights(phrasingIDs[row], idf: idf) {
                questionPostings[term, default: []].append(Posting(entry: Int32(row), weight: weight))
            }
        }
        for entry in entries.indices {
            for (term, weight) in Self.weights(questionIDs[entry] + answerIDs[entry], idf: idf) {
                fullPostings[term, default: []].append(Posting(entry: Int32(entry), weight: weight))
            }
        }
        self.vocabulary = vocabulary
        self.idf = idf
        self.questionPostings = questionPostings
        self.fullPostings = fullPostings
    }

    /// Whether entry `index`'s question has its vector.
    public func hasVector(_ index: Int) -> Bool {
        questionRows.indices.contains(index) && vectors.row(questionRows[index]) != nil
    }

    /// The best matches of `text` (its query `vector`, when there is one), best first, at most
    /// `limit`, ties broken by position. Entries in `language` get a small edge, so a shopper
    /// gets the twin in their language when both match alike. O(entries × dimension) for the
    /// vectors (one BLAS product per model) plus the postings of the message's terms.
    public func search(
        _ text: String,
        vector: [Float]?,
        englishVector: [Float]? = nil,
        intent: [Float]? = nil,
        language: TextLanguage?,
        limit: Int
    ) -> [Match] {
        guard !entries.isEmpty, limit > 0 else { return [] }
        let query = Self.weights(Self.terms(text).compactMap { vocabulary[$0] }, idf: idf)
        var phrasingScores = [Float](repeating: 0, count: phrasingEntries.count)
        var fullScores = [Float](repeating: 0, count: entries.count)
        for (term, weight) in query {
            for posting in questionPostings[term] ?? [] {
                phrasingScores[Int(posting.entry)] += weight * posting.weight
            }
            for posting in fullPostings[term] ?? [] { fullScores[Int(posting.entry)] += weight * posting.weight }
        }
        let e5Scores = vectors.scores(vector)
        let englishScores = englishVectors.scores(englishVector)
        // Per entry, its best phrasing by words, and by meaning (the scaled similarity and the
        // cosine it came from).
        var questionScores = [Float](repeating: 0, count: entries.count)
        var semantics = [(scaled: Float, cosine: Float)?](repeating: nil, count: entries.count)
        for (row, owner) in phrasingEntries.enumerated() {
            let entry = Int(owner)
            questionScores[entry] = max(questionScores[entry], phrasingScores[row])
            var cosine: Float?
            var floor = settings.semanticFloor
            if let e5Scores, vectors.present[row] { cosine = e5Scores[row] }
            // An English message and entry: both models' cosines, averaged.
            if let englishScores, englishVectors.present[row] {
                let english = englishScores[row]
                cosine = cosine.map { ($0 + english) / 2 } ?? english
                floor = settings.englishFloor
            }
            guard let cosine else { continue }
            let scaled = max(0, (cosine - floor) / (1 - floor))
            if scaled > semantics[entry]?.scaled ?? -1 { semantics[entry] = (scaled, cosine) }
        }
        var matches: [Match] = []
        matches.reserveCapacity(entries.count)
        for index in entries.indices {
            let lexical =
                (1 - settings.answerWeight) * questionScores[index] + settings.answerWeight * fullScores[index]
            let semantic = semantics[index]?.cosine
            var score = lexical
            if let scaled = semantics[index]?.scaled {
                score = settings.semanticWeight * scaled + (1 - settings.semanticWeight) * lexical
            }
            if settings.intentWeight > 0, let intent, !intents.isEmpty, intents[index].count == intent.count {
                score = (1 - settings.intentWeight) * score + settings.intentWeight * Self.dot(intent, intents[index])
            }
            if let language, languages[index] == language { score += 0.01 }
            matches.append(Match(index: index, score: score, lexical: lexical, semantic: semantic))
        }
        return Self.best(limit, of: matches)
    }

    /// The `limit` best matches, best first, ties by position: one pass keeping a sorted
    /// shortlist (a message asks for one or a few of up to 10k entries; sorting them all cost
    /// more than scoring them).
    static func best(_ limit: Int, of matches: [Match]) -> [Match] {
        func before(_ a: Match, _ b: Match) -> Bool { (a.score, b.index) > (b.score, a.index) }
        var shortlist: [Match] = []
        shortlist.reserveCapacity(limit + 1)
        for match in matches {
            if shortlist.count == limit, let last = shortlist.last, !before(match, last) { continue }
            let position = shortlist.firstIndex { before(match, $0) } ?? shortlist.count
            shortlist.insert(match, at: position)
            if shortlist.count > limit { shortlist.removeLast() }
        }
        return shortlist
    }

    /// The entry that answers the message, or nil below the bar (`minimumScore`, or
    /// `agreedMinimumScore` when the message's intent, read with at least
    /// `agreementConfidence`, is the entry's).
    public func answer(
        _ text: String,
        vector: [Float]?,
        englishVector: [Float]? = nil,
        intent: [Float]? = nil,
        language: TextLanguage?
    ) -> Match? {
        guard
            let best = search(
                text,
                vector: vector,
                englishVector: englishVector,
                intent: intent,
                language: language,
                limit: 1
            ).first
        else { return nil }
        let raise = entries[best.index].alternateQuestions.isEmpty ? 0 : settings.alternatesBarRaise
        if best.score >= settings.minimumScore + raise { return best }
        guard best.score >= settings.agreedMinimumScore + raise, let intent, intents.indices.contains(best.index),
            intents[best.index].count == intent.count, let asked = Self.argmax(intent),
            intent[asked] >= settings.agreementConfidence, Self.argmax(intents[best.index]) == asked
        else { return nil }
        return best
    }

    static func argmax(_ values: [Float]) -> Int? {
        values.indices.max { values[$0] < values[$1] }
    }

    /// The entry that says what entry `index` says in `language`: `index` itself when it is in
    /// that language; else one whose id is the same but for a language mark (`returns` and
    /// `returns-zh`, `faq.en` and `faq.zh`), else the most similar question in that language
    /// when its vector is close enough. Nil when there is none.
    public func twin(of index: Int, in language: TextLanguage) -> Int? {
        guard entries.indices.contains(index) else { return nil }
        if languages[index] == language { return index }
        if let byID = entries.indices.first(where: { languages[$0] == language && idStems[$0] == idStems[index] }) {
            return byID
        }
        guard let vector = vectors.row(questionRows[index]) else { return nil }
        var best: (index: Int, similarity: Float)?
        for other in entries.indices where languages[other] == language {
            guard let otherVector = vectors.row(questionRows[other]) else { continue }
            var similarity: Float = 0
            for (x, y) in zip(vector, otherVector) { similarity += x * y }
            if similarity >= settings.twinSimilarity, similarity > (best?.similarity ?? -1) {
                best = (other, similarity)
            }
        }
        return best?.index
    }

    /// An id without a trailing language mark (`-zh`, `_en`, `.zh-cn`, `/zh`).
    static func idStem(_ id: String) -> String {
        let lower = id.lowercased()
        for mark in ["zh-cn", "zh-hans", "zh", "cn", "en-us", "en-gb", "en"] {
            for separator in ["-", "_", ".", "/", ":"] where lower.hasSuffix(separator + mark) {
                return String(lower.dropLast(mark.count + 1))
            }
        }
        return lower
    }

    // MARK: - Terms

    /// English function words and chat filler that say nothing about which FAQ is meant.
    public static let englishStopWords: Set<String> = [
        "a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "it", "its", "is", "are", "was", "were",
        "be", "been", "am", "do", "does", "did", "to", "of", "in", "on", "for", "with", "at", "by", "from", "and",
        "or", "if", "so", "that", "this", "these", "those", "there", "what", "which", "who", "how", "when",
        "where", "why", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "have", "has",
        "had", "any", "some", "please", "hi", "hello", "hey", "thanks", "thank", "just", "about", "get", "got",
        "im", "i'm", "it's", "dont", "don't", "not", "no", "yes", "ok", "okay", "still", "also", "too", "very",
        "u", "ur", "pls", "plz", "there's", "want", "need", "like", "know", "tell",
    ]

    /// Chinese particles and pronouns (的, 了, 吗, 我 …): single characters that match everything.
    public static let chineseStopCharacters: Set<Character> = [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "哈", "嘛", "呗", "我", "你", "您", "他", "她", "它", "们", "是",
        "在", "有", "和", "就", "都", "也", "还", "要", "会", "能", "可", "以", "么", "什", "怎", "请", "问", "亲",
        "一", "个", "这", "那", "吗", "啥", "咋", "不", "没",
    ]

    /// The index terms of a text: English words (stop words dropped, a plural or -ing/-ed
    /// ending removed) and Chinese characters (particles dropped) and character pairs.
    static func terms(_ text: String) -> [String] {
        var terms: [String] = []
        for piece in ChatText.pieces(text) {
            switch piece {
            case .word(let word):
                let bare = word.replacingApostrophes
                guard !englishStopWords.contains(bare), !englishStopWords.contains(word) else { continue }
                terms.append("w:" + stem(bare))
            case .han(let run):
                for character in run where !chineseStopCharacters.contains(character) {
                    terms.append("h:" + String(character))
                }
                if run.count >= 2 {
                    for start in 0..<(run.count - 1) { terms.append("h:" + String(run[start...start + 1])) }
                }
            }
        }
        return terms
    }

    /// A light English stemmer: enough that "returns", "returning" and "returned" meet.
    static func stem(_ word: String) -> String {
        guard word.count > 4, word.allSatisfy(\.isLetter) else { return word }
        for suffix in ["ing", "ed", "es", "s"] where word.hasSuffix(suffix) && word.count - suffix.count >= 3 {
            if suffix == "s" && word.hasSuffix("ss") { return word }
            return String(word.dropLast(suffix.count))
        }
        return word
    }

    /// Unit-length TF-IDF weights of term ids.
    static func weights(_ ids: [Int], idf: [Float]) -> [Int: Float] {
        var weights: [Int: Float] = [:]
        for id in ids { weights[id, default: 0] += idf[id] }
        let norm = weights.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [:] }
        return weights.mapValues { $0 / norm }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for index in a.indices { sum += a[index] * b[index] }
        return sum
    }
}

extension String {
    /// The word with apostrophes removed (don't → dont).
    fileprivate var replacingApostrophes: String { filter { $0 != "'" } }
}

/// The vectors `FAQIndex` compares: how each text model embeds the entries' phrasings (in the
/// order of `FAQIndex.phrasings`).
public enum FAQVectors {
    /// Every phrasing by multilingual-e5-small, as a query (question to question is symmetric).
    public static func questions(_ entries: [FAQ], encoder: TextEncoder) -> [[Float]?] {
        encoder.embed(FAQIndex.phrasings(entries).map(\.text), as: .query).map { Optional($0) }
    }

    /// English entries' phrasings by the English model; nil for the others.
    public static func englishQuestions(_ entries: [FAQ], encoder: TextEncoder) -> [[Float]?] {
        let phrasings = FAQIndex.phrasings(entries)
        let english = phrasings.indices.filter { isEnglish(entries[phrasings[$0].entry]) }
        let vectors = encoder.embed(english.map { phrasings[$0].text }, as: .query)
        var result = [[Float]?](repeating: nil, count: phrasings.count)
        for (position, row) in english.enumerated() { result[row] = vectors[position] }
        return result
    }

    /// Whether the entry is in English (as given, else by its question).
    public static func isEnglish(_ entry: FAQ) -> Bool {
        (entry.language ?? ChatText.language(entry.question)) == .en
    }
}
