public import AisleCore
import Foundation
import Synchronization

/// Analyses reviews: splits them into clauses at punctuation and contrast words, scores each
/// clause with the lexicon (sentiment words, intensifiers, negation), finds aspect cues per clause,
/// and blends the lexicon with the trained classifier for the overall score.
public struct ReviewAnalyzer: Sendable {
    /// The trained polarity classifier; without one the lexicon decides alone.
    public let model: SentimentModel?

    /// An analyser using `model` when given.
    public init(model: SentimentModel?) {
        self.model = model
    }

    /// The analysis of `text` (language detected when not given).
    public func analyze(_ text: String, language: TextLanguage? = nil) -> ReviewAnalysis {
        let language = language ?? TextLanguage.detect(text)
        let lexicon = language == .zh ? ReviewLexicon.chinese : ReviewLexicon.english
        let clauses = Self.clauses(SentimentFeatures.normalize(text), language: language, lexicon: lexicon)
        var scored: [(text: String, score: Float, hits: Int, afterContrast: Bool)] = []
        var aspects: [ReviewAnalysis.AspectSentiment] = []
        for clause in clauses {
            let tokens = Self.tokens(clause.text, language: language, lexicon: lexicon)
            let (score, hits) = Self.score(tokens, lexicon: lexicon)
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
        // Lexicon score: clause scores averaged, the clause after a contrast word counting double.
        var weightedSum: Float = 0
        var weights: Float = 0
        for clause in scored where clause.hits > 0 {
            let weight: Float = clause.afterContrast ? 2 : 1
            weightedSum += weight * clause.score
            weights += weight
        }
        let lexiconScore: Float? = weights > 0 ? weightedSum / weights : nil
        let classifierScore = model?.positiveProbability(text, language: language).map { 2 * $0 - 1 }
        let score: Float =
            switch (lexiconScore, classifierScore) {
            case (let lexicon?, let classifier?): 0.5 * lexicon + 0.5 * classifier
            case (let lexicon?, nil): lexicon
            case (nil, let classifier?): classifier
            case (nil, nil): 0
            }
        let hasPositive = scored.contains { $0.score >= 0.3 }
        let hasNegative = scored.contains { $0.score <= -0.3 }
        let polarity: ReviewAnalysis.Polarity =
            if hasPositive && hasNegative {
                .mixed
            } else if score > 0.15 {
                .positive
            } else if score < -0.15 {
                .negative
            } else {
                .neutral
            }
        // A mixed review is at least of medium strength when its clauses are strong, even if
        // they cancel out overall.
        let clauseMagnitudes = scored.filter { $0.hits > 0 }.map { abs($0.score) }
        let meanClause = clauseMagnitudes.isEmpty ? 0 : clauseMagnitudes.reduce(0, +) / Float(clauseMagnitudes.count)
        let magnitude = max(abs(score), 0.5 * meanClause)
        let intensity: ReviewAnalysis.Intensity = magnitude >= 0.7 ? .strong : magnitude >= 0.3 ? .medium : .weak
        return ReviewAnalysis(
            language: language,
            polarity: polarity,
            score: max(-1, min(1, score)),
            intensity: intensity,
            aspects: aspects
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

    /// A clause's score in [-1, 1] and how many sentiment words it had: each sentiment word's
    /// strength, scaled by the intensifiers before it and flipped (and softened) by a negation
    /// within the three tokens before it.
    static func score(_ tokens: [String], lexicon: ReviewLexicon) -> (Float, Int) {
        var total: Float = 0
        var hits = 0
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
            var value = strength * factor
            if index <= negatedUntil { value = -0.7 * value }
            total += value
            hits += 1
            factor = 1
        }
        return (max(-1, min(1, total)), hits)
    }
}

extension ReviewAnalyzer {
    /// Analyses submissions into reviews ready to store, on every processor and off the
    /// caller's thread (a 10,000-row batch is about a second of work: it must not hold a server
    /// event loop). Order is kept.
    public func analyze(_ submissions: [ReviewSubmission]) async -> [Review] {
        if submissions.count <= 8 {
            return submissions.map { $0.analysed(analyze($0.text, language: $0.language)) }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: analyzeInParallel(submissions))
            }
        }
    }

    /// Splits the work into one chunk per processor.
    func analyzeInParallel(_ submissions: [ReviewSubmission]) -> [Review] {
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, submissions.count / 8))
        let results = Mutex([[Review]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range =
                (submissions.count * chunk / chunks)..<(submissions.count * (chunk + 1) / chunks)
            let reviews = submissions[range].map { $0.analysed(analyze($0.text, language: $0.language)) }
            results.withLock { $0[chunk] = reviews }
        }
        return results.withLock { $0.flatMap { $0 } }
    }
}
