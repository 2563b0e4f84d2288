import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// The assistant's optional language model (docs/ASSISTANT.md#the-language-model) through the
/// real server: what it is sent (shared facts only, never ids, orders or contact details), the
/// template reply when it hangs, and, with `make test-llm`, a real local model phrasing replies.
@Suite(.serialized) struct AssistantLanguageModelEndToEndTests {
    static let faqs: [String: String] = {
        struct Set: Decodable {
            struct Entry: Decodable {
                var id: String
                var answer: String
            }

            var faqs: [Entry]
        }
        guard let data = try? Data(contentsOf: AssistantEndToEndTests.faqFile),
            let set = try? JSONDecoder().decode(Set.self, from: data)
        else { return [:] }
        return Dictionary(set.faqs.map { ($0.id, $0.answer) }, uniquingKeysWith: { first, _ in first })
    }()

    /// The chat requests the relay saw: each one's messages' texts, joined.
    static func chatRequests(_ recorded: String) -> [(model: String, text: String)] {
        recorded.components(separatedBy: "POST ").dropFirst().compactMap { request in
            guard let start = request.range(of: "\r\n\r\n")?.upperBound,
                let object = try? JSONSerialization.jsonObject(with: Data(request[start...].utf8)) as? [String: Any],
                let messages = object["messages"] as? [[String: Any]]
            else { return nil }
            let text = messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
            return ((object["model"] as? String) ?? "", text)
        }
    }

    /// Personal things the shop knows or the shopper typed that must never reach the model.
    static let personal = [
        "alice", "phone-1", "conv_", "5521", "TRK-", "UPS", "alice.smith@example.com", "0176", "4471",
    ]

    @Test("a model that hangs: the template answers within the limit; the model saw shared facts and nothing personal")
    func hangingModel() async throws {
        let relay = try RecordingRelay()
        defer { relay.stop() }
        let environment = [
            "AISLE_LLM_URL": "http://127.0.0.1:\(relay.port)/v1", "AISLE_LLM_MODEL": "shop-writer",
            "AISLE_LLM_TIMEOUT_MS": "400",
        ]
        try await AssistantEndToEndTests.withShop(environment: environment) { http, tokens in
            // Orders, recommendations, search results and handoffs are never sent.
            for text in [
                "where is my order 5521?", "what should I get my brother for his birthday?",
                "i'm after some trail running shoes", "can i speak to a human please",
            ] {
                let reply = try await AssistantEndToEndTests.ask(http, text, user: "alice", token: tokens["alice"])
                #expect(reply.reply.writtenBy == "template", "\(text)")
            }
            #expect(relay.connectionCount == 0, "\(relay.text.prefix(500))")

            let clock = ContinuousClock()
            let started = clock.now
            let question =
                "hi, alice.smith@example.com here (0176 4471 2299): how do i send back a jacket that doesn't fit"
            let reply = try await AssistantEndToEndTests.ask(http, question, user: "alice", token: tokens["alice"])
            let elapsed = clock.now - started
            #expect(reply.reply.writtenBy == "template")
            // The limit is 400 ms; the client would wait 60 s for a server that waited on the model.
            #expect(elapsed < .seconds(15), "\(elapsed)")
            let faq = try #require(reply.sources.first { $0.kind == .faq }, "\(reply.reply.text)")
            #expect(reply.reply.text == Self.faqs[faq.id])

            let requests = Self.chatRequests(relay.text)
            #expect(requests.count == 1, "\(relay.text.prefix(800))")
            let sent = try #require(requests.first)
            #expect(sent.model == "shop-writer")
            #expect(relay.text.contains("POST /v1/chat/completions "))
            #expect(sent.text.contains(Self.faqs[faq.id] ?? "-"), "the FAQ's answer is the facts")
            #expect(sent.text.contains("send back a jacket"), "the question, masked")
            for secret in Self.personal {
                #expect(!sent.text.contains(secret), "\(secret) was sent: \(sent.text)")
            }
            #expect(!relay.text.contains("alice"), "no header or field names the shopper")

            let metrics = try await http.call(.GET, "/metrics", key: nil).text
            #expect(metrics.contains(#"model_outcome="timed_out""#), "\(metrics.prefix(200))")
        }
    }

    /// `make test-llm` sets it: the port of `scripts/llm-server.sh` (SmolLM2-135M-Instruct).
    static let modelPort = ProcessInfo.processInfo.environment["AISLE_TEST_LLM_PORT"].flatMap(Int.init)

    @Test(
        "a real local model phrases FAQ and product answers from their facts alone (make test-llm)",
        .enabled(if: modelPort != nil, "needs AISLE_TEST_LLM_PORT: run make test-llm")
    )
    func realModel() async throws {
        let relay = try RecordingRelay(upstream: Self.modelPort ?? 0)
        defer { relay.stop() }
        let environment = [
            "AISLE_LLM_URL": "http://127.0.0.1:\(relay.port)/v1", "AISLE_LLM_MODEL": "smollm2",
            "AISLE_LLM_TIMEOUT_MS": "30000",
        ]
        let questions = [
            "how do i send back a jacket that doesn't fit", "do you deliver to canada and how much?",
            "can i pay with paypal?", "how long does a refund take?", "is there express shipping?",
            "how do I change my password?", "衣服不合适想退货，怎么操作", "你们发顺丰吗，几天能到", "能用支付宝付款吗",
        ]
        try await AssistantEndToEndTests.withShop(environment: environment) { http, tokens in
            let clock = ContinuousClock()
            var written = 0
            var times: [Duration] = []
            for question in questions {
                let started = clock.now
                let reply = try await AssistantEndToEndTests.ask(http, question, user: "alice", token: tokens["alice"])
                times.append(clock.now - started)
                guard let faq = reply.sources.first(where: { $0.kind == .faq }), let answer = Self.faqs[faq.id] else {
                    continue
                }
                if reply.reply.writtenBy == "model" {
                    written += 1
                    #expect(reply.reply.text != answer)
                    // Every number the model wrote is one of the FAQ's, and it kept them all.
                    let numbers = { (text: String) in Set(text.split { !$0.isNumber }.map(String.init)) }
                    #expect(numbers(reply.reply.text).isSubset(of: numbers(answer + question)), "\(reply.reply.text)")
                    #expect(numbers(answer).isSubset(of: numbers(reply.reply.text)), "\(reply.reply.text)")
                } else {
                    #expect(reply.reply.text == answer)
                }
                print("llm: \(reply.reply.writtenBy) \(times.last ?? .zero) \(question) → \(reply.reply.text)")
            }
            let product = try await AssistantEndToEndTests.ask(http, "does it come in black?", item: "shoe-1")
            #expect(product.reply.text.lowercased().contains("black"), "\(product.reply.text)")
            print("llm: \(product.reply.writtenBy) does it come in black? → \(product.reply.text)")
            let requests = Self.chatRequests(relay.text)
            #expect(requests.count == questions.count + 1, "every FAQ and product answer was offered to the model")
            for request in requests {
                for secret in Self.personal { #expect(!request.text.contains(secret), "\(secret) was sent") }
            }
            let sorted = times.sorted()
            print(
                "llm: \(written) of \(questions.count) FAQ replies written by the model; median \(sorted[sorted.count / 2]), slowest \(sorted.last ?? .zero)"
            )
            let metrics = try await http.call(.GET, "/metrics", key: nil).text
            #expect(metrics.contains("aisle_assistant_replies_total"))
        }
    }
}
