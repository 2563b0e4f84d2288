import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// The shopping assistant through the real server with both text models: every intent in
/// English and Chinese, FAQ answers by meaning, orders only for their owner, the product in
/// focus across turns, and handoff.
@Suite(.serialized) struct AssistantEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let faqFile = repository.appendingPathComponent("bench/assistant/demo-faqs.json")

    static let items = #"""
        {"items": [
          {"id": "shoe-1", "title": "Trail running shoes", "categories": ["Shoes > Running"], "brand": "Stride", "price": 89,
           "attributes": {"color": ["black", "red"], "sizes": ["40", "41", "42", "43"]},
           "description": "Light trail shoes with a grippy sole. The upper is breathable mesh."},
          {"id": "shoe-2", "title": "男士跑步鞋 透气轻便", "categories": ["鞋 > 跑步鞋"], "brand": "飞跃", "price": 299,
           "attributes": {"颜色": ["白色", "蓝色"], "尺码": ["40", "41", "42"]}},
          {"id": "jacket-1", "title": "Waterproof rain jacket", "categories": ["Clothing > Jackets"], "price": 120,
           "attributes": {"material": "nylon", "waterproof": true}},
          {"id": "phone-1", "title": "蓝牙无线耳机 降噪", "categories": ["数码 > 耳机"], "price": 399,
           "attributes": {"续航": "30小时", "颜色": ["黑色"]}}
        ]}
        """#

    static let orders: [(id: String, user: String, carrier: String)] = [
        ("5521", "alice", "UPS"), ("A1043", "alice", "DHL"), ("7730", "bob", "顺丰"), ("8802", "carol", "FedEx"),
    ]

    /// Starts a server with both models and the shop's catalog, FAQs and orders, and waits
    /// until the FAQs are matched by meaning.
    static func withShop(
        environment: [String: String] = [:],
        _ body: (HTTP, [String: String]) async throws -> Void
    ) async throws {
        let server = ServerProcess()
        try server.start(environment: MultilingualEndToEndTests.both.merging(environment) { _, new in new })
        defer { server.stop() }
        try await withHTTP(server) { http in
            #expect(try await http.call(.POST, "/v1/items:batch", json: items).status == 200)
            let faqs = try Data(contentsOf: faqFile)
            let put = try await http.call(.PUT, "/v1/assistant/faqs", body: faqs)
            #expect(put.status == 200)
            let count = try put.decode(FAQSetBody.self).faqs.count
            var tokens: [String: String] = [:]
            for order in orders {
                let json = """
                    {"user_id": "\(order.user)", "status": "shipped", "items": [{"item_id": "shoe-1", "quantity": 1}],
                     "carrier": "\(order.carrier)", "tracking_number": "TRK-\(order.id)"}
                    """
                #expect(try await http.call(.PUT, "/v1/orders/\(order.id)", json: json).status == 200)
                tokens[order.user] = try await http.call(.POST, "/v1/users/\(order.user)/token", json: "{}")
                    .decode(UserTokenBody.self).token
            }
            // The questions are embedded in the background; wait until every one is.
            for _ in 0..<600 {
                let status = try await http.call(.GET, "/v1/assistant/faqs").decode(FAQSetBody.self)
                if status.embedded == count { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await http.call(.GET, "/v1/assistant/faqs").decode(FAQSetBody.self).embedded == count)
            try await body(http, tokens)
        }
    }

    static func ask(
        _ http: HTTP,
        _ text: String,
        user: String? = nil,
        device: String? = "phone-1",
        token: String? = nil,
        conversation: String? = nil,
        item: String? = nil
    ) async throws -> AssistantReplyBody {
        var fields: [String: String] = ["text": text]
        if let user { fields["user_id"] = user } else if let device { fields["device_id"] = device }
        if let conversation { fields["conversation_id"] = conversation }
        if let item { fields["item_id"] = item }
        let json = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
        let reply = try await http.call(
            .POST,
            "/v1/assistant/messages",
            key: ServerProcess.ingestKey,
            json: json,
            headers: token.map { ["X-Aisle-User-Token": $0] } ?? [:]
        )
        #expect(reply.status == 200, "\(text): \(String(decoding: reply.body, as: UTF8.self).prefix(300))")
        return try reply.decode(AssistantReplyBody.self)
    }

    /// Messages of every intent in both languages (none of them in the training set).
    static let messages: [(text: String, intent: String)] = [
        ("hey, good evening!", "greeting"), ("哈喽，在吗", "greeting"),
        ("i'm after some trail running shoes", "product_search"), ("想找一双透气的跑步鞋", "product_search"),
        ("what colours does it come in?", "product_question"), ("这个有白色的吗", "product_question"),
        ("what should I get my brother for his birthday?", "recommendation"), ("给我推荐几款热门的吧", "recommendation"),
        ("where's my package, order 5521", "order_status"), ("我买的东西到哪了", "order_status"),
        ("how do i send back a jacket that doesn't fit", "return_refund"), ("衣服不合适想退货，怎么操作", "return_refund"),
        ("do you deliver to canada and how much?", "shipping_policy"), ("你们发顺丰吗，几天能到", "shipping_policy"),
        ("my card keeps getting declined at checkout", "payment"), ("能用花呗分期付款吗", "payment"),
        ("i'm 175 cm and 70 kg, which size fits me?", "size_advice"), ("我平时穿42码，这双选哪个码", "size_advice"),
        ("this is unacceptable, the worst experience ever", "complaint"), ("太让人失望了，质量这么差", "complaint"),
        ("can i speak to a human please", "human_agent"), ("我要找人工客服", "human_agent"),
        ("how do i change my password?", "account"), ("怎么修改绑定的手机号", "account"),
        ("any discount codes right now?", "promotion"), ("最近有什么优惠活动吗", "promotion"),
    ]

    @Test("every intent in English and Chinese, each answered from the right kind of source")
    func intents() async throws {
        try await Self.withShop { http, tokens in
            var wrong: [String] = []
            for (text, intent) in Self.messages {
                let chinese = text.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }
                let reply = try await Self.ask(
                    http,
                    text,
                    user: "alice",
                    token: tokens["alice"],
                    item: intent == "product_question" ? (chinese ? "shoe-2" : "shoe-1") : nil
                )
                if reply.intent.name != intent { wrong.append("\(text) → \(reply.intent.name)") }
                #expect(reply.language == (chinese ? "zh" : "en"), "\(text)")
                #expect(!reply.reply.text.isEmpty)
                switch intent {
                case "order_status":
                    #expect(reply.sources.map(\.kind) == [.order], "\(text): \(reply.reply.text)")
                case "product_search":
                    #expect(!reply.reply.items.isEmpty, "\(text): \(reply.reply.text)")
                case "product_question":
                    #expect(reply.sources.first?.kind == .item, "\(text): \(reply.reply.text)")
                    #expect(reply.reply.text.contains(chinese ? "颜色" : "color"), "\(text): \(reply.reply.text)")
                case "human_agent":
                    #expect(reply.handoff)
                case "return_refund", "shipping_policy", "payment", "account":
                    #expect(reply.sources.first?.kind == .faq, "\(text): \(reply.reply.text)")
                    if let id = reply.sources.first?.id { #expect(id.hasSuffix("-zh") == chinese, "\(text) → \(id)") }
                default:
                    break
                }
            }
            // One miss in 26 is within the classifier's held-out accuracy; more is a regression.
            #expect(wrong.count <= 1, "\(wrong)")
        }
    }

    @Test("no shopper learns anything of another's order, asking for each one with their own token")
    func orderIsolation() async throws {
        try await Self.withShop { http, tokens in
            for asker in ["alice", "bob", "carol"] {
                for order in Self.orders {
                    let reply = try await Self.ask(
                        http,
                        "where is my order \(order.id)?",
                        user: asker,
                        token: tokens[asker]
                    )
                    let text = reply.reply.text
                    if order.user == asker {
                        #expect(text.contains("TRK-\(order.id)"), "\(asker) asking for their \(order.id): \(text)")
                    } else {
                        #expect(reply.sources.isEmpty, "\(asker) asking for \(order.id)")
                        #expect(!text.contains("TRK-") && !text.contains(order.carrier), "\(asker): \(text)")
                        #expect(reply.reply.actions.allSatisfy { $0.orderID == nil && $0.trackingNumber == nil })
                    }
                }
                // Without a token nobody's order is read, not even their own.
                let anonymous = try await Self.ask(http, "where is my order", user: asker)
                #expect(anonymous.reply.actions.map(\.type) == [.signIn])
                #expect(!anonymous.reply.text.contains("TRK-"))
            }
        }
    }

    @Test("the product in focus carries across turns and languages; a repeated complaint hands over")
    func multiTurn() async throws {
        try await Self.withShop { http, _ in
            let first = try await Self.ask(http, "does it come in black?", item: "shoe-1")
            #expect(first.reply.text.contains("black"), "\(first.reply.text)")
            let second = try await Self.ask(http, "and what sizes are there?", conversation: first.conversationID)
            #expect(second.reply.text.contains("sizes: 40, 41, 42, 43"), "\(second.reply.text)")
            #expect(second.sources.first == AssistantSource(kind: .item, id: "shoe-1"))
            let third = try await Self.ask(http, "有红色的吗", conversation: first.conversationID)
            #expect(third.language == "zh" && third.reply.text.contains("red"), "\(third.reply.text)")
            let angry = try await Self.ask(http, "this is the worst shop ever", conversation: first.conversationID)
            #expect(angry.intent.name == "complaint" && !angry.handoff)
            let again = try await Self.ask(http, "still awful, nobody helps me", conversation: first.conversationID)
            #expect(again.intent.name == "complaint" && again.handoff)
            let stored = try await http.call(.GET, "/v1/assistant/conversations/\(first.conversationID)")
                .decode(ConversationBody.self)
            #expect(stored.turns.count == 10)
            #expect(stored.turns.last?.handoff == true)
            #expect(stored.focus.itemID == ItemID("shoe-1"))
        }
    }
}
