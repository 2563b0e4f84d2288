import AisleCore
import AisleStore
import Testing

/// Search settings in the store contract; runs against each `StoreKind`.
@Suite struct SearchSettingsStoreTests {
    @Test("synonym rules read back with a revision that grows with every write", arguments: StoreKind.allCases)
    func synonymRevisions(kind: StoreKind) async throws {
        let store = try kind.make()
        let none = try await store.searchSynonyms()
        #expect(none.rules.isEmpty && none.revision == 0)
        let first = [SynonymRule(synonyms: ["耳机", "headphones"]), SynonymRule(from: "coat", to: ["parka"])]
        #expect(try await store.setSearchSynonyms(first, at: .t0) == 1)
        let read = try await store.searchSynonyms()
        #expect(read.rules == first && read.revision == 1)
        #expect(try await store.setSearchSynonyms([], at: .t0(plusMinutes: 1)) == 2)
        #expect(try await store.setSearchSynonyms(first, at: .t0(plusMinutes: 2)) == 3)
        let last = try await store.searchSynonyms()
        #expect(last.rules == first && last.revision == 3)
    }

    @Test(
        "query shoppers are stored once each, read back by digest, and erased with their user",
        arguments: StoreKind.allCases
    )
    func queryShoppers(kind: StoreKind) async throws {
        let store = try kind.make()
        let alice = ShopperDigest(user: UserID("alice"))
        let bob = ShopperDigest(device: DeviceID("bob-phone"))
        let stats = SearchQueryStats(query: "rain jacket", searches: 3, zeroResults: 0, lastSearchedAt: .t0)
        let rows = [
            SearchQueryShopper(query: "rain jacket", shopper: alice),
            SearchQueryShopper(query: "rain jacket", shopper: bob),
        ]
        try await store.addSearchActivity(SearchActivity(queries: [stats], shoppers: rows))
        // A retried flush (or the same shopper again) adds no row.
        try await store.addSearchActivity(SearchActivity(queries: [stats], shoppers: [rows[0]]))
        #expect(Set(try await store.searchQueryShoppers(limit: 10)) == Set(rows))
        #expect(try await store.searchQueries(limit: 10).first?.searches == 6)
        _ = try await store.eraseUser(UserID("alice"))
        #expect(try await store.searchQueryShoppers(limit: 10) == [rows[1]])
    }
}
