import AisleCore
import AisleText
import Testing

/// How the assistant reads a message: language, pieces, order numbers.
@Suite struct ChatTextTests {
    @Test(
        "the message's language: Chinese when it is mostly Chinese, mixed lines by their main language",
        arguments: [
            ("where is my order", TextLanguage.en), ("我的快递到哪了", .zh), ("我的order到哪了", .zh),
            ("can i get a 发票", .en), ("５５２１", .en), ("谢谢", .zh), ("Nike Air 跑鞋有42码吗", .zh),
        ]
    )
    func language(text: String, expected: TextLanguage) {
        #expect(ChatText.language(text) == expected)
    }

    @Test(
        "order numbers: words with three digits or more, in order, once; not sizes, weights or years",
        arguments: [
            ("where is my order 5521?", ["5521"]), ("order #A1043 and #A1043 again", ["A1043"]),
            ("订单号5521到哪了", ["5521"]), ("SO-2024-881 status", ["SO-2024-881"]), ("I'm 180cm and 75kg", []),
            ("bought it in 2024", []), ("where is it", []), ("订单１２３４５呢", ["12345"]), ("size 42", []),
        ]
    )
    func orderMentions(text: String, expected: [String]) {
        #expect(ChatText.orderMentions(text) == expected)
    }

    @Test("pieces: lower-case words and runs of Chinese characters, punctuation and emoji dropped")
    func pieces() {
        #expect(
            ChatText.pieces("Ｈｉ！我要退货🙂 don't") == [
                .word("hi"), .han(Array("我要退货")), .word("don't"),
            ]
        )
    }
}
