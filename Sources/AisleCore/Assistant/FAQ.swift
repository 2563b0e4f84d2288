/// One of the store's frequently asked questions, which the assistant answers from
/// (`PUT /v1/assistant/faqs`). Entries in two languages that say the same thing are twins: a
/// shopper gets the one in their language.
public struct FAQ: Sendable, Equatable {
    public var id: FAQID
    public var question: String
    public var answer: String
    /// The entry's language; nil: detected from its question.
    public var language: TextLanguage?
    /// Other ways shoppers ask the question, in the entry's language: a message close to any
    /// of them is close to the entry.
    public var alternateQuestions: [String]

    public init(
        id: FAQID,
        question: String,
        answer: String,
        language: TextLanguage? = nil,
        alternateQuestions: [String] = []
    ) {
        self.id = id
        self.question = question
        self.answer = answer
        self.language = language
        self.alternateQuestions = alternateQuestions
    }

    /// The question, then its alternates.
    public var phrasings: [String] { [question] + alternateQuestions }

    /// Most entries a store may have.
    public static let maxCount = 10_000
    /// Longest question, in UTF-8 bytes.
    public static let maxQuestionBytes = 1_000
    /// Longest answer, in UTF-8 bytes.
    public static let maxAnswerBytes = 8_000
    /// Most alternate questions of one entry.
    public static let maxAlternateQuestions = 20

    /// Throws `invalid_field` (with `prefix`, the entry's JSON path) for an empty or oversized
    /// text, or a language Aisle does not read.
    public func validate(prefix: String) throws(AisleError) {
        for (field, value, limit) in [
            ("question", question, Self.maxQuestionBytes), ("answer", answer, Self.maxAnswerBytes),
        ] {
            if value.trimmingWhitespace.isEmpty {
                throw .invalid("\(prefix).\(field)", "\(field) must not be empty")
            }
            if value.utf8.count > limit {
                throw .invalid(
                    "\(prefix).\(field)",
                    "\(field) is at most \(limit) UTF-8 bytes, got \(value.utf8.count)"
                )
            }
        }
        if alternateQuestions.count > Self.maxAlternateQuestions {
            throw .invalid(
                "\(prefix).alternate_questions",
                "at most \(Self.maxAlternateQuestions) alternate questions, got \(alternateQuestions.count)"
            )
        }
        for (position, alternate) in alternateQuestions.enumerated() {
            let field = "\(prefix).alternate_questions[\(position)]"
            if alternate.trimmingWhitespace.isEmpty { throw .invalid(field, "an alternate question must not be empty") }
            if alternate.utf8.count > Self.maxQuestionBytes {
                throw .invalid(
                    field,
                    "an alternate question is at most \(Self.maxQuestionBytes) UTF-8 bytes, got \(alternate.utf8.count)"
                )
            }
        }
        if language == .und {
            throw .invalid("\(prefix).language", "language is en or zh (or leave it out to detect it)")
        }
    }
}

public enum FAQKind: IdentifierKind { public static var name: String { "FAQ id" } }
public typealias FAQID = Identifier<FAQKind>

public enum ConversationKind: IdentifierKind { public static var name: String { "conversation id" } }
public typealias ConversationID = Identifier<ConversationKind>

extension String {
    /// The string without leading and trailing whitespace and newlines (Foundation-free).
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
