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
}
