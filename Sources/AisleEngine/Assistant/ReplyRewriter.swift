import AisleCore
import AisleText
import Foundation

/// A chat model behind an OpenAI-compatible API (`OpenAIChatModel` in AisleServer), so that no
/// HTTP client lives in the engine.
public protocol ChatModel: Sendable {
    /// The model's answer to `messages`; throws when it cannot be had (unreachable, an error
    /// status, an unreadable body). Cancelled when the engine stops waiting.
    func complete(_ messages: [ChatModelMessage], maxTokens: Int) async throws -> String
}

public struct ChatModelMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// Has the language model phrase a grounded reply, and keeps it honest (docs/ASSISTANT.md#the-language-model):
///
/// - Only replies whose facts are the same for every shopper go out (`AssistantReply.sharedFacts`:
///   FAQ answers, product facts and review pros and cons). Orders, recommendations, search
///   results (ordered for the shopper), account answers and handoffs never do.
/// - The model gets the template reply (its facts) and the shopper's message with e-mail
///   addresses, long digit runs and order numbers masked; never ids, history or profile.
/// - Its text is refused (and the template sent) on any of the checks of `accepted`.
struct ReplyRewriter: Sendable {
    let model: any ChatModel
    let timeout: Duration

    /// The phrased reply, or the template's with what became of asking.
    func rewrite(_ draft: String, question: String, language: TextLanguage) async -> (
        text: String, outcome: ReplyModelOutcome
    ) {
        let masked = Self.masked(question)
        let messages = Self.messages(draft: draft, question: masked, language: language)
        let maxTokens = min(400, 60 + draft.utf8.count / 2)
        let answer: String
        do {
            answer = try await Self.withTimeout(timeout) { [model] in
                try await model.complete(messages, maxTokens: maxTokens)
            }
        } catch is RewriteTimedOut {
            return (draft, .timedOut)
        } catch {
            return (draft, .failed)
        }
        guard let text = Self.accepted(answer, draft: draft, question: masked, language: language) else {
            return (draft, .rejected)
        }
        return (text, .written)
    }

    // MARK: - The prompt

    /// The instruction, one worked example (small models follow an example better than a
    /// rule), then the facts and the question.
    static func messages(draft: String, question: String, language: TextLanguage) -> [ChatModelMessage] {
        if language == .zh {
            return [
                ChatModelMessage(role: .system, content: "你是网店友好的客服。只根据给出的事实，用一两句中文回答顾客的问题，保留每一个数字。"),
                ChatModelMessage(role: .user, content: "事实：订单满299元包邮，不满299元运费10元。\n问题：要付运费吗"),
                ChatModelMessage(role: .assistant, content: "订单满299元就包邮哦，不满299元运费是10元。"),
                ChatModelMessage(role: .user, content: "事实：\(draft)\n问题：\(question)"),
            ]
        }
        return [
            ChatModelMessage(
                role: .system,
                content:
                    "You are a friendly shop assistant. Answer the customer's question using only the facts given, keeping every number. One or two sentences."
            ),
            ChatModelMessage(
                role: .user,
                content:
                    "Facts: Orders over $50 ship free; below that shipping costs $4.\nQuestion: do i pay for delivery?"
            ),
            ChatModelMessage(role: .assistant, content: "Delivery is free on orders over $50; below that it costs $4."),
            ChatModelMessage(role: .user, content: "Facts: \(draft)\nQuestion: \(question)"),
        ]
    }

    // MARK: - What the model may see

    /// The message with e-mail addresses, order numbers and runs of 5+ digits (phones, cards)
    /// masked.
    static func masked(_ text: String) -> String {
        var result = text.split(separator: " ", omittingEmptySubsequences: false)
            .map { word in word.contains("@") && word.contains(".") ? "[email]" : String(word) }
            .joined(separator: " ")
        for mention in ChatText.orderMentions(result).sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: mention, with: "[number]")
        }
        return maskDigitRuns(result)
    }

    /// `text` with every run of 5+ ASCII digits (spaces and dashes between them allowed) replaced.
    static func maskDigitRuns(_ text: String) -> String {
        var result = ""
        var run = ""
        var digits = 0
        func flush() {
            if digits >= 5 {
                result += "[number]"
                if let last = run.last, !(last.isASCII && last.isNumber) { result.append(last) }
            } else {
                result += run
            }
            run = ""
            digits = 0
        }
        for character in text {
            if character.isASCII && character.isNumber {
                run.append(character)
                digits += 1
            } else if digits > 0, character == " " || character == "-" {
                run.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    // MARK: - What the model may say

    /// The model's text, tidied, when it may be sent; nil when it is empty or rambles, is not
    /// in `language`, talks about itself or the prompt, adds a number, link or e-mail address
    /// the facts do not hold, drops one of the facts' numbers, says "not" more often than the
    /// facts, or is mostly words the facts and the question do not have. What it cannot tell:
    /// a fact reworded into a falsehood with the same words; hence the rules on what is sent.
    static func accepted(_ answer: String, draft: String, question: String, language: TextLanguage) -> String? {
        var text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["Answer:", "Reply:", "Assistant:", "回答：", "回答:"] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if text.count >= 2, let first = text.first, let last = text.last, "\"“「".contains(first),
            "\"”」".contains(last)
        {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !text.isEmpty, text.count <= 2 * draft.count + 160 else { return nil }
        guard ChatText.language(text) == (language == .zh ? .zh : .en) else { return nil }
        let lowered = text.lowercased()
        guard !offScriptMarkers.contains(where: lowered.contains) else { return nil }
        let known = draft + " " + question
        let knownNumbers = Set(numbers(in: known))
        let said = Set(numbers(in: text))
        guard said.isSubset(of: knownNumbers), Set(numbers(in: draft)).isSubset(of: said) else { return nil }
        guard negations(in: text) <= negations(in: draft) else { return nil }
        let knownLowered = known.lowercased()
        for marker in ["http://", "https://", "www.", "@"] where lowered.contains(marker) {
            // A link or address only when the facts hold that very one.
            let named = lowered.components(separatedBy: .whitespacesAndNewlines).filter { $0.contains(marker) }
            guard
                named.allSatisfy({
                    knownLowered.contains($0.trimmingCharacters(in: .punctuationCharacters.union(.symbols)))
                })
            else { return nil }
        }
        guard coverage(of: text, by: known) >= minimumCoverage else { return nil }
        return text
    }

    /// The share of a reply's content words the facts and the question must have. SmolLM2's
    /// made-up replies on our FAQ paraphrases had 0 to 0.54 (scripts/llm-server.sh; one 0.75
    /// talked about itself); faithful rewordings 0.65 and more.
    static let minimumCoverage = 0.6

    /// A model talking about itself, refusing, or repeating the prompt's labels.
    static let offScriptMarkers = [
        "as an ai", "as a customer service", "language model", "i don't have the ability", "i'm sorry",
        "i am sorry", "facts:", "question:", "draft:", "friendly shop assistant", "事实：", "问题：", "作为ai",
        "作为一个ai", "人工智能", "抱歉",
    ]

    /// How often a text says no: English negations, and 不/没/无/非/别 in Chinese.
    static func negations(in text: String) -> Int {
        let words = text.lowercased().split { !$0.isLetter && $0 != "'" && $0 != "’" }
        let english = words.filter {
            ["no", "not", "never", "cannot", "none", "nor"].contains($0) || $0.hasSuffix("n't") || $0.hasSuffix("n’t")
        }.count
        let chinese = text.filter { "不没无非别".contains($0) }.count
        return english + chinese
    }

    /// Words a friendly reply may add without adding a fact.
    static let courtesyWords: Set<String> = [
        "sure", "happy", "help", "glad", "thanks", "thank", "welcome", "course", "great", "feel", "free", "ask",
        "hope", "hello", "yes", "absolutely", "certainly", "please", "let", "know", "just", "simply", "also",
    ]

    /// Common English words that carry no fact.
    static let stopWords: Set<String> = [
        "the", "and", "but", "for", "with", "from", "are", "was", "were", "been", "its", "this", "that", "these",
        "those", "you", "your", "our", "can", "could", "will", "would", "does", "did", "have", "has", "had", "not",
        "than", "then", "there", "their", "they", "them", "which", "what", "when", "where", "who", "how", "why",
        "all", "any", "some", "more", "most", "only", "very", "too", "about", "into", "out", "over", "under", "here",
        "both", "each", "other", "such", "same", "per", "via", "get", "got", "may", "might", "should", "it's",
        "you're", "you'll", "we'll", "we're", "don't", "doesn't", "once", "after", "before",
    ]

    /// The share of the text's content words (English words of 3+ letters that are neither
    /// common nor courteous; Chinese character pairs) that `known` has: words match on their
    /// first five letters, so "returns" and "returned" match "return".
    static func coverage(of text: String, by known: String) -> Double {
        func words(_ text: String) -> [String] {
            text.lowercased().split { !($0.isASCII && ($0.isLetter || $0 == "'")) }.map(String.init)
                .filter { $0.count >= 3 }
        }
        func stem(_ word: String) -> String { String(word.prefix(5)) }
        func hanPairs(_ text: String) -> [String] {
            var pairs: [String] = []
            for piece in ChatText.pieces(text) {
                guard case .han(let run) = piece else { continue }
                let characters = Array(run)
                for index in characters.indices.dropLast() { pairs.append(String(characters[index...index + 1])) }
            }
            return pairs
        }
        let knownStems = Set(words(known).map(stem))
        let knownPairs = Set(hanPairs(known))
        let content = words(text).filter { !stopWords.contains($0) && !courtesyWords.contains($0) }
        let pairs = hanPairs(text)
        let total = content.count + pairs.count
        guard total > 0 else { return 1 }
        let covered = content.filter { knownStems.contains(stem($0)) }.count + pairs.filter(knownPairs.contains).count
        return Double(covered) / Double(total)
    }

    /// The numbers in `text` as written, without thousands separators: "1,299.00" → "1299.00",
    /// "30" → "30". Full-width digits count as ASCII ones.
    static func numbers(in text: String) -> [String] {
        var found: [String] = []
        var current = ""
        let characters = Array(text.precomposedStringWithCompatibilityMapping)
        for (index, character) in characters.enumerated() {
            if character.isASCII && character.isNumber {
                current.append(character)
            } else if !current.isEmpty, character == "," || character == ".",
                index + 1 < characters.count, characters[index + 1].isASCII, characters[index + 1].isNumber
            {
                if character == "." { current.append(".") }
            } else if !current.isEmpty {
                found.append(current)
                current = ""
            }
        }
        if !current.isEmpty { found.append(current) }
        // 12.00 and 12 name the same price.
        return found.map { number in
            guard number.contains(".") else { return number }
            var trimmed = number
            while trimmed.hasSuffix("0") { trimmed.removeLast() }
            if trimmed.hasSuffix(".") { trimmed.removeLast() }
            return trimmed
        }
    }

    // MARK: - Time

    struct RewriteTimedOut: Error {}

    /// `work`'s result, or `RewriteTimedOut` after `limit` (the work is cancelled).
    static func withTimeout<T: Sendable>(
        _ limit: Duration,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw RewriteTimedOut()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw RewriteTimedOut() }
            return first
        }
    }
}
