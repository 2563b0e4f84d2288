import AisleCore
import Testing

@testable import AisleSearch

/// Autocomplete shows other shoppers' queries only when enough distinct shoppers made them and
/// they do not look like personal data (issue 5).
@Suite struct AutocompleteTests {
    func engine(minimumShoppers: Int = 5) -> SearchEngine {
        var tuning = SearchTuning()
        tuning.suggestionMinimumShoppers = minimumShoppers
        let engine = SearchEngine(tuning: tuning)
        engine.upsert(SearchEngineTests.catalog)
        return engine
    }

    func search(_ engine: SearchEngine, _ text: String, by shopper: String?) {
        var query = SearchQuery(text: text)
        query.record = true
        query.shopper = shopper.map { ShopperDigest(user: UserID($0)) }
        _ = engine.search(query)
    }

    func suggestedQueries(_ engine: SearchEngine, _ typed: String) -> [String] {
        engine.autocomplete(typed, limit: 8).filter { $0.kind == .query }.map(\.text)
    }

    @Test("a query made by 4 shoppers is not suggested; the fifth makes it a suggestion")
    func fourShoppersAreNotEnough() {
        let engine = engine()
        for shopper in 1...4 { search(engine, "rain jacket", by: "s\(shopper)") }
        #expect(suggestedQueries(engine, "rain").isEmpty)
        search(engine, "rain jacket", by: "s5")
        #expect(suggestedQueries(engine, "rain") == ["rain jacket"])
        #expect(engine.autocomplete("rain", limit: 8).first?.searches == 5)
    }

    @Test("one shopper searching 100 times counts once")
    func oneShopperCountsOnce() {
        let engine = engine()
        for _ in 0..<100 { search(engine, "rain jacket", by: "s1") }
        #expect(suggestedQueries(engine, "rain").isEmpty)
    }

    @Test("searches without a shopper identity count towards no suggestion")
    func anonymousSearchesCountAsNone() {
        let engine = engine()
        for _ in 0..<20 { search(engine, "rain jacket", by: nil) }
        for shopper in 1...4 { search(engine, "rain jacket", by: "s\(shopper)") }
        #expect(suggestedQueries(engine, "rain").isEmpty)
    }

    @Test("a user and a device with the same id are two shoppers; digests differ by kind")
    func userAndDeviceDiffer() {
        #expect(ShopperDigest(user: UserID("x")) != ShopperDigest(device: DeviceID("x")))
        #expect(ShopperDigest(user: UserID("x")) == ShopperDigest(user: UserID("x")))
    }

    @Test("searches that found nothing do not count their shoppers")
    func zeroResultSearchesDoNotCount() {
        let engine = engine()
        for shopper in 1...10 { search(engine, "snorkel", by: "s\(shopper)") }
        #expect(suggestedQueries(engine, "sno").isEmpty)
    }

    @Test(
        "a query with a long digit run or an e-mail address is never suggested, however many shoppers made it",
        arguments: [
            "jacket anna berg 19850412", "jacket 123456", "jacket 555 123 4567", "jacket 12-34-56",
            "jacket anna.berg@example.com", "jacket anna@mail",
        ]
    )
    func personalDataNeverSuggested(text: String) {
        let engine = engine()
        for shopper in 1...20 { search(engine, text, by: "s\(shopper)") }
        #expect(suggestedQueries(engine, "jacket").isEmpty)
        #expect(engine.drainBehaviourChanges().shoppers.isEmpty, "their shoppers are not even kept")
    }

    @Test("the threshold is configurable")
    func configurableThreshold() {
        let engine = engine(minimumShoppers: 2)
        search(engine, "rain jacket", by: "s1")
        #expect(suggestedQueries(engine, "rain").isEmpty)
        search(engine, "rain jacket", by: "s2")
        #expect(suggestedQueries(engine, "rain") == ["rain jacket"])
    }

    @Test("distinct shoppers are drained for the store and restored after a restart")
    func shoppersSurviveARestart() {
        let engine = engine()
        for shopper in 1...5 { search(engine, "rain jacket", by: "s\(shopper)") }
        search(engine, "rain jacket", by: "s1")
        let changes = engine.drainBehaviourChanges()
        #expect(changes.shoppers.count == 5)
        #expect(engine.drainBehaviourChanges().shoppers.isEmpty)
        let restored = self.engine()
        restored.restoreBehaviour(SearchActivity(queries: changes.queries, shoppers: Array(changes.shoppers.prefix(4))))
        #expect(suggestedQueries(restored, "rain").isEmpty, "4 stored shoppers are not enough")
        restored.restoreBehaviour(SearchActivity(shoppers: changes.shoppers))
        #expect(suggestedQueries(restored, "rain") == ["rain jacket"])
    }

    @Test("item titles are still suggested without any query log")
    func titlesStillSuggested() {
        let suggestions = engine().autocomplete("leath", limit: 3)
        #expect(suggestions.map(\.kind) == [.item] && suggestions.first?.text == "Leather boots")
    }
}

@Suite struct SuggestionPolicyTests {
    @Test(
        "digit runs of 6+, 9+ digits in all, and e-mail shapes are personal",
        arguments: [
            "123456", "order 1234567", "555-123-4567", "555 123 4567", "4111 1111 1111 1111", "anna@example.com",
            "a@b", "ＡＢ＠ｃｄ", "anna berg 1985.04.12",
        ]
    )
    func personal(text: String) {
        #expect(!SuggestionPolicy.mayShow(text))
    }

    @Test(
        "model numbers, sizes and Chinese numerals are not",
        arguments: ["rtx 4090", "lego 42115", "iphone 15 128gb", "size 42 eu", "五件套", "@home", "me @ home", "12345"]
    )
    func notPersonal(text: String) {
        #expect(SuggestionPolicy.mayShow(text))
    }
}
