import AisleCore
import AisleStore
import Testing

/// The assistant's FAQs, orders and conversations, on every store.
@Suite struct AssistantStoreTests {
    static func order(_ id: String, user: String, minutes: Int = 0, status: Order.Status = .shipped) -> Order {
        Order(
            id: OrderID(id),
            userID: UserID(user),
            status: status,
            lines: [Order.Line(itemID: ItemID("a"), quantity: 2, price: 9.5)],
            carrier: "UPS",
            trackingNumber: "1Z999",
            eta: .t0(plusMinutes: 60 * 24),
            updatedAt: .t0(plusMinutes: minutes)
        )
    }

    @Test(
        "FAQs are replaced as a whole, read back in order, with a revision one more each time",
        arguments: StoreKind.allCases
    )
    func faqs(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.faqs().revision == 0)
        #expect(try await store.faqs().entries.isEmpty)
        let first = [
            FAQ(id: FAQID("returns"), question: "How do returns work?", answer: "Within 30 days.", language: .en),
            FAQ(id: FAQID("returns-zh"), question: "怎么退货？", answer: "30天内可以退货。", language: .zh),
            FAQ(
                id: FAQID("shipping"),
                question: "Shipping cost?",
                answer: "Free over $49.",
                alternateQuestions: ["postage", "运费 \"quoted\", 'too'"]
            ),
        ]
        #expect(try await store.setFAQs(first, at: .t0) == 1)
        let stored = try await store.faqs()
        #expect(stored.entries == first)
        #expect(stored.revision == 1)
        let second = [FAQ(id: FAQID("shipping"), question: "Shipping cost?", answer: "Free over $59.")]
        #expect(try await store.setFAQs(second, at: .t0(plusMinutes: 1)) == 2)
        #expect(try await store.faqs().entries == second, "the earlier set is gone")
        #expect(try await store.setFAQs([], at: .t0(plusMinutes: 2)) == 3)
        #expect(try await store.faqs().entries.isEmpty)
    }

    @Test(
        "an order reads back field for field; a later put replaces it and keeps created_at",
        arguments: StoreKind.allCases
    )
    func orderRoundTrip(kind: StoreKind) async throws {
        let store = try await kind.make()
        let stored = try await store.putOrder(Self.order("A-1043", user: "u1"), at: .t0)
        #expect(stored.createdAt == .t0)
        let read = try #require(try await store.order(OrderID("A-1043")))
        #expect(read == stored)
        #expect(read.lines == [Order.Line(itemID: ItemID("a"), quantity: 2, price: 9.5)])
        var delivered = Self.order("A-1043", user: "u1", minutes: 5, status: .delivered)
        delivered.carrier = nil
        let replaced = try await store.putOrder(delivered, at: .t0(plusMinutes: 5))
        #expect(replaced.createdAt == .t0)
        #expect(try await store.order(OrderID("A-1043"))?.status == .delivered)
        #expect(try await store.order(OrderID("A-1043"))?.carrier == nil)
        #expect(try await store.order(OrderID("a-1043")) == nil, "ids are byte-exact")
        // Without its own updated_at an order takes the time of the put.
        var undated = Self.order("B-1", user: "u1")
        undated.updatedAt = nil
        #expect(try await store.putOrder(undated, at: .t0(plusMinutes: 9)).updatedAt == .t0(plusMinutes: 9))
    }

    @Test(
        "a user's orders: theirs only, most recently updated first, at most the limit",
        arguments: StoreKind.allCases
    )
    func ordersOfUser(kind: StoreKind) async throws {
        let store = try await kind.make()
        for (id, user, minutes) in [("o1", "u1", 1), ("o2", "u1", 3), ("o3", "u2", 2), ("o4", "u1", 2)] {
            _ = try await store.putOrder(Self.order(id, user: user, minutes: minutes), at: .t0)
        }
        #expect(try await store.orders(of: UserID("u1"), limit: 10).map(\.id.rawValue) == ["o2", "o4", "o1"])
        #expect(try await store.orders(of: UserID("u1"), limit: 1).map(\.id.rawValue) == ["o2"])
        #expect(try await store.orders(of: UserID("u2"), limit: 10).map(\.id.rawValue) == ["o3"])
        #expect(try await store.orders(of: UserID("nobody"), limit: 10).isEmpty)
    }

    @Test(
        "a conversation keeps its owner and newest focus, and appends turns in order",
        arguments: StoreKind.allCases
    )
    func conversations(kind: StoreKind) async throws {
        let store = try await kind.make()
        var conversation = Conversation(id: ConversationID("c1"), userID: UserID("u1"), deviceID: nil)
        let first = [
            ConversationTurn(role: .shopper, text: "这件有黑色吗？", at: .t0),
            ConversationTurn(
                role: .assistant,
                text: "有",
                intent: .productQuestion,
                confidence: 0.9,
                sources: [AssistantSource(kind: .item, id: "a")],
                at: .t0
            ),
        ]
        try await store.saveConversation(conversation, appending: first, at: .t0)
        conversation.focus = ConversationFocus(
            itemID: ItemID("a"),
            orderID: OrderID("o1"),
            language: .zh,
            complaints: 1
        )
        let second = [ConversationTurn(role: .shopper, text: "thanks", at: .t0(plusMinutes: 1))]
        try await store.saveConversation(conversation, appending: second, at: .t0(plusMinutes: 1))
        let stored = try #require(try await store.conversation(ConversationID("c1"), turnLimit: 10))
        #expect(stored.userID == UserID("u1"))
        #expect(stored.focus == conversation.focus)
        #expect(stored.turns == first + second)
        #expect(stored.createdAt == .t0)
        #expect(stored.updatedAt == .t0(plusMinutes: 1))
        #expect(try await store.conversation(ConversationID("c1"), turnLimit: 1)?.turns == second, "the newest")
        #expect(try await store.conversation(ConversationID("nope"), turnLimit: 10) == nil)
    }

    @Test("a conversation past its turn limit keeps the newest turns", arguments: StoreKind.allCases)
    func turnLimit(kind: StoreKind) async throws {
        let store = try await kind.make()
        let conversation = Conversation(id: ConversationID("long"), userID: nil, deviceID: DeviceID("d1"))
        let turns = (0..<(Conversation.maxTurns + 10)).map {
            ConversationTurn(role: .shopper, text: "message \($0)", at: .t0)
        }
        try await store.saveConversation(conversation, appending: Array(turns.prefix(100)), at: .t0)
        try await store.saveConversation(conversation, appending: Array(turns.dropFirst(100)), at: .t0)
        let stored = try #require(try await store.conversation(conversation.id, turnLimit: 1_000))
        #expect(stored.turns.count == Conversation.maxTurns)
        #expect(stored.turns.last?.text == "message \(Conversation.maxTurns + 9)")
        #expect(stored.turns.first?.text == "message 10")
    }

    @Test(
        "concurrent saves to one conversation keep every turn, each save's turns together; FAQ sets replaced at once leave one",
        arguments: StoreKind.allCases
    )
    func concurrentSaves(kind: StoreKind) async throws {
        let store = try await kind.make()
        let conversation = Conversation(id: ConversationID("busy"), userID: UserID("u1"), deviceID: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<6 {
                group.addTask {
                    let turns = (0..<3).map { ConversationTurn(role: .shopper, text: "w\(writer) t\($0)", at: .t0) }
                    try await store.saveConversation(conversation, appending: turns, at: .t0(plusMinutes: writer))
                }
                group.addTask {
                    let faqs = (0..<5).map {
                        FAQ(
                            id: FAQID("f\($0)"),
                            question: "question \($0) of set \(writer)?",
                            answer: "answer \(writer)"
                        )
                    }
                    _ = try await store.setFAQs(faqs, at: .t0(plusMinutes: writer))
                }
            }
            try await group.waitForAll()
        }
        let stored = try #require(try await store.conversation(conversation.id, turnLimit: 100))
        #expect(stored.turns.count == 18)
        for start in stride(from: 0, to: 18, by: 3) {
            let writer = stored.turns[start].text.prefix(2)
            #expect(stored.turns[start..<(start + 3)].map(\.text) == (0..<3).map { "\(writer) t\($0)" })
        }
        let (faqs, revision) = try await store.faqs()
        #expect(revision == 6 && faqs.count == 5)
        #expect(Set(faqs.map(\.answer)).count == 1, "one set whole, not a mix")
    }

    @Test(
        "erasing a user deletes their orders and the conversations of the user and their devices",
        arguments: StoreKind.allCases
    )
    func erasure(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.appendEvents([.fixture(device: "phone", item: "a")], receivedAt: .t0)
        _ = try await store.identify(device: DeviceID("phone"), as: UserID("u1"), at: .t0, relinking: .refuse)
        _ = try await store.putOrder(Self.order("o1", user: "u1"), at: .t0)
        _ = try await store.putOrder(Self.order("o2", user: "u2"), at: .t0)
        let turn = [ConversationTurn(role: .shopper, text: "hi", at: .t0)]
        for (id, user, device) in [("c1", "u1", nil), ("c2", nil, "phone"), ("c3", "u2", nil)]
            as [(String, String?, String?)]
        {
            let conversation = Conversation(
                id: ConversationID(id),
                userID: user.map(UserID.init),
                deviceID: device.map(DeviceID.init)
            )
            try await store.saveConversation(conversation, appending: turn, at: .t0)
        }
        #expect(
            try await store.conversationIDs(of: UserID("u1"), devices: [DeviceID("phone")]).map(\.rawValue).sorted()
                == ["c1", "c2"]
        )
        let erased = try await store.eraseUser(UserID("u1"))
        #expect(erased.orders == 1)
        #expect(erased.conversations == 2)
        #expect(try await store.order(OrderID("o1")) == nil)
        #expect(try await store.order(OrderID("o2")) != nil, "another user's order stays")
        #expect(try await store.conversation(ConversationID("c1"), turnLimit: 10) == nil)
        #expect(try await store.conversation(ConversationID("c2"), turnLimit: 10) == nil)
        #expect(try await store.conversation(ConversationID("c3"), turnLimit: 10) != nil)
    }
}
