import Foundation

/// `PUT /v1/assistant/faqs` and its answer: the whole FAQ set.
public struct FAQSetBody: Codable, Sendable, Equatable {
    public var faqs: [Entry]
    /// The set's revision (in answers; ignored in a put).
    public var revision: Int?
    /// Entries this node already matches by meaning (`GET` answers only; ignored in a put).
    public var embedded: Int?

    /// One entry as sent and answered.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        public var question: String
        public var answer: String
        public var language: String?
        /// Left out of answers when there are none.
        public var alternateQuestions: [String]?

        public init(
            id: String,
            question: String,
            answer: String,
            language: String?,
            alternateQuestions: [String]? = nil
        ) {
            self.id = id
            self.question = question
            self.answer = answer
            self.language = language
            self.alternateQuestions = alternateQuestions
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, question, answer, language
            case alternateQuestions = "alternate_questions"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            question = try container.decode(String.self, forKey: .question)
            answer = try container.decode(String.self, forKey: .answer)
            language = try container.decodeIfPresent(String.self, forKey: .language)
            alternateQuestions = try container.decodeIfPresent([String].self, forKey: .alternateQuestions)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(question, forKey: .question)
            try container.encode(answer, forKey: .answer)
            try container.encodeIfPresent(language, forKey: .language)
            if let alternateQuestions, !alternateQuestions.isEmpty {
                try container.encode(alternateQuestions, forKey: .alternateQuestions)
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case faqs, revision, embedded
    }

    public init(faqs: [FAQ], revision: Int?, embedded: Int? = nil) {
        self.embedded = embedded
        self.faqs = faqs.map {
            Entry(
                id: $0.id.rawValue,
                question: $0.question,
                answer: $0.answer,
                language: $0.language?.rawValue,
                alternateQuestions: $0.alternateQuestions.isEmpty ? nil : $0.alternateQuestions
            )
        }
        self.revision = revision
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        faqs = try container.decode([Entry].self, forKey: .faqs)
        // Read back so that a GET's answer can be put again; a put ignores it.
        revision = try container.decodeIfPresent(Int.self, forKey: .revision)
        embedded = try container.decodeIfPresent(Int.self, forKey: .embedded)
    }

    /// The entries, validated: every problem is reported, each with its row's path
    /// (`faqs[3].answer`), in one error naming the first and counting the rest.
    public func entries() throws(AisleError) -> [FAQ] {
        if faqs.count > FAQ.maxCount {
            throw .invalid("faqs", "at most \(FAQ.maxCount) FAQs, got \(faqs.count)")
        }
        var entries: [FAQ] = []
        var seen: Set<FAQID> = []
        var problems: [AisleError] = []
        for (index, entry) in faqs.enumerated() {
            do throws(AisleError) {
                let id = try FAQID(validating: entry.id, field: "faqs[\(index)].id")
                guard seen.insert(id).inserted else {
                    throw .invalid("faqs[\(index)].id", "the id \"\(entry.id.prefix(64))\" appears twice")
                }
                var language: TextLanguage?
                if let name = entry.language {
                    guard let parsed = TextLanguage(rawValue: name), parsed != .und else {
                        throw .invalid("faqs[\(index)].language", "language is en or zh, got \"\(name.prefix(16))\"")
                    }
                    language = parsed
                }
                let faq = FAQ(
                    id: id,
                    question: entry.question,
                    answer: entry.answer,
                    language: language,
                    alternateQuestions: entry.alternateQuestions ?? []
                )
                try faq.validate(prefix: "faqs[\(index)]")
                entries.append(faq)
            } catch {
                problems.append(error)
            }
        }
        if var first = problems.first {
            if problems.count > 1 { first.message += " (and \(problems.count - 1) more rows with errors)" }
            throw first
        }
        return entries
    }
}

/// `PUT /v1/orders/{id}` (the id from the path) and the answers of the order reads.
public struct OrderBody: Codable, Sendable, Equatable {
    public var id: String?
    public var userID: String
    public var status: String
    public var items: [Order.Line]
    public var carrier: String?
    public var trackingNumber: String?
    public var eta: TimestampBody?
    public var updatedAt: TimestampBody?
    public var createdAt: TimestampBody?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case userID = "user_id"
        case status, items, carrier
        case trackingNumber = "tracking_number"
        case eta
        case updatedAt = "updated_at"
        case createdAt = "created_at"
    }

    public init(_ order: Order) {
        id = order.id.rawValue
        userID = order.userID.rawValue
        status = order.status.rawValue
        items = order.lines
        carrier = order.carrier
        trackingNumber = order.trackingNumber
        eta = order.eta.map(TimestampBody.init)
        updatedAt = order.updatedAt.map(TimestampBody.init)
        createdAt = order.createdAt.map(TimestampBody.init)
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        userID = try container.decode(String.self, forKey: .userID)
        status = try container.decode(String.self, forKey: .status)
        items = try container.decode([LineBody].self, forKey: .items).map(\.line)
        carrier = try container.decodeIfPresent(String.self, forKey: .carrier)
        trackingNumber = try container.decodeIfPresent(String.self, forKey: .trackingNumber)
        eta = try container.decodeIfPresent(TimestampBody.self, forKey: .eta)
        updatedAt = try container.decodeIfPresent(TimestampBody.self, forKey: .updatedAt)
        // Read back so that a GET's answer can be put again; a put keeps the stored one.
        createdAt = try container.decodeIfPresent(TimestampBody.self, forKey: .createdAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(userID, forKey: .userID)
        try container.encode(status, forKey: .status)
        try container.encode(items, forKey: .items)
        try container.encodeIfPresent(carrier, forKey: .carrier)
        try container.encodeIfPresent(trackingNumber, forKey: .trackingNumber)
        try container.encodeIfPresent(eta, forKey: .eta)
        try container.encodeIfPresent(updatedAt, forKey: .updatedAt)
        try container.encodeIfPresent(createdAt, forKey: .createdAt)
    }

    /// The order this describes (`id` from the path; an `id` in the body must match it).
    public func order(id: OrderID) throws(AisleError) -> Order {
        if let sent = self.id, sent != id.rawValue {
            throw .invalid("id", "the body's id \"\(sent.prefix(64))\" is not the path's \"\(id.rawValue.prefix(64))\"")
        }
        guard let status = Order.Status(rawValue: status) else {
            throw .invalid(
                "status",
                "status is one of \(Order.Status.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(status.prefix(32))\""
            )
        }
        let order = Order(
            id: id,
            userID: try UserID(validating: userID, field: "user_id"),
            status: status,
            lines: items,
            carrier: carrier,
            trackingNumber: trackingNumber,
            eta: eta?.timestamp,
            updatedAt: updatedAt?.timestamp
        )
        try order.validate()
        return order
    }

    /// A line as sent: `item_id`, `quantity`, optional `price`.
    struct LineBody: Decodable {
        var line: Order.Line

        enum CodingKeys: String, CodingKey, CaseIterable {
            case itemID = "item_id"
            case quantity, price
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let field = jsonPath(decoder.codingPath + [CodingKeys.itemID])
            line = Order.Line(
                itemID: try ItemID(validating: try container.decode(String.self, forKey: .itemID), field: field),
                quantity: try container.decode(Int.self, forKey: .quantity),
                price: try container.decodeIfPresent(Double.self, forKey: .price)
            )
        }
    }
}

/// `POST /v1/assistant/messages`: a shopper's message.
public struct AssistantMessageBody: Codable, Sendable, Equatable {
    public var userID: String?
    public var deviceID: String?
    public var conversationID: String?
    public var itemID: String?
    public var language: String?
    public var text: String

    /// Longest message, in UTF-8 bytes.
    public static let maxTextBytes = 2_000

    enum CodingKeys: String, CodingKey, CaseIterable {
        case userID = "user_id"
        case deviceID = "device_id"
        case conversationID = "conversation_id"
        case itemID = "item_id"
        case language, text
    }

    public init(
        userID: String? = nil,
        deviceID: String? = nil,
        conversationID: String? = nil,
        itemID: String? = nil,
        language: String? = nil,
        text: String
    ) {
        self.userID = userID
        self.deviceID = deviceID
        self.conversationID = conversationID
        self.itemID = itemID
        self.language = language
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        deviceID = try container.decodeIfPresent(String.self, forKey: .deviceID)
        conversationID = try container.decodeIfPresent(String.self, forKey: .conversationID)
        itemID = try container.decodeIfPresent(String.self, forKey: .itemID)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        text = try container.decode(String.self, forKey: .text)
    }

    /// The message, validated.
    public func message() throws(AisleError) -> AssistantMessage {
        let user = try userID.map { id throws(AisleError) in try UserID(validating: id, field: "user_id") }
        let device = try deviceID.map { id throws(AisleError) in try DeviceID(validating: id, field: "device_id") }
        if user == nil && device == nil {
            throw .invalid("user_id", "give user_id or device_id: who is asking")
        }
        if text.trimmingWhitespace.isEmpty { throw .invalid("text", "text must not be empty") }
        if text.utf8.count > Self.maxTextBytes {
            throw .invalid("text", "text is at most \(Self.maxTextBytes) UTF-8 bytes, got \(text.utf8.count)")
        }
        var language: TextLanguage?
        if let name = self.language {
            guard let parsed = TextLanguage(rawValue: name), parsed != .und else {
                throw .invalid(
                    "language",
                    "language is en or zh (or leave it out to detect it), got \"\(name.prefix(16))\""
                )
            }
            language = parsed
        }
        return AssistantMessage(
            userID: user,
            deviceID: device,
            conversationID: try conversationID.map { id throws(AisleError) in
                try ConversationID(validating: id, field: "conversation_id")
            },
            itemID: try itemID.map { id throws(AisleError) in try ItemID(validating: id, field: "item_id") },
            language: language,
            text: text
        )
    }
}

/// The assistant's answer to a message.
public struct AssistantReplyBody: Codable, Sendable, Equatable {
    public struct Intent: Codable, Sendable, Equatable {
        public var name: String
        public var confidence: Double
    }

    public struct Item: Codable, Sendable, Equatable {
        public var itemID: String
        public var title: String
        public var price: Double?
        public var score: Double

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case title, price, score
        }
    }

    public struct Reply: Codable, Sendable, Equatable {
        public var text: String
        public var items: [Item]
        public var actions: [AssistantAction]
        /// `template`, or `model` when the language model phrased the template's facts.
        public var writtenBy: String

        enum CodingKeys: String, CodingKey {
            case text, items, actions
            case writtenBy = "written_by"
        }
    }

    public var conversationID: String
    public var intent: Intent
    public var language: String
    public var reply: Reply
    public var sources: [AssistantSource]
    public var handoff: Bool

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id"
        case intent, language, reply, sources, handoff
    }

    public init(_ reply: AssistantReply) {
        conversationID = reply.conversationID.rawValue
        intent = Intent(name: reply.intent.rawValue, confidence: (Double(reply.confidence) * 1000).rounded() / 1000)
        language = reply.language.rawValue
        self.reply = Reply(
            text: reply.text,
            items: reply.items.map {
                Item(itemID: $0.item.id.rawValue, title: $0.item.title, price: $0.item.price, score: $0.score)
            },
            actions: reply.actions,
            writtenBy: reply.writtenBy.rawValue
        )
        sources = reply.sources
        handoff = reply.handoff
    }
}

/// `GET /v1/assistant/conversations/{id}`.
public struct ConversationBody: Codable, Sendable, Equatable {
    public var id: String
    public var userID: String?
    public var deviceID: String?
    public var focus: ConversationFocus
    public var turns: [ConversationTurn]
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?

    enum CodingKeys: String, CodingKey {
        case id
        case userID = "user_id"
        case deviceID = "device_id"
        case focus, turns
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(_ conversation: Conversation) {
        id = conversation.id.rawValue
        userID = conversation.userID?.rawValue
        deviceID = conversation.deviceID?.rawValue
        focus = conversation.focus
        turns = conversation.turns
        createdAt = conversation.createdAt.map(TimestampBody.init)
        updatedAt = conversation.updatedAt.map(TimestampBody.init)
    }
}
