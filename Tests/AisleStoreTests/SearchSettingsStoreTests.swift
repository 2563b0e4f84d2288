import AisleCore
import AisleStore
import Testing

/// Search settings in the store contract: against each `StoreKind`, and PostgreSQL where no other
/// role is involved (`StoreKind`).
@Suite struct SearchSettingsStoreTests {
    @Test("synonym rules read back with a revision that grows with every write", arguments: StoreKind.allCases)
    func synonymRevisions(kind: StoreKind) async throws {
        let store = try await kind.make()
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
        let store = try await kind.make()
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

    @Test(
        "flushes add to the query log, clicks and shoppers; concurrent flushes lose no count",
        arguments: StoreKind.allCases
    )
    func concurrentFlushes(kind: StoreKind) async throws {
        let store = try await kind.make()
        let queries = ["boots", "耳机", "Rain jacket", "parka"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for flush in 0..<6 {
                group.addTask {
                    // Each flush names the queries in its own order.
                    let order = flush % 2 == 0 ? queries : queries.reversed()
                    try await store.addSearchActivity(
                        SearchActivity(
                            queries: order.map {
                                SearchQueryStats(
                                    query: $0,
                                    searches: 2,
                                    zeroResults: 1,
                                    lastSearchedAt: .t0(plusMinutes: flush)
                                )
                            },
                            clicks: order.map { SearchClickCount(query: $0, itemID: ItemID("i-\($0)"), clicks: 1) },
                            shoppers: [
                                SearchQueryShopper(query: "boots", shopper: ShopperDigest(rawValue: Int64(flush % 3)))
                            ]
                        )
                    )
                }
            }
            try await group.waitForAll()
        }
        let stats = try await store.searchQueries(limit: 10)
        #expect(stats.count == 4)
        #expect(
            stats.allSatisfy { $0.searches == 12 && $0.zeroResults == 6 && $0.lastSearchedAt == .t0(plusMinutes: 5) }
        )
        // Ties in searches come in byte order of the query.
        #expect(stats.map(\.query) == ["Rain jacket", "boots", "parka", "耳机"])
        let clicks = try await store.searchClicks(limit: 10)
        #expect(clicks.count == 4 && clicks.allSatisfy { $0.clicks == 6 })
        #expect(try await store.searchQueryShoppers(limit: 10).map(\.shopper.rawValue) == [0, 1, 2])
        #expect(try await store.searchQueries(limit: 2).count == 2)
    }
}
