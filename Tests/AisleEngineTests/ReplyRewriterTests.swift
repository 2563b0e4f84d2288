import AisleCore
import Foundation
import Synchronization
import Testing

@testable import AisleEngine

/// What the assistant lets the language model see and say (docs/ASSISTANT.md#the-language-model).
@Suite struct ReplyRewriterTests {
    @Test("e-mail addresses, phone and card numbers and order numbers are masked; sizes and prices stay")
    func masking() {
        let masked = ReplyRewriter.masked(
            "hi, I'm bob@example.com, call 0176 5551 2345 about order A1043 — does size 42 cost 89?"
        )
        #expect(!masked.contains("bob@example.com"))
        #expect(!masked.contains("5551") && !masked.contains("2345"))
        #expect(!masked.contains("A1043"))
        #expect(masked.contains("size 42") && masked.contains("89"))
        #expect(ReplyRewriter.masked("我的电话是13800138000，订单号5521到哪了") == "我的电话是[number]，订单号[number]到哪了")
    }

    @Test("numbers are compared as values: thousands separators and trailing zeros do not matter")
    func numbers() {
        #expect(ReplyRewriter.numbers(in: "Free over $1,299.00 within 30 days.") == ["1299", "30"])
        #expect(ReplyRewriter.numbers(in: "满２９９元包邮") == ["299"])
        #expect(ReplyRewriter.numbers(in: "no digits here") == [])
    }

    static let draft = "You can return items within 30 days of delivery; refunds reach your card in 5 business days."

    @Test(
        "the model's text is sent only when it keeps to the facts, in the shopper's language",
        arguments: [
            ("Sure! You have 30 days after delivery to return it, and the refund takes 5 business days.", true),
            (
                "Answer: \"You have 30 days from delivery to return it; refunds reach your card in 5 business days.\"",
                true
            ),
            // A number of the facts left out, a "not" they do not say, talk about itself.
            ("You can return items within 30 days of delivery.", false),
            ("You can not return items within 30 days of delivery; refunds take 5 business days.", false),
            ("I'm sorry, as an AI I cannot say: 30 days, 5 business days.", false),
            // Mostly words of its own: the facts are not what it says.
            (
                "Within 30 days our friendly couriers collect parcels anywhere; 5 business days, guaranteed satisfaction.",
                false
            ),
            // A number the facts do not hold: a made-up policy.
            ("You have 60 days to return it.", false),
            ("Returns are free within 30 days; call 0800 123 456.", false),
            ("See https://example.com/returns for the 30 days rule.", false),
            ("", false),
            ("   \n ", false),
            ("您可以在30天内退货。", false),
            (String(repeating: "You can return it within 30 days. ", count: 20), false),
        ]
    )
    func acceptance(answer: String, accepted: Bool) {
        let text = ReplyRewriter.accepted(answer, draft: Self.draft, question: "how do returns work?", language: .en)
        #expect((text != nil) == accepted, "\(answer) → \(text ?? "nil")")
        if let text {
            #expect(!text.hasPrefix("Answer:") && !text.hasPrefix("\""))
        }
    }

    @Test("a Chinese shopper gets Chinese text only")
    func chinese() {
        let draft = "签收后30天内可以退货。"
        #expect(ReplyRewriter.accepted("亲，签收后30天内都可以退货哦。", draft: draft, question: "怎么退货", language: .zh) != nil)
        #expect(
            ReplyRewriter.accepted("You can return it within 30 days.", draft: draft, question: "怎么退货", language: .zh)
                == nil
        )
    }

    @Test("the prompt holds the facts and the question after one worked example, in the shopper's language")
    func prompt() {
        let english = ReplyRewriter.messages(draft: Self.draft, question: "returns?", language: .en)
        // The instruction, a worked example, then this reply's facts and question.
        #expect(english.map(\.role) == [.system, .user, .assistant, .user])
        #expect(english[0].content.contains("only the facts"))
        #expect(english[3].content.contains(Self.draft) && english[3].content.contains("returns?"))
        let chinese = ReplyRewriter.messages(draft: "签收后30天内可以退货。", question: "怎么退货", language: .zh)
        #expect(chinese[0].content.contains("中文") && chinese[3].content.contains("怎么退货"))
    }

    @Test("a model that does not answer in time is given up on, and its request cancelled")
    func timeout() async {
        let cancelled = Mutex(false)
        await #expect(throws: ReplyRewriter.RewriteTimedOut.self) {
            _ = try await ReplyRewriter.withTimeout(.milliseconds(100)) {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.withLock { $0 = true }
                    throw error
                }
                return "late"
            }
        }
        #expect(cancelled.withLock { $0 })
        let quick = try? await ReplyRewriter.withTimeout(.seconds(30)) { "in time" }
        #expect(quick == "in time")
    }
}
