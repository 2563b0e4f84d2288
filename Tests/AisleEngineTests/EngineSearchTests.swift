import AisleCore
import AisleEngine
import AisleRecommend
import AisleSearch
import AisleStore
import Testing

/// The search workflow: mode, personal re-ranking from the shopper's events, the query log.
@Suite struct EngineSearchTests {
    @Test("without a text model search is lexical; semantic or hybrid asked for is unavailable")
    func modes() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        #expect(try await fixture.engine.search(SearchQuery(text: "jacket")).mode == .lexical)
        for mode in [SearchMode.semantic, .hybrid] {
            await #expect(throws: AisleError.self) {
                _ = try await fixture.engine.search(SearchQuery(text: "jacket"), mode: mode)
            }
        }
        #expect(try await fixture.engine.search(SearchQuery(text: "jacket"), mode: .lexical).results.total == 3)
    }

    @Test("a shopper's events lift the brands they keep coming back to")
    func personalReranking() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let plain = try await fixture.searchIDs("jacket ")
        // u1 keeps buying Aurora: the Aurora jacket rises for them, not for others.
        try await fixture.append([
            EngineFixture.event(.purchase, user: "u1", item: "t1"),
            EngineFixture.event(.view, user: "u1", item: "t1", secondsAgo: 30),
        ])
        let personal = try await fixture.searchIDs("jacket ", shopper: .user(UserID("u1")))
        #expect(personal.first == "j2")
        #expect(Set(personal) == Set(plain))
        #expect(try await fixture.searchIDs("jacket ", shopper: .user(UserID("u2"))) == plain)
        #expect(try await fixture.searchIDs("jacket ", shopper: .anonymous) == plain)
    }

    @Test("a device's search is re-ranked by its linked user's history")
    func deviceUsesLinkedUser() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append([EngineFixture.event(.purchase, user: "u1", item: "t1")])
        _ = try await fixture.engine.identify(device: DeviceID("d1"), as: UserID("u1"), relinking: .refuse)
        #expect(try await fixture.searchIDs("jacket ", shopper: .device(DeviceID("d1"))).first == "j2")
    }

    @Test("a query nothing matched is a zero-result query; one that found something is not")
    func zeroResults() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        for text in ["snorkel", "snorkel", "jacket"] {
            var query = SearchQuery(text: text)
            query.record = true
            _ = try await fixture.engine.search(query)
        }
        let zero = fixture.engine.zeroResultQueries(limit: 10)
        #expect(zero.map(\.query) == ["snorkel"] && zero.first?.zeroResults == 2)
    }

    @Test("autocomplete suggests a past query only once five distinct shoppers found something with it")
    func autocompleteNeedsShoppers() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        func searchAs(_ user: String) async throws {
            var query = SearchQuery(text: "down jacket")
            query.record = true
            _ = try await fixture.engine.search(query, shopper: .user(UserID(user)))
        }
        for _ in 0..<10 { try await searchAs("u1") }
        for user in ["u2", "u3", "u4"] { try await searchAs(user) }
        #expect(!fixture.engine.autocomplete("down j", limit: 5).contains { $0.kind == .query })
        try await searchAs("u5")
        let suggestions = fixture.engine.autocomplete("down j", limit: 5)
        #expect(suggestions.first?.kind == .query && suggestions.first?.text == "down jacket")
    }

    @Test("synonyms: a bad set names its rule and changes nothing; a good set is stored and used")
    func synonyms() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        #expect(try await fixture.searchIDs("anorak ").isEmpty)
        await #expect(throws: AisleError.self) {
            try await fixture.engine.setSynonyms([SynonymRule(synonyms: ["anorak"])])
        }
        #expect(fixture.engine.synonyms.isEmpty)
        try await fixture.engine.setSynonyms([SynonymRule(synonyms: ["anorak", "jacket"])])
        #expect(Set(try await fixture.searchIDs("anorak ")) == ["j1", "j2", "j3"])
        #expect(try await fixture.store.searchSynonyms().rules == [SynonymRule(synonyms: ["anorak", "jacket"])])
    }

    @Test("filters alone list the items they admit, without text")
    func filtersOnly() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        var query = SearchQuery(text: "")
        query.brand = "Aurora"
        let answer = try await fixture.engine.search(query)
        #expect(answer.mode == .lexical)
        #expect(Set(answer.results.hits.map(\.itemID.rawValue)) == ["j2", "t1"] && answer.results.total == 2)
    }
}
