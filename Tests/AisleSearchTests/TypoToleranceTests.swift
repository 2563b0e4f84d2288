import AisleCore
import Testing

@testable import AisleSearch

/// One typo (with swaps of neighbours) from 4 letters, as Algolia allows (issue 10).
@Suite struct TypoToleranceTests {
    func engine() -> SearchEngine {
        let engine = SearchEngine()
        engine.upsert([
            SearchEngineTests.item("1", "Star Wars: A New Hope"),
            SearchEngineTests.item("2", "Star Trek"),
            SearchEngineTests.item("3", "Star anise, whole"),
            SearchEngineTests.item("4", "Blue silk scarf"),
            SearchEngineTests.item("5", "Red hat"),
        ])
        return engine
    }

    @Test("`star wras` finds Star Wars first: a swap of neighbours in a 4-letter word is one typo")
    func starWras() {
        let results = engine().search(SearchQuery(text: "star wras"))
        #expect(results.hits.first?.itemID.rawValue == "1")
        #expect(results.interpretation["wras"]?.contains("wars") == true)
    }

    @Test(
        "one insertion, deletion or substitution in a 4-letter word is corrected",
        arguments: [("slik ", "4"), ("blie ", "4"), ("terk ", "2"), ("wasr ", "1"), ("scraf ", "4")]
    )
    func fourLetters(text: String, expected: String) {
        #expect(engine().search(SearchQuery(text: text)).hits.first?.itemID.rawValue == expected)
    }

    @Test(
        "3-letter words, words with digits and two typos in 4 letters are not corrected",
        arguments: ["hta ", "rde ", "wa4s ", "wrsa "]
    )
    func notCorrected(text: String) {
        #expect(engine().search(SearchQuery(text: text)).hits.isEmpty, "\(text)")
    }

    @Test("the allowed edits by length: none to 3 letters, one from 4, two from 9")
    func allowedEdits() {
        #expect(
            ["hat", "wars", "scarf", "headphon", "headphone", "ab12"].map(TypoTolerance.allowedEdits) == [
                0, 1, 1, 1, 2, 0,
            ]
        )
    }
}
