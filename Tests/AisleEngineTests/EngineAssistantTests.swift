import AisleCore
import AisleEngine
import AisleStore
import Foundation
import Testing

/// The assistant in-process, without text models (the classifier's lexical head and FAQ
/// retrieval by words): grounded answers, orders only for the verified user, conversations.
@Suite struct EngineAssistantTests {
    static let faqs = [
        FAQ(
            id: FAQID("returns-window"),
            question: "How many days do I have to return an item?",
            answer: "You can return items within 30 days of delivery.",
            language: .en
        ),
        FAQ(id: FAQID("returns-window-zh"), question: "收到商品后多少天内可以退货？", answer: "签收后30天内可以退货。", language: .zh),
        FAQ(
            id: FAQID("shipping-cost"),
            question: "How much does shipping cost?",
            answer: "Shipping is free on orders over $49.",
            language: .en
        ),
        FAQ(id: FAQID("shipping-cost-zh"), question: "运费怎么算？", answer: "订单满299元包邮。", language: .zh),
    ]

    static func fixture() async throws -> EngineFixture {
        let fixture = try EngineFixture()
        var jacket = EngineFixture.item("j1", "Waterproof rain jacket", brand: "Fjellby")
        jacket.attributes = ["color": .array([.string("black"), .string("red")]), "material": .string("nylon")]
        jacket.description = "A light jacket for wet days. It packs into its own pocket."
        _ = try await fixture.engine.upsertItems([jacket] + EngineFixture.shop.dropFirst())
        _ = try await fixture.engine.putFAQs(Self.faqs)
        for (id, user) in [("5521", "u1"), ("A1043", "u1"), ("7730", "u2")] {
            _ = try await fixture.engine.putOrder(
                Order(
                    id: OrderID(id),
                    userID: UserID(user),
                    status: .shipped,
                    lines: [Order.Line(itemID: ItemID("j1"), quantity: 1)],
                    carrier: "UPS",
                    trackingNumber: "TRACK-\(id)"
                )
            )
        }
        return fixture
    }

    static func ask(
        _ fixture: EngineFixture,
        _ text: String,
        user: String? = "u1",
        device: String? = nil,
        verified: Bool = true,
        conversation: ConversationID? = nil,
        item: String? = nil
    ) async throws -> AssistantReply {
        try await fixture.engine.assistantReply(
            to: AssistantMessage(
                userID: user.map(UserID.init),
                deviceID: device.map(DeviceID.init),
                conversationID: conversation,
                itemID: item.map(ItemID.init),
                text: text
            ),
            verifiedUser: verified ? user.map(UserID.init) : nil
        )
    }

    @Test(
        "policy questions are answered from the FAQ in the shopper's language, naming it as the source",
        arguments: [
            ("how many days do i have to return an item", "returns-window", TextLanguage.en),
            ("多少天内可以退货", "returns-window-zh", .zh),
            ("运费怎么算啊", "shipping-cost-zh", .zh),
        ]
    )
    func faqAnswers(text: String, faq: String, language: TextLanguage) async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, text)
        #expect(reply.sources == [AssistantSource(kind: .faq, id: faq)], "\(reply.text)")
        #expect(reply.language == language)
        #expect(reply.text == Self.faqs.first { $0.id.rawValue == faq }?.answer)
    }

    @Test("a policy question no FAQ answers is declined with a human offered, not made up")
    func noMadeUpPolicy() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "can I pay with bitcoin?")
        #expect(reply.sources.isEmpty)
        #expect(reply.actions.map(\.type) == [.contactHuman])
        #expect(!reply.handoff)
    }

    @Test("the verified user's own order: status, carrier, tracking; by number, or the latest")
    func ownOrder() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "where is my order 5521")
        #expect(reply.intent == .orderStatus)
        #expect(reply.sources == [AssistantSource(kind: .order, id: "5521")])
        #expect(reply.text.contains("UPS") && reply.text.contains("TRACK-5521"))
        // Typed in lower case, the id is found as the backend wrote it.
        let lower = try await Self.ask(fixture, "where is order a1043?")
        #expect(lower.sources == [AssistantSource(kind: .order, id: "A1043")])
        let chinese = try await Self.ask(fixture, "我的快递到哪了", user: "u2")
        #expect(chinese.sources == [AssistantSource(kind: .order, id: "7730")])
        #expect(chinese.language == .zh)
    }

    @Test("no order is revealed without proof of who asks, and another's order reads as unknown")
    func orderIsolation() async throws {
        let fixture = try await Self.fixture()
        let unverified = try await Self.ask(fixture, "where is my order 5521", verified: false)
        #expect(unverified.actions.map(\.type) == [.signIn])
        #expect(!unverified.text.contains("UPS") && unverified.sources.isEmpty)
        let device = try await Self.ask(fixture, "where is my order 5521", user: nil, device: "d1", verified: false)
        #expect(device.actions.map(\.type) == [.signIn])
        // Every order asked for by every other user: the same answer as for a number that
        // does not exist, with no trace of the order in it.
        let owners = ["5521": "u1", "A1043": "u1", "7730": "u2"]
        for (order, owner) in owners {
            for asker in ["u1", "u2", "u3"] where asker != owner {
                let reply = try await Self.ask(fixture, "where is my order \(order)", user: asker)
                let missing = try await Self.ask(fixture, "where is my order \(order)0", user: asker)
                #expect(reply.sources.isEmpty, "\(asker) asking for \(order)")
                #expect(!reply.text.contains("TRACK") && !reply.text.contains("UPS"))
                #expect(
                    reply.text.replacingOccurrences(of: order, with: "#")
                        == missing.text.replacingOccurrences(of: order + "0", with: "#")
                )
            }
        }
    }

    @Test("a product question is answered from the item's own attributes, quoted")
    func productQuestion() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "does it come in black?", item: "j1")
        #expect(reply.intent == .productQuestion)
        #expect(reply.text.contains("color: black, red"), "\(reply.text)")
        #expect(reply.sources.first == AssistantSource(kind: .item, id: "j1"))
        // The next message is about the same item without naming it.
        let next = try await Self.ask(fixture, "what material is it made of?", conversation: reply.conversationID)
        #expect(next.text.contains("material: nylon"), "\(next.text)")
        let unknown = try await Self.ask(fixture, "is it machine washable?", conversation: reply.conversationID)
        #expect(!unknown.text.contains("color"), "nothing the item does not say: \(unknown.text)")
    }

    @Test("multi-turn: the order in focus answers the follow-up")
    func orderFocus() async throws {
        let fixture = try await Self.fixture()
        let first = try await Self.ask(fixture, "where is my order A1043")
        let next = try await Self.ask(fixture, "has it shipped yet?", conversation: first.conversationID)
        #expect(next.sources == [AssistantSource(kind: .order, id: "A1043")], "\(next.text)")
    }

    @Test("asking for a person hands over at once; a second complaint does too")
    func handoff() async throws {
        let fixture = try await Self.fixture()
        #expect(try await Self.ask(fixture, "let me talk to a real person").handoff)
        #expect(try await Self.ask(fixture, "转人工").handoff)
        let first = try await Self.ask(fixture, "this is the worst service ever, I'm so angry")
        #expect(first.intent == .complaint && !first.handoff)
        let second = try await Self.ask(
            fixture,
            "still terrible, nobody helps, awful shop",
            conversation: first.conversationID
        )
        #expect(second.intent == .complaint && second.handoff)
    }

    @Test("product search answers items from the catalog")
    func productSearch() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "do you have hiking boots?")
        #expect(reply.intent == .productSearch)
        #expect(reply.items.map(\.item.id.rawValue).first == "b1")
        #expect(reply.sources.first == AssistantSource(kind: .item, id: "b1"))
    }

    @Test("the conversation is kept with both sides' turns; another shopper cannot continue it")
    func conversations() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "hi")
        #expect(reply.intent == .greeting)
        let stored = try #require(try await fixture.engine.conversation(reply.conversationID))
        #expect(stored.turns.map(\.role) == [.shopper, .assistant])
        #expect(stored.turns.last?.intent == .greeting)
        await #expect(throws: AisleError.self) {
            _ = try await Self.ask(fixture, "hi", user: "u2", conversation: reply.conversationID)
        }
        await #expect(throws: AisleError.self) {
            _ = try await Self.ask(fixture, "hi", conversation: ConversationID("conv_unknown"))
        }
    }

    @Test("erasing a user deletes their orders and conversations; an export has them before")
    func privacy() async throws {
        let fixture = try await Self.fixture()
        let reply = try await Self.ask(fixture, "where is my order 5521")
        let export = try #require(try await fixture.engine.exportProfile(of: UserID("u1")))
        #expect(Set(export.orders.map(\.id.rawValue)) == ["5521", "A1043"])
        #expect(export.conversations.map(\.id) == [reply.conversationID])
        let erased = try await fixture.engine.eraseUser(UserID("u1"))
        #expect(erased.orders == 2 && erased.conversations == 1)
        #expect(try await fixture.engine.conversation(reply.conversationID) == nil)
        #expect(try await fixture.engine.orders(of: UserID("u1"), limit: 10).isEmpty)
        #expect(try await fixture.engine.order(OrderID("7730")) != nil)
    }
}
