public import AisleCore
import AisleSearch
public import AisleStore
import AisleText
import Foundation

/// The shopping assistant (docs/ASSISTANT.md): the store's FAQs and shoppers' orders, and
/// answers to shoppers' messages grounded in them, the catalog and its reviews.
extension Engine {
    /// Replaces the FAQ set; answers it as stored with its revision. Retrieval by words uses it
    /// at once; by meaning once its questions are embedded, in the background.
    public func putFAQs(_ faqs: [FAQ]) async throws -> (entries: [FAQ], revision: Int) {
        let revision = try await store.setFAQs(faqs, at: .now())
        assistant.publish(faqs, revision: revision, models: textModels)
        await store.publish(.faqs)
        return (faqs, revision)
    }

    /// The FAQ set, its revision (0 before any was put), and how many of its entries this
    /// node matches by meaning already (their questions embedded; 0 without the text model).
    public func faqs() async throws -> (entries: [FAQ], revision: Int, embedded: Int) {
        let (entries, revision) = try await store.faqs()
        _ = assistant.served(entries, revision: revision, models: textModels)
        return (entries, revision, assistant.embeddedCount(revision: revision) ?? 0)
    }

    /// Returns once the FAQs put last are embedded (at once without text models).
    public func waitUntilFAQsEmbedded() async {
        _ = try? await assistant.index(store: store, models: textModels)
        await assistant.waitUntilEmbedded()
    }

    /// Stores an order; answers it as stored.
    public func putOrder(_ order: Order) async throws -> Order {
        try await store.putOrder(order, at: .now())
    }

    public func order(_ id: OrderID) async throws -> Order? {
        try await store.order(id)
    }

    /// The user's orders, most recently updated first.
    public func orders(of user: UserID, limit: Int) async throws -> [Order] {
        try await store.orders(of: user, limit: limit)
    }

    /// The conversation with its newest turns, or nil.
    public func conversation(_ id: ConversationID) async throws -> Conversation? {
        try await store.conversation(id, turnLimit: Conversation.maxTurns)
    }

    /// Answers a shopper's message and keeps it in its conversation. `verifiedUser` is the
    /// user the caller proved to speak for (the admin key, or a user token matching
    /// `message.userID`): only then are orders read, and only that user's. Throws `not_found`
    /// for a `conversationID` that is not this shopper's, `unavailable` without the intent model.
    public func assistantReply(to message: AssistantMessage, verifiedUser: UserID?) async throws -> AssistantReply {
        let classifier = try assistant.classifier.get()
        let now = Timestamp.now()
        var conversation = try await openConversation(for: message)
        let language = message.language ?? Self.language(of: message.text, focus: conversation.focus)
        var focus = conversation.focus
        focus.language = language
        if let item = message.itemID { focus.itemID = item }
        let vector = await queryVector(message.text, model: TextEncoder.multilingualModelName)
        let prediction = classifier.classify(message.text, vector: vector)
        let context = AssistantTurn(
            message: message,
            verifiedUser: verifiedUser,
            language: language,
            prediction: prediction,
            vector: vector
        )
        var reply = try await answer(context, focus: &focus)
        reply.conversationID = conversation.id
        if let replyRewriter, reply.sharedFacts, !reply.handoff {
            let phrased = await replyRewriter.rewrite(reply.text, question: message.text, language: language)
            reply.text = phrased.text
            reply.modelOutcome = phrased.outcome
            if phrased.outcome == .written { reply.writtenBy = .model }
        }
        conversation.focus = focus
        let turns = [
            ConversationTurn(role: .shopper, text: message.text, at: now),
            ConversationTurn(
                role: .assistant,
                text: reply.text,
                intent: reply.intent,
                confidence: Double(reply.confidence),
                sources: reply.sources,
                handoff: reply.handoff,
                at: now
            ),
        ]
        try await store.saveConversation(conversation, appending: turns, at: now)
        return reply
    }

    /// What one message brings: who asks, in which language, what the classifier read, and
    /// the message's multilingual-e5-small query vector.
    struct AssistantTurn {
        var message: AssistantMessage
        var verifiedUser: UserID?
        var language: TextLanguage
        var prediction: IntentClassifier.Prediction
        var vector: [Float]?
        /// The message's all-MiniLM-L6-v2 vector, once embedded (English FAQ answers read it).
        var englishVector: [Float]?
        var phrases: AssistantPhrases { AssistantPhrases(language: language) }
        var intent: AssistantIntent { prediction.intent }
    }

    /// Below this the classifier's reading is a guess: an FAQ that matches well answers instead.
    static let assistantIntentConfidence: Float = 0.5

    func answer(_ turn: AssistantTurn, focus: inout ConversationFocus) async throws -> AssistantReply {
        let phrases = turn.phrases
        var reply = AssistantReply(
            conversationID: ConversationID("-"),
            intent: turn.intent,
            confidence: turn.prediction.confidence,
            language: turn.language,
            text: ""
        )
        if turn.prediction.confidence < Self.assistantIntentConfidence, turn.intent != .greeting,
            turn.intent != .humanAgent, let faq = try await faqAnswer(turn)
        {
            reply.answer(with: faq)
            return reply
        }
        // On a product page, "what does it cost?" or "any discount on it?" may read as a payment or
        // promotion question: when the item itself answers it (its price, stock or a named
        // attribute), the item answers.
        if [.payment, .promotion, .shippingPolicy].contains(turn.intent), let id = focus.itemID,
            let item = try await item(id), !item.hidden,
            !ProductAnswer(item: item, phrases: phrases).facts(for: turn.message.text, summary: nil, strict: true)
                .facts.isEmpty
        {
            try await answerProductQuestion(turn, focus: &focus, into: &reply, item: item)
            return reply
        }
        switch turn.intent {
        case .greeting:
            reply.text = phrases.greeting
        case .humanAgent:
            reply.text = phrases.handoff
            reply.handoff = true
            reply.actions = [AssistantAction(type: .contactHuman)]
        case .complaint:
            focus.complaints += 1
            if focus.complaints >= 2 {
                reply.text = phrases.repeatedComplaint
                reply.handoff = true
                reply.actions = [AssistantAction(type: .contactHuman)]
            } else {
                reply.text = phrases.firstComplaint
            }
        case .orderStatus:
            try await answerOrder(turn, focus: &focus, into: &reply)
        case .productSearch:
            try await answerSearch(turn, into: &reply)
        case .recommendation:
            try await answerRecommendation(turn, focus: focus, into: &reply)
        case .productQuestion:
            try await answerProductQuestion(turn, focus: &focus, into: &reply)
        case .sizeAdvice where focus.itemID != nil:
            // "What sizes are there?" about the product in focus: its sizes, then the size guide.
            try await answerProductQuestion(turn, focus: &focus, into: &reply, addingFAQ: true)
        case .returnRefund, .shippingPolicy, .payment, .sizeAdvice, .account, .promotion:
            if let faq = try await faqAnswer(turn) {
                reply.answer(with: faq)
            } else {
                reply.text = phrases.notSure
                reply.actions = [AssistantAction(type: .contactHuman)]
            }
        }
        return reply
    }

    // MARK: - FAQs

    /// The FAQ that answers the message, in the shopper's language when it has a twin; nil
    /// below the answer bar.
    func faqAnswer(_ turn: AssistantTurn) async throws -> (text: String, sources: [AssistantSource])? {
        let index = try await assistant.index(store: store, models: textModels)
        // The English model's vector only where it is read: an English message, FAQs in English.
        var englishVector = turn.englishVector
        if englishVector == nil, turn.language == .en {
            englishVector = await queryVector(turn.message.text, model: AssistantKnowledge.englishModelName)
        }
        guard
            let best = index.answer(
                turn.message.text,
                vector: turn.vector,
                englishVector: englishVector,
                intent: turn.prediction.probabilities,
                language: turn.language
            )
        else { return nil }
        let chosen = index.twin(of: best.index, in: turn.language) ?? best.index
        let faq = index.entries[chosen]
        return (faq.answer, [AssistantSource(kind: .faq, id: faq.id.rawValue)])
    }

    // MARK: - Orders

    func answerOrder(_ turn: AssistantTurn, focus: inout ConversationFocus, into reply: inout AssistantReply)
        async throws
    {
        let phrases = turn.phrases
        guard let user = turn.verifiedUser else {
            reply.text = phrases.signIn
            reply.actions = [AssistantAction(type: .signIn)]
            return
        }
        var found: Order?
        if let mentioned = ChatText.orderMentions(turn.message.text).first {
            // Another shopper's order reads exactly like one that does not exist.
            found = try await ownOrder(mentioned, of: user)
            guard found != nil else {
                reply.text = phrases.unknownOrder(mentioned)
                return
            }
        } else if let focused = focus.orderID {
            found = try await ownOrder(focused.rawValue, of: user)
        }
        if found == nil { found = try await store.orders(of: user, limit: 1).first }
        guard let order = found else {
            reply.text = phrases.noOrders
            return
        }
        focus.orderID = order.id
        reply.text = phrases.order(order)
        reply.sources = [AssistantSource(kind: .order, id: order.id.rawValue)]
        reply.actions = [
            AssistantAction(type: .trackOrder, orderID: order.id.rawValue, trackingNumber: order.trackingNumber)
        ]
    }

    /// The order named `text` (as typed, or upper-cased: a1043 for A1043) when it is `user`'s.
    func ownOrder(_ text: String, of user: UserID) async throws -> Order? {
        for candidate in Set([text, text.uppercased()]).sorted() {
            guard (try? OrderID(validating: candidate, field: "order")) != nil else { continue }
            if let order = try await store.order(OrderID(candidate)), order.userID == user { return order }
        }
        return nil
    }

    // MARK: - Products

    func answerSearch(_ turn: AssistantTurn, into reply: inout AssistantReply) async throws {
        let query = Self.productQuery(turn.message.text)
        let items = try await searchItems(query, shopper: Self.shopper(of: turn.message), limit: 5)
        reply.text = items.isEmpty ? turn.phrases.noResults(query) : turn.phrases.searchResults(query)
        reply.items = items
        reply.sources = items.map { AssistantSource(kind: .item, id: $0.item.id.rawValue) }
        reply.actions = [AssistantAction(type: .search, query: query)]
    }

    func answerRecommendation(_ turn: AssistantTurn, focus: ConversationFocus, into reply: inout AssistantReply)
        async throws
    {
        let shopper = Self.shopper(of: turn.message)
        var query = FeedQuery()
        query.options.limit = 5
        let page = try await feed(for: shopper, query: query).page
        let items = try await self.items(page.items.map(\.itemID))
        let scores = Dictionary(page.items.map { ($0.itemID, Double($0.score)) }, uniquingKeysWith: { a, _ in a })
        reply.items = items.map { (item: $0, score: scores[$0.id] ?? 0) }
        reply.text = items.isEmpty ? turn.phrases.noRecommendations : turn.phrases.recommendations
        reply.sources = items.map { AssistantSource(kind: .item, id: $0.id.rawValue) }
    }

    func answerProductQuestion(
        _ asked: AssistantTurn,
        focus: inout ConversationFocus,
        into reply: inout AssistantReply,
        addingFAQ: Bool = false,
        item known: Item? = nil
    ) async throws {
        var turn = asked
        var item = known
        if item == nil { item = try await focus.itemID.asyncMap { try await self.item($0) } ?? nil }
        if item == nil {
            // An item named in the message: the best search match (any match: a message that
            // names no product of the shop finds none, or a loose one the reply names).
            let query = Self.productQuery(turn.message.text)
            let vector = await searchVector(query, alongside: &turn)
            item = try await searchItems(query, vector: vector, shopper: nil, limit: 1).first?.item
        }
        guard let item, !item.hidden else {
            if let faq = try await faqAnswer(turn) {
                reply.answer(with: faq)
            } else {
                reply.text = turn.phrases.whichProduct
            }
            return
        }
        focus.itemID = item.id
        let summary = try? await reviewSummary(of: item.id, period: .month)
        let answer = ProductAnswer(item: item, phrases: turn.phrases).facts(for: turn.message.text, summary: summary)
        reply.sources =
            [AssistantSource(kind: .item, id: item.id.rawValue)]
            + answer.usedReviews.map { AssistantSource(kind: .review, id: $0.rawValue) }
        reply.items = [(item: item, score: 1)]
        reply.actions = [AssistantAction(type: .viewItem, itemID: item.id.rawValue)]
        if answer.facts.isEmpty {
            if let faq = try await faqAnswer(turn) {
                reply.text = faq.text
                reply.sources += faq.sources
                reply.sharedFacts = true
            } else {
                reply.text = turn.phrases.productUnknown(item.title)
            }
        } else {
            reply.text = turn.phrases.productFacts(item.title, answer.facts)
            reply.sharedFacts = true
            if addingFAQ, let faq = try await faqAnswer(turn) {
                reply.text += " " + faq.text
                reply.sources += faq.sources
            }
        }
    }

    /// Up to `limit` visible items for `query` (with its vector by search's model, when
    /// embedded already), with their search scores.
    func searchItems(_ query: String, vector: [Float]? = nil, shopper: Shopper?, limit: Int) async throws -> [(
        item: Item, score: Double
    )] {
        guard !query.isEmpty else { return [] }
        var search = SearchQuery(text: query)
        search.limit = limit
        search.vector = vector
        let hits = try await self.search(search, shopper: shopper).results.hits
        let items = try await self.items(hits.map(\.itemID))
        let scores = Dictionary(hits.map { ($0.itemID, Double($0.score)) }, uniquingKeysWith: { a, _ in a })
        return items.filter { !$0.hidden }.map { (item: $0, score: scores[$0.id] ?? 0) }
    }

    /// `query`'s vector by search's text model (nil when search will not read one). When that
    /// model is the English one the FAQs read and the message is English, the message is
    /// embedded in the same batch and kept in `turn`: a product question that the item does
    /// not answer goes to the FAQs next, and one pass over the weights serves both texts.
    func searchVector(_ query: String, alongside turn: inout AssistantTurn) async -> [Float]? {
        guard let encoder, !query.isEmpty, (try? searchMode(nil, text: query)) != .lexical else { return nil }
        let both =
            turn.language == .en && turn.englishVector == nil && encoder.name == AssistantKnowledge.englishModelName
        let vectors = await encoder.embedInBackground(both ? [query, turn.message.text] : [query], as: .query).vectors
        if both, vectors.count == 2 { turn.englishVector = vectors[1] }
        return vectors.first
    }

    static func shopper(of message: AssistantMessage) -> Shopper {
        if let user = message.userID { return .user(user) }
        if let device = message.deviceID { return .device(device) }
        return .anonymous
    }

    /// Chat filler that is not what the shopper is looking for.
    static let searchFiller: [String] = [
        "do you have", "do you sell", "do you guys have", "i'm looking for", "im looking for", "i am looking for",
        "looking for", "i want to buy", "i want", "i need", "can you find", "can you show me", "show me", "find me",
        "any", "some", "please", "pls", "a pair of", "is there", "are there", "you got", "got any",
        "有没有", "有木有", "想买", "我想要", "我要", "帮我找", "找一款", "找一个", "找", "推荐", "请问", "一下", "吗", "呢", "啊", "亲",
    ]

    /// The message without chat filler and punctuation at its ends: what to search for.
    static func productQuery(_ text: String) -> String {
        var query = " " + ChatText.normalize(text) + " "
        for filler in searchFiller {
            let isHan = filler.unicodeScalars.first.map { $0.value >= 0x3000 } ?? false
            query = query.replacingOccurrences(of: isHan ? filler : " \(filler) ", with: " ")
        }
        return query.trimmingCharacters(in: CharacterSet.whitespaces.union(.punctuationCharacters).union(.symbols))
    }

    // MARK: - Conversations

    /// The conversation to continue (it must be this shopper's), or a new one.
    func openConversation(for message: AssistantMessage) async throws -> Conversation {
        guard let id = message.conversationID else {
            var generator = SystemRandomNumberGenerator()
            let random = (0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            return Conversation(
                id: ConversationID("conv_" + Hex.string(random)),
                userID: message.userID,
                deviceID: message.userID == nil ? message.deviceID : nil
            )
        }
        guard var conversation = try await store.conversation(id, turnLimit: 0),
            message.userID.map({ $0 == conversation.userID })
                ?? (conversation.userID == nil && message.deviceID == conversation.deviceID)
        else {
            throw AisleError.notFound("no conversation \"\(id.rawValue.prefix(64))\" for this shopper")
        }
        conversation.turns = []
        return conversation
    }

    /// The message's language; one without letters (an order number) keeps the conversation's.
    static func language(of text: String, focus: ConversationFocus) -> TextLanguage {
        if !text.contains(where: \.isLetter), let language = focus.language { return language }
        return ChatText.language(text)
    }

    /// The text's query vector by the text model `name`; nil when it is not installed.
    func queryVector(_ text: String, model name: String) async -> [Float]? {
        guard textModels.names.contains(name), let encoder = try? await textModels.encoder(named: name) else {
            return nil
        }
        return await encoder.embedInBackground([text], as: .query).vectors.first
    }
}

extension Optional {
    /// The wrapped value mapped by an async function.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension AssistantReply {
    /// The FAQ's answer as the reply: its text and source, shared facts the language model may
    /// phrase.
    fileprivate mutating func answer(with faq: (text: String, sources: [AssistantSource])) {
        text = faq.text
        sources = faq.sources
        sharedFacts = true
    }
}
