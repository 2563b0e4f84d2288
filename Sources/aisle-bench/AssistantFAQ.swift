import AisleCore
import AisleText
import ArgumentParser
import Foundation

/// FAQ retrieval quality of the assistant on the committed paraphrase set: hit@1 per language
/// (the FAQ meant, in the shopper's language), and how the answer bar splits paraphrases from
/// questions no FAQ answers. Tune on `--part validation` (the first paraphrase of each FAQ, the
/// first ten unanswerable questions per language), report `--part test` once.
struct AssistantFAQ: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assistant-faq",
        abstract: "FAQ retrieval hit@1 and the answer bar on the assistant's paraphrase set.",
        discussion: """
              aisle-bench assistant-faq --part validation --semantic-weight 0.6 --semantic-weight 0.8
              aisle-bench assistant-faq --part test
            """
    )

    enum Part: String, ExpressibleByArgument { case validation, test }

    @Option(help: "FAQs (PUT /v1/assistant/faqs body).") var faqs = "bench/assistant/demo-faqs.json"
    @Option(help: "Paraphrases (language, faq_id, text).") var paraphrases = "bench/assistant/faq-paraphrases.tsv"
    @Option(help: "Questions no FAQ answers (language, text).") var unanswerable =
        "bench/assistant/faq-unanswerable.tsv"
    @Option(help: "multilingual-e5-small folder; none: no vectors.") var modelDir = "models/multilingual-e5-small"
    @Option(help: "all-MiniLM-L6-v2 folder for English; none: e5 alone.") var englishModel = "models/all-MiniLM-L6-v2"
    @Option(help: "Which part.") var part: Part = .test
    @Option(help: "Semantic weights to try (default: the shipped setting).") var semanticWeight: [Float] = []
    @Option(help: "e5 floors to try (default: the shipped setting).") var semanticFloor: [Float] = []
    @Option(help: "English floors to try (default: the shipped setting).") var englishFloor: [Float] = []
    @Option(help: "Answer weights to try (default: the shipped setting).") var answerWeight: [Float] = []
    @Option(help: "Intent weights to try (default: the shipped setting).") var intentWeight: [Float] = []
    @Option(help: "Agreed-intent bars to try (default: the shipped setting).") var agreedBar: [Float] = []
    @Option(help: "Answer bars to try (default: the shipped setting).") var bar: [Float] = []
    @Flag(help: "Leave out the FAQs' alternate questions (the questions alone).") var withoutAlternates = false
    @Flag(help: "Print each miss.") var misses = false
    @Flag(help: "Print each FAQ's intent and stop.") var showIntents = false
    @Option(help: "Print the five best FAQs for this message and stop.") var explain: String?

    /// A message with its vectors.
    struct Query {
        var language: TextLanguage
        var expected: String?
        var text: String
        var vector: [Float]?
        var englishVector: [Float]?
        var intent: [Float]?
    }

    func run() throws {
        let body = try JSONDecoder().decode(FAQSetBody.self, from: Data(contentsOf: URL(fileURLWithPath: faqs)))
        var entries = try body.entries()
        if withoutAlternates {
            for index in entries.indices { entries[index].alternateQuestions = [] }
        }
        let allParaphrases = try Self.rows(paraphrases, columns: 3)
        // The first paraphrase of each FAQ is the validation half.
        let labelled = allParaphrases.enumerated().filter { position, row in
            (part == .validation) == (allParaphrases.firstIndex { $0[1] == row[1] } == position)
        }.map(\.element)
        let allUnanswerable = try Self.rows(unanswerable, columns: 2)
        let unanswered = allUnanswerable.enumerated().filter { position, row in
            (part == .validation) == (allUnanswerable.prefix(position).filter { $0[0] == row[0] }.count < 10)
        }.map(\.element)
        let e5 = modelDir == "none" ? nil : try TextEncoder.load(modelDir)
        let english = englishModel == "none" ? nil : try TextEncoder.load(englishModel)
        let vectors = e5.map { FAQVectors.questions(entries, encoder: $0) }
        let englishVectors = english.map { FAQVectors.englishQuestions(entries, encoder: $0) }
        let classifier = try IntentClassifier.shipped()
        let questionRows = FAQIndex.questionRows(entries)
        let faqIntents = classifier.map { classifier in
            entries.indices.map {
                classifier.classify(entries[$0].question, vector: vectors?[questionRows[$0]]).probabilities
            }
        }
        func queries(_ rows: [(language: String, expected: String?, text: String)]) -> [Query] {
            let texts = rows.map(\.text)
            let e5Vectors = e5?.embed(texts, as: .query)
            let englishQueryVectors = english?.embed(texts, as: .query)
            return rows.indices.map { position in
                let language = TextLanguage(rawValue: rows[position].language) ?? .en
                return Query(
                    language: language,
                    expected: rows[position].expected,
                    text: rows[position].text,
                    vector: e5Vectors?[position],
                    englishVector: language == .en ? englishQueryVectors?[position] : nil,
                    intent: classifier?.classify(rows[position].text, vector: e5Vectors?[position]).probabilities
                )
            }
        }
        if showIntents, let classifier = try IntentClassifier.shipped() {
            let questionVectors = e5?.embed(entries.map(\.question), as: .query)
            for (position, entry) in entries.enumerated() {
                let prediction = classifier.classify(entry.question, vector: questionVectors?[position])
                print(
                    "\(entry.id.rawValue)\t\(prediction.intent.rawValue)\t\(prediction.confidence)\t\(entry.question)"
                )
            }
            return
        }
        if let explain {
            let query = queries([(ChatText.language(explain).rawValue, nil, explain)])[0]
            let index = FAQIndex(entries, vectors: vectors, englishVectors: englishVectors, intents: faqIntents)
            for match in index.search(
                explain,
                vector: query.vector,
                englishVector: query.englishVector,
                intent: query.intent,
                language: query.language,
                limit: 5
            ) {
                let semantic = match.semantic.map { String(format: "%.3f", $0) } ?? "-"
                print(
                    String(format: "%.3f lexical %.3f semantic ", match.score, match.lexical) + semantic + " "
                        + entries[match.index].id.rawValue
                )
            }
            return
        }
        let asked = queries(labelled.map { ($0[0], $0[1], $0[2]) })
        let declined = queries(unanswered.map { ($0[0], nil, $0[1]) })
        print("\(entries.count) FAQs; \(part.rawValue): \(asked.count) paraphrases, \(declined.count) unanswerable")
        let defaults = FAQIndex.Settings()
        func values(_ tried: [Float], _ shipped: Float) -> [Float] { tried.isEmpty ? [shipped] : tried }
        var grid = [defaults]
        func vary(_ tried: [Float], _ shipped: Float, _ set: (inout FAQIndex.Settings, Float) -> Void) {
            grid = grid.flatMap { settings in
                values(tried, shipped).map { value in
                    var changed = settings
                    set(&changed, value)
                    return changed
                }
            }
        }
        vary(semanticWeight, defaults.semanticWeight) { $0.semanticWeight = $1 }
        vary(semanticFloor, defaults.semanticFloor) { $0.semanticFloor = $1 }
        vary(englishFloor, defaults.englishFloor) { $0.englishFloor = $1 }
        vary(answerWeight, defaults.answerWeight) { $0.answerWeight = $1 }
        vary(intentWeight, defaults.intentWeight) { $0.intentWeight = $1 }
        vary(agreedBar, defaults.agreedMinimumScore) { $0.agreedMinimumScore = $1 }
        vary(bar, defaults.minimumScore) { $0.minimumScore = $1 }
        for settings in grid {
            let index = FAQIndex(
                entries,
                vectors: vectors,
                englishVectors: englishVectors,
                intents: faqIntents,
                settings: settings
            )
            report(index, asked: asked, declined: declined)
        }
    }

    func report(_ index: FAQIndex, asked: [Query], declined: [Query]) {
        var hits: [TextLanguage: (right: Int, all: Int)] = [:]
        var rightScores: [Float] = []
        for query in asked {
            let best = index.search(
                query.text,
                vector: query.vector,
                englishVector: query.englishVector,
                intent: query.intent,
                language: query.language,
                limit: 1
            ).first
            let answered = best.flatMap { index.twin(of: $0.index, in: query.language) ?? $0.index }
            let right = answered.map { index.entries[$0].id.rawValue == query.expected } ?? false
            hits[query.language, default: (0, 0)].all += 1
            if right {
                hits[query.language, default: (0, 0)].right += 1
                rightScores.append(best?.score ?? 0)
            } else if misses {
                let got = answered.map { index.entries[$0].id.rawValue } ?? "-"
                print("  miss [\(query.language.rawValue)] \(query.text) → \(got) (want \(query.expected ?? "-"))")
            }
        }
        let wrongScores = declined.map { query in
            index.search(
                query.text,
                vector: query.vector,
                englishVector: query.englishVector,
                intent: query.intent,
                language: query.language,
                limit: 1
            ).first?.score ?? 0
        }
        let s = index.settings
        var line = String(
            format: "intent %.2f semantic %.2f floor %.2f english floor %.2f answer %.2f: hit@1",
            s.intentWeight,
            s.semanticWeight,
            s.semanticFloor,
            s.englishFloor,
            s.answerWeight
        )
        for language in [TextLanguage.en, .zh] {
            let tally = hits[language] ?? (0, 0)
            line += String(
                format: " %@ %.3f (%d)",
                language.rawValue,
                Double(tally.right) / Double(max(tally.all, 1)),
                tally.all
            )
        }
        // At the shipped bars (with the intent agreement): right answers still given,
        // unanswerable questions declined.
        func answered(_ query: Query) -> Int? {
            index.answer(
                query.text,
                vector: query.vector,
                englishVector: query.englishVector,
                intent: query.intent,
                language: query.language
            ).map { index.twin(of: $0.index, in: query.language) ?? $0.index }
        }
        let kept = asked.filter { query in answered(query).map { index.entries[$0].id.rawValue } == query.expected }
            .count
        let refused = declined.filter { answered($0) == nil }.count
        line += String(
            format: "; bars %.2f/%.2f (+%.2f with alternates) keep %d/%d right answers, decline %d/%d unanswerable",
            s.minimumScore,
            s.agreedMinimumScore,
            s.alternatesBarRaise,
            kept,
            rightScores.count,
            refused,
            wrongScores.count
        )
        var best: (bar: Float, correct: Int) = (s.minimumScore, kept + refused)
        for bar in (rightScores + wrongScores).sorted() {
            let correct = rightScores.filter { $0 >= bar }.count + wrongScores.filter { $0 < bar }.count
            if correct > best.correct { best = (bar, correct) }
        }
        line += String(
            format: "; best bar here %.3f (%d/%d)",
            best.bar,
            best.correct,
            rightScores.count + wrongScores.count
        )
        print(line)
    }

    static func rows(_ path: String, columns: Int) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count == columns }
    }
}
