/// A conversation with the assistant, kept per shopper for review (`GET
/// /v1/assistant/conversations/{id}`) and erased with the user.
public struct Conversation: Sendable, Equatable {
    public var id: ConversationID
    /// Who talks: a user, or a device that is linked to none.
    public var userID: UserID?
    public var deviceID: DeviceID?
    /// What the next message is read against.
    public var focus: ConversationFocus
    /// The turns, oldest first.
    public var turns: [ConversationTurn]
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?

    public init(
        id: ConversationID,
        userID: UserID?,
        deviceID: DeviceID?,
        focus: ConversationFocus = ConversationFocus(),
        turns: [ConversationTurn] = [],
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil
    ) {
        self.id = id
        self.userID = userID
        self.deviceID = deviceID
        self.focus = focus
        self.turns = turns
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Most turns kept per conversation: a longer one keeps its newest.
    public static let maxTurns = 200
}

/// What a conversation is about now, so that "does it come in black?" after a product, or
/// "when will it arrive?" after an order, need not name them again.
public struct ConversationFocus: Sendable, Equatable, Codable {
    /// The product talked about last.
    public var itemID: ItemID?
    /// The order talked about last.
    public var orderID: OrderID?
    /// The shopper's language in the last message.
    public var language: TextLanguage?
    /// Complaints so far: the second hands the conversation to a person.
    public var complaints: Int

    public init(itemID: ItemID? = nil, orderID: OrderID? = nil, language: TextLanguage? = nil, complaints: Int = 0) {
        self.itemID = itemID
        self.orderID = orderID
        self.language = language
        self.complaints = complaints
    }

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case orderID = "order_id"
        case language, complaints
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.decodeIfPresent(String.self, forKey: .itemID).map(ItemID.init)
        orderID = try container.decodeIfPresent(String.self, forKey: .orderID).map(OrderID.init)
        language = try container.decodeIfPresent(TextLanguage.self, forKey: .language)
        complaints = try container.decodeIfPresent(Int.self, forKey: .complaints) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(itemID?.rawValue, forKey: .itemID)
        try container.encodeIfPresent(orderID?.rawValue, forKey: .orderID)
        try container.encodeIfPresent(language, forKey: .language)
        try container.encode(complaints, forKey: .complaints)
    }
}

/// Where a reply's facts came from.
public struct AssistantSource: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case faq, order, item, review
    }

    public var kind: Kind
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// One message in a conversation: the shopper's, or the assistant's reply with how it read
/// the message.
public struct ConversationTurn: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable {
        case shopper, assistant
    }

    public var role: Role
    public var text: String
    /// The assistant's turns: the intent it read, its confidence, its sources and whether it
    /// handed over to a person.
    public var intent: AssistantIntent?
    public var confidence: Double?
    public var sources: [AssistantSource]
    public var handoff: Bool
    public var at: Timestamp

    public init(
        role: Role,
        text: String,
        intent: AssistantIntent? = nil,
        confidence: Double? = nil,
        sources: [AssistantSource] = [],
        handoff: Bool = false,
        at: Timestamp
    ) {
        self.role = role
        self.text = text
        self.intent = intent
        self.confidence = confidence
        self.sources = sources
        self.handoff = handoff
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case role, text, intent, confidence, sources, handoff, at
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(Role.self, forKey: .role)
        text = try container.decode(String.self, forKey: .text)
        intent = try container.decodeIfPresent(AssistantIntent.self, forKey: .intent)
        confidence = try container.decodeIfPresent(Double.self, forKey: .confidence)
        sources = try container.decodeIfPresent([AssistantSource].self, forKey: .sources) ?? []
        handoff = try container.decodeIfPresent(Bool.self, forKey: .handoff) ?? false
        at = Timestamp(millisecondsSinceEpoch: try container.decode(Int64.self, forKey: .at))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(intent, forKey: .intent)
        try container.encodeIfPresent(confidence, forKey: .confidence)
        if !sources.isEmpty { try container.encode(sources, forKey: .sources) }
        if handoff { try container.encode(handoff, forKey: .handoff) }
        try container.encode(at.millisecondsSinceEpoch, forKey: .at)
    }
}

/// A shopper's message to the assistant, validated (`AssistantMessageBody.message()`).
public struct AssistantMessage: Sendable, Equatable {
    public var userID: UserID?
    public var deviceID: DeviceID?
    /// A conversation to continue (from an earlier reply); nil starts one.
    public var conversationID: ConversationID?
    /// The product page the shopper is on.
    public var itemID: ItemID?
    /// The shopper's language; nil: read from the text.
    public var language: TextLanguage?
    public var text: String

    public init(
        userID: UserID? = nil,
        deviceID: DeviceID? = nil,
        conversationID: ConversationID? = nil,
        itemID: ItemID? = nil,
        language: TextLanguage? = nil,
        text: String
    ) {
        self.userID = userID
        self.deviceID = deviceID
        self.conversationID = conversationID
        self.itemID = itemID
        self.language = language
        self.text = text
    }
}

/// Something the app can offer as a button under a reply.
public struct AssistantAction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Open the item's page (`item_id`).
        case viewItem = "view_item"
        /// Show the order (`order_id`).
        case trackOrder = "track_order"
        /// Ask the shopper to sign in (personal answers need it).
        case signIn = "sign_in"
        /// Hand over to a person.
        case contactHuman = "contact_human"
        /// Show search results for `query`.
        case search
    }

    public var type: Kind
    public var itemID: String?
    public var orderID: String?
    public var query: String?
    /// The carrier's tracking number, with `track_order`.
    public var trackingNumber: String?

    public init(
        type: Kind,
        itemID: String? = nil,
        orderID: String? = nil,
        query: String? = nil,
        trackingNumber: String? = nil
    ) {
        self.type = type
        self.itemID = itemID
        self.orderID = orderID
        self.query = query
        self.trackingNumber = trackingNumber
    }

    enum CodingKeys: String, CodingKey {
        case type
        case itemID = "item_id"
        case orderID = "order_id"
        case query
        case trackingNumber = "tracking_number"
    }
}

/// Who wrote a reply's text.
public enum ReplyAuthor: String, Sendable, Codable {
    case template
    case model
}

/// What became of asking the language model to phrase a reply.
public enum ReplyModelOutcome: String, Sendable {
    /// Its text was sent.
    case written
    /// It failed (could not be reached, answered an error or something unreadable).
    case failed
    /// It did not answer within `--llm-timeout-ms`.
    case timedOut = "timed_out"
    /// Its text was refused: empty, too long, in another language, or with a number, link or
    /// address the facts do not hold.
    case rejected
}

/// The assistant's answer, before it is encoded.
public struct AssistantReply: Sendable {
    public var conversationID: ConversationID
    public var intent: AssistantIntent
    public var confidence: Float
    public var language: TextLanguage
    public var text: String
    public var items: [(item: Item, score: Double)]
    public var actions: [AssistantAction]
    public var sources: [AssistantSource]
    public var handoff: Bool
    /// Whether the reply's facts are the same for every shopper (an FAQ, the catalog, reviews):
    /// only such a reply is ever given to the language model to phrase.
    public var sharedFacts = false
    /// Who wrote `text`: the template, or the language model from the template's facts.
    public var writtenBy = ReplyAuthor.template
    /// What became of asking the language model (nil: it was not asked).
    public var modelOutcome: ReplyModelOutcome?

    public init(
        conversationID: ConversationID,
        intent: AssistantIntent,
        confidence: Float,
        language: TextLanguage,
        text: String,
        items: [(item: Item, score: Double)] = [],
        actions: [AssistantAction] = [],
        sources: [AssistantSource] = [],
        handoff: Bool = false
    ) {
        self.conversationID = conversationID
        self.intent = intent
        self.confidence = confidence
        self.language = language
        self.text = text
        self.items = items
        self.actions = actions
        self.sources = sources
        self.handoff = handoff
    }
}
