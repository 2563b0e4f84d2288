import AisleCore
import AisleText
import Foundation
import Testing

/// FAQ retrieval: by words, by meaning, twins across languages, and the answer bar.
@Suite struct FAQIndexTests {
    static let entries = [
        FAQ(
            id: FAQID("returns"),
            question: "How many days do I have to return an item?",
            answer: "30 days.",
            language: .en
        ),
        FAQ(id: FAQID("returns-zh"), question: "多少天内可以退货？", answer: "30天内。", language: .zh),
        FAQ(id: FAQID("shipping"), question: "How much does shipping cost?", answer: "Free over $49.", language: .en),
        FAQ(id: FAQID("运费"), question: "运费多少钱？", answer: "满299包邮。"),
        FAQ(id: FAQID("password"), question: "I forgot my password", answer: "Use the reset link.", language: .en),
    ]

    @Test("without vectors the words decide; the shopper's language gets the entry in it")
    func lexical() {
        let index = FAQIndex(Self.entries)
        let best = index.search("how many days to return a jacket", vector: nil, language: .en, limit: 3)
        #expect(best.first.map { index.entries[$0.index].id.rawValue } == "returns")
        let chinese = index.search("退货有几天", vector: nil, language: .zh, limit: 1)
        #expect(chinese.first.map { index.entries[$0.index].id.rawValue } == "returns-zh")
        #expect(index.languages[3] == .zh, "a missing language is detected from the question")
    }

    @Test("twins: by id (a language mark) first, else a close question vector in that language")
    func twins() {
        let byID = FAQIndex(Self.entries)
        #expect(byID.twin(of: 0, in: .zh) == 1)
        #expect(byID.twin(of: 1, in: .en) == 0)
        #expect(byID.twin(of: 0, in: .en) == 0)
        #expect(byID.twin(of: 2, in: .zh) == nil, "no vectors, and the ids do not say")
        var vectors: [[Float]?] = Self.entries.map { _ in [1, 0, 0] }
        vectors[2] = [0, 1, 0]
        vectors[3] = [0, 0.995, 0.0999]
        let byVector = FAQIndex(Self.entries, vectors: vectors)
        #expect(byVector.twin(of: 2, in: .zh) == 3)
        #expect(byVector.twin(of: 4, in: .zh) == 1, "the nearest question in that language")
    }

    @Test("an entry scores as its best phrasing: its alternate questions count by words and by meaning")
    func alternates() {
        var entries = Self.entries
        entries[2].alternateQuestions = ["what is the postage to my house", "delivery fee"]
        let index = FAQIndex(entries)
        let plain = FAQIndex(Self.entries)
        let message = "what's the postage to my house"
        let before = plain.search(message, vector: nil, language: .en, limit: 1).first
        let after = index.search(message, vector: nil, language: .en, limit: 1).first
        #expect(after.map { index.entries[$0.index].id.rawValue } == "shipping")
        #expect((after?.score ?? 0) > (before?.score ?? 0))
        #expect(FAQIndex.questionRows(entries) == [0, 1, 2, 5, 6])
        // By meaning: the alternate's vector is the message's, the question's is not.
        var vectors: [[Float]?] = FAQIndex.phrasings(entries).map { _ in [0, 1, 0] }
        vectors[3] = [1, 0, 0]
        let byMeaning = FAQIndex(entries, vectors: vectors)
        let best = byMeaning.search("zzz", vector: [1, 0, 0], language: .en, limit: 1).first
        #expect(best.map { byMeaning.entries[$0.index].id.rawValue } == "shipping")
        #expect(best?.semantic == 1)
        #expect(byMeaning.hasVector(2))
    }

    @Test("an unrelated message scores below the bar; the bar does not shut out a close one")
    func bar() {
        let index = FAQIndex(Self.entries)
        let unrelated = index.search("do you have a shop in Berlin", vector: nil, language: .en, limit: 1)
        #expect((unrelated.first?.score ?? 0) < index.settings.minimumScore)
        let close = index.search("forgot my password", vector: nil, language: .en, limit: 1)
        #expect((close.first?.score ?? 0) >= index.settings.minimumScore)
        #expect(FAQIndex([]).search("anything", vector: nil, language: nil, limit: 3).isEmpty)
    }

    @Test("ties are broken by position, so two nodes answer the same")
    func ties() {
        let twins = [
            FAQ(id: FAQID("b"), question: "gift cards", answer: "yes"),
            FAQ(id: FAQID("a"), question: "gift cards", answer: "yes"),
        ]
        let index = FAQIndex(twins)
        #expect(index.search("gift cards", vector: nil, language: nil, limit: 2).map(\.index) == [0, 1])
    }
}
