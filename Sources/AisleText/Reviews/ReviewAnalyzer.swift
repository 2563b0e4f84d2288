public import AisleCore
import Foundation
import Synchronization

/// Analyses reviews: splits them into clauses at punctuation and contrast words, scores each
/// clause with the lexicon (sentiment words, intensifiers, negation), finds aspect cues per clause,
/// and blends the lexicon with the trained classifier for the overall score.
public struct ReviewAnalyzer: Sendable {
    /// The trained polarity classifier; without one the lexicon decides alone.
    public let model: SentimentModel?
    /// How the lexicon and the classifier are blended and where a review is too close to call.
    public let calibration: Calibration
    /// The polarity read from a text model's embedding, and how to embed (nil: the n-gram
    /// classifier alone is the classifier's part).
    public let embeddings: EmbeddingReader?

    /// The embedding head and the function that embeds review texts with its model (as passages,
    /// in one batch); `embed` returns nil when the model cannot be had right now (not
    /// installed, failed to load), and the review is then read without it.
    public struct EmbeddingReader: Sendable {
        public let polarity: EmbeddingPolarity
        public let embed: @Sendable ([String]) async -> [[Float]]?

        public init(polarity: EmbeddingPolarity, embed: @escaping @Sendable ([String]) async -> [[Float]]?) {
            self.polarity = polarity
            self.embed = embed
        }
    }

    /// An analyser using `model` and `embeddings` when given.
    public init(model: SentimentModel?, calibration: Calibration = .shipped, embeddings: EmbeddingReader? = nil) {
        self.model = model
        self.calibration = calibration
        self.embeddings = embeddings
    }

    /// The analysis of `text` (language detected when not given). A review in a language Aisle
    /// does not read (`und`) gets polarity `unknown`, score 0 and no aspects: no claim at all.
    public func analyze(_ text: String, language: TextLanguage? = nil) -> ReviewAnalysis {
        decide(read(text, language: language))
    }

    /// What the lexicon and the classifier find in a review, before the calibration turns it
    /// into a polarity. Separate so that calibration reads each review once and tries every
    /// setting on the reading (`aisle-bench review-polarity`).
    public struct Reading: Sendable {
        /// The language read in.
        public let language: TextLanguage
        /// Clause scores averaged, the clause after a contrast word counting double; nil
        /// without any sentiment word.
        public let lexiconScore: Float?
        /// 2·P(positive) − 1 of the classifier; nil without a model for the language.
        public let classifierScore: Float?
        /// 2·P(positive) − 1 of the embedding head; nil without the head or the vector.
        public let embeddingScore: Float?
        /// Whether some clause scores ≥ 0.3, and some ≤ −0.3.
        public let hasPositiveClause: Bool
        public let hasNegativeClause: Bool
        /// Mean size of the scores of clauses with a sentiment word.
        public let meanClauseMagnitude: Float
        /// Share of the review's words (English, function words aside) or letters (Chinese)
        /// that the lexicon knows: 1 for "Not bad." and 没毛病, low for a long hotel review.
        public let coverage: Float
        let aspects: [ReviewAnalysis.AspectSentiment]
    }

    /// Reads `text`: clauses, their lexicon scores and aspects, and the classifier's score;
    /// with `embedding` (the review's vector from `embeddings`' model) the embedding head's too.
    public func read(_ text: String, language: TextLanguage? = nil, embedding: [Float]? = nil) -> Reading {
        let language = language ?? TextLanguage.detect(text)
        guard language != .und else {
            return Reading(
                language: .und,
                lexiconScore: nil,
                classifierScore: nil,
                embeddingScore: nil,
                hasPositiveClause: false,
                hasNegativeClause: false,
                meanClauseMagnitude: 0,
                coverage: 0,
                aspects: []
            )
        }
        let lexicon = language == .zh ? ReviewLexicon.chinese : ReviewLexicon.english
        let clauses = Self.clauses(SentimentFeatures.normalize(text), language: language, lexicon: lexicon)
        var scored: [(text: String, score: Float, hits: Int, afterContrast: Bool)] = []
        var aspects: [ReviewAnalysis.AspectSentiment] = []
        var covered = 0
        var content = 0
        for clause in clauses {
            let tokens = Self.tokens(clause.text, language: language, lexicon: lexicon)
            if language == .zh {
                covered += tokens.reduce(0) { $0 + $1.count }
                content += clause.text.filter(\.isLetter).count
            } else {
                let words = tokens.filter { !TextLanguage.englishFunctionWords.contains($0) }
                covered += words.filter { lexicon.vocabulary.contains($0) }.count
                content += words.count
            }
            let (score, hits, _) = Self.score(tokens, lexicon: lexicon)
            scored.append((clause.text, score, hits, clause.afterContrast))
            let cues = lexicon.aspects.filter { tokens.contains($0.word) }
            let specific = cues.filter { !$0.generic }
            var seen = Set<Aspect>()
            for cue in specific.isEmpty ? cues : specific where seen.insert(cue.aspect).inserted {
                let polarity: ReviewAnalysis.Polarity = score > 0.15 ? .positive : score < -0.15 ? .negative : .neutral
                aspects.append(
                    .init(
                        aspect: cue.aspect,
                        polarity: polarity,
                        score: score,
                        span: clause.text.trimmingCharacters(in: .whitespaces)
                    )
                )
            }
        }
        var weightedSum: Float = 0
        var weights: Float = 0
        for clause in scored where clause.hits > 0 {
            let weight: Float = clause.afterContrast ? 2 : 1
            weightedSum += weight * clause.score
            weights += weight
        }
        let clauseMagnitudes = scored.filter { $0.hits > 0 }.map { abs($0.score) }
        return Reading(
            language: language,
            lexiconScore: weights > 0 ? weightedSum / weights : nil,
            classifierScore: model?.positiveProbability(text, language: language).map { 2 * $0 - 1 },
            embeddingScore: embedding.flatMap { embeddings?.polarity.score($0) },
            hasPositiveClause: scored.contains { $0.score >= 0.3 },
            hasNegativeClause: scored.contains { $0.score <= -0.3 },
            meanClauseMagnitude: clauseMagnitudes.isEmpty
                ? 0 : clauseMagnitudes.reduce(0, +) / Float(clauseMagnitudes.count),
            coverage: content > 0 ? min(1, Float(covered) / Float(content)) : 0,
            aspects: aspects
        )
    }

    /// The analysis of a reading under this analyser's calibration.
    public func decide(_ reading: Reading) -> ReviewAnalysis {
        guard reading.language != .und else {
            return ReviewAnalysis(language: .und, polarity: .unknown, score: 0, intensity: .weak, aspects: [])
        }
        // A review the lexicon reads word for word ("Not bad.", 没毛病) is one a bag-of-n-grams
        // classifier reads worst: a few n-grams, with the negation's scope lost. The lexicon's
        // share grows with the share of the review it knows.
        let lexiconWeight =
            calibration.lexiconWeight + (calibration.coveredLexiconWeight - calibration.lexiconWeight)
            * reading.coverage
        // The embedding head shares the classifier's part: it reads meaning where the n-grams
        // know only the training domains' words.
        let classifierScore: Float? =
            switch (reading.classifierScore, reading.embeddingScore) {
            case (let ngrams?, let embedding?):
                (1 - calibration.embeddingWeight) * ngrams + calibration.embeddingWeight * embedding
            case (let ngrams?, nil): ngrams
            case (nil, let embedding?): embedding
            case (nil, nil): nil
            }
        let score: Float =
            switch (reading.lexiconScore, classifierScore) {
            case (let lexicon?, let classifier?): lexiconWeight * lexicon + (1 - lexiconWeight) * classifier
            case (let lexicon?, nil): lexicon
            case (nil, let classifier?): classifier
            case (nil, nil): 0
            }
        // Mixed and neutral only when the overall score is too close to call: a long review with
        // one complaint among its praise is still positive (most hotel reviews have clauses of
        // both kinds; calling all of those mixed cost most of the hotel accuracy, 0.61 before).
        let opposed = reading.hasPositiveClause && reading.hasNegativeClause
        let band = opposed ? calibration.undecided : calibration.neutral
        let polarity: ReviewAnalysis.Polarity =
            if score >= band && score > 0 {
                .positive
            } else if score <= -band && score < 0 {
                .negative
            } else {
                opposed ? .mixed : .neutral
            }
        // A mixed review is at least of medium strength when its clauses are strong, even if
        // they cancel out overall.
        let magnitude = max(abs(score), 0.5 * reading.meanClauseMagnitude)
        let intensity: ReviewAnalysis.Intensity = magnitude >= 0.7 ? .strong : magnitude >= 0.3 ? .medium : .weak
        return ReviewAnalysis(
            language: reading.language,
            polarity: polarity,
            score: max(-1, min(1, score)),
            intensity: intensity,
            aspects: reading.aspects
        )
    }

    /// Clauses: split at punctuation, and before a contrast word (which starts the next clause).
    static func clauses(_ text: String, language: TextLanguage, lexicon: ReviewLexicon) -> [(
        text: String, afterContrast: Bool
    )] {
        let breaks: Set<Character> = ["，", "。", "！", "？", "；", "、", ",", ".", "!", "?", ";", "~", "～", "\n"]
        var pieces: [String] = []
        var current = ""
        for character in text {
            if breaks.contains(character) {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        var result: [(String, Bool)] = []
        for piece in pieces where !piece.trimmingCharacters(in: .whitespaces).isEmpty {
            var rest = Substring(piece)
            var after = false
            while true {
                let found = lexicon.contrasts.compactMap { word -> Range<Substring.Index>? in
                    if language == .en {
                        return rest.firstRange(of: " " + word + " ").map {
                            rest.index(after: $0.lowerBound)..<$0.upperBound
                        }
                            ?? (rest.hasPrefix(word + " ")
                                ? rest.startIndex..<rest.index(rest.startIndex, offsetBy: word.count) : nil)
                    }
                    return rest.firstRange(of: word)
                }.min { $0.lowerBound < $1.lowerBound }
                guard let range = found else { break }
                let before = rest[..<range.lowerBound]
                if !before.trimmingCharacters(in: .whitespaces).isEmpty { result.append((String(before), after)) }
                rest = rest[range.upperBound...]
                after = true
            }
            if !rest.trimmingCharacters(in: .whitespaces).isEmpty { result.append((String(rest), after)) }
        }
        return result
    }

    /// Lexicon tokens: English words; for Chinese, the longest lexicon entry at each position
    /// (other characters are skipped), so 不错 is one token and 不好 is 不 + 好.
    static func tokens(_ clause: String, language: TextLanguage, lexicon: ReviewLexicon) -> [String] {
        if language == .en {
            // Words, plus emoji the lexicon scores as tokens of their own.
            var tokens: [String] = []
            var word = ""
            for character in clause {
                if character.isLetter || character == "'" || character == "’" {
                    word.append(character == "’" ? "'" : character)
                    continue
                }
                if !word.isEmpty { tokens.append(word) }
                word = ""
                if lexicon.sentiment[String(character)] != nil { tokens.append(String(character)) }
            }
            if !word.isEmpty { tokens.append(word) }
            return tokens
        }
        let vocabulary = lexicon.vocabulary
        let characters = Array(clause)
        var tokens: [String] = []
        var index = 0
        while index < characters.count {
            var matched = false
            for length in stride(from: min(4, characters.count - index), through: 1, by: -1) {
                let candidate = String(characters[index..<(index + length)])
                if vocabulary.contains(candidate) {
                    tokens.append(candidate)
                    index += length
                    matched = true
                    break
                }
            }
            if !matched { index += 1 }
        }
        return tokens
    }

    /// A clause's score in [-1, 1], how many sentiment words it had, and how many of them a
    /// negation turned: the sum of `hits`, clipped.
    static func score(_ tokens: [String], lexicon: ReviewLexicon) -> (score: Float, hits: Int, negatedHits: Int) {
        let found = hits(tokens, lexicon: lexicon)
        let total = found.reduce(0) { $0 + $1.value }
        return (max(-1, min(1, total)), found.count, found.filter(\.negated).count)
    }

    /// Each sentiment word's value: its strength, scaled by the intensifiers before it, or
    /// flipped and softened (× −0.7) when a negation stands within the three tokens before it.
    static func hits(_ tokens: [String], lexicon: ReviewLexicon) -> [(value: Float, negated: Bool)] {
        var found: [(value: Float, negated: Bool)] = []
        var factor: Float = 1
        var negatedUntil = -1
        for (index, token) in tokens.enumerated() {
            if lexicon.negations.contains(token) || token.hasSuffix("n't") {
                negatedUntil = index + 3
                continue
            }
            if let boost = lexicon.intensifiers[token], index + 1 < tokens.count,
                lexicon.sentiment[tokens[index + 1]] != nil
                    || lexicon.intensifiers[tokens[index + 1]] != nil || lexicon.negations.contains(tokens[index + 1])
            {
                factor *= boost
                continue
            }
            guard let strength = lexicon.sentiment[token] else { continue }
            // A negated word flips and softens, and its intensifiers drop: "not very good" is no
            // stronger than "not good", and "not too bad" is mildly positive, as "not bad" is.
            let negated = index <= negatedUntil
            found.append((negated ? -0.7 * strength : strength * factor, negated))
            factor = 1
        }
        return found
    }

    /// The lexicon's reading of `normalized` text as classifier features: one mark per sentiment
    /// word, by the sign it ends with and whether a negation turned it (`L|n+` for "not bad" and
    /// 没问题, `L|n-` for 不好). The classifier learns from its training data how far to trust
    /// each kind, so a phrase it has not seen ("not bad", 没毛病) is read through the lexicon's
    /// negation scope rather than as two negative-leaning words.
    static func lexiconMarks(_ normalized: String, language: TextLanguage) -> [String] {
        guard language != .und else { return [] }
        let lexicon = language == .zh ? ReviewLexicon.chinese : ReviewLexicon.english
        var marks: [String] = []
        for clause in clauses(normalized, language: language, lexicon: lexicon) {
            for hit in hits(tokens(clause.text, language: language, lexicon: lexicon), lexicon: lexicon) {
                marks.append((hit.negated ? "L|n" : "L|") + (hit.value >= 0 ? "+" : "-"))
            }
        }
        return marks
    }
}

extension ReviewAnalyzer {
    /// Analyses submissions into reviews ready to store, on every processor and off the
    /// caller's thread (a 10,000-row batch is about a second of work: it must not hold a server
    /// event loop). Order is kept.
    public func analyze(_ submissions: [ReviewSubmission]) async -> [Review] {
        let vectors = await vectors(of: submissions)
        if submissions.count <= 8 {
            return submissions.indices.map { analysed(submissions[$0], embedding: vectors[$0]) }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: analyzeInParallel(submissions, vectors: vectors))
            }
        }
    }

    /// The review with its analysis.
    func analysed(_ submission: ReviewSubmission, embedding: [Float]?) -> Review {
        submission.analysed(decide(read(submission.text, language: submission.language, embedding: embedding)))
    }

    /// Each submission's vector from `embeddings`, in one batch through the text model (it
    /// spreads its own work over the cores); nil for all without a model, and for reviews in a
    /// language Aisle does not read, which get no analysis and should cost no embedding.
    func vectors(of submissions: [ReviewSubmission]) async -> [[Float]?] {
        let unread = [[Float]?](repeating: nil, count: submissions.count)
        guard let embeddings else { return unread }
        let readable = submissions.indices.filter {
            (submissions[$0].language ?? TextLanguage.detect(submissions[$0].text)) != .und
        }
        guard !readable.isEmpty,
            let found = await embeddings.embed(readable.map { submissions[$0].text }), found.count == readable.count
        else { return unread }
        var vectors = unread
        for (index, vector) in zip(readable, found) { vectors[index] = vector }
        return vectors
    }

    /// Splits the work into one chunk per processor.
    func analyzeInParallel(_ submissions: [ReviewSubmission], vectors: [[Float]?]) -> [Review] {
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, submissions.count / 8))
        let results = Mutex([[Review]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range =
                (submissions.count * chunk / chunks)..<(submissions.count * (chunk + 1) / chunks)
            let reviews = range.map { analysed(submissions[$0], embedding: vectors[$0]) }
            results.withLock { $0[chunk] = reviews }
        }
        return results.withLock { $0.flatMap { $0 } }
    }
}
