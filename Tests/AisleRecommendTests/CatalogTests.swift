import AisleCore
import AisleRecommend
import Testing

/// Item ids in the recommender compare byte for byte, as the store's do.
@Suite struct CatalogTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    @Test("NFC and NFD spellings of one word are two items with two indices")
    func unicodeTwins() throws {
        let catalog = Catalog([Self.nfc, Self.nfd, "tea", Self.nfc])
        #expect(catalog.count == 3)
        let first = try #require(catalog.index(of: ItemID(Self.nfc)))
        let second = try #require(catalog.index(of: ItemID(Self.nfd)))
        #expect(first != second)
        #expect(catalog.ids[Int(first)].rawValue.utf8.elementsEqual(Self.nfc.utf8))
        #expect(catalog.ids[Int(second)].rawValue.utf8.elementsEqual(Self.nfd.utf8))
    }

    @Test("the live catalog keeps twins apart")
    func liveTwins() throws {
        let live = LiveCatalog()
        live.upserted(
            [Item(id: ItemID(Self.nfc), title: "Beans"), Item(id: ItemID(Self.nfd), title: "Grinder")],
            at: Timestamp(millisecondsSinceEpoch: 1)
        )
        #expect(live.view().changes.count == 2)
        #expect(try #require(live.change(of: ItemID(Self.nfd)))?.tokens.contains("grinder") == true)
    }

    @Test("before any model, the feed lists every item by live popularity, never empty, and says so")
    func fallbackFeed() {
        let live = LiveCatalog()
        live.upserted(
            [
                Item(id: ItemID("a"), title: "Red shoe"), Item(id: ItemID("b"), title: "Red coat"),
                Item(id: ItemID("c"), title: "Tea"),
            ],
            at: Timestamp(millisecondsSinceEpoch: 1)
        )
        let engine = RecommendationEngine(
            snapshot: .empty(at: Timestamp(millisecondsSinceEpoch: 0)),
            live: live.view(),
            popularity: [ItemID("c"): 3]
        )
        var query = FeedQuery()
        #expect(engine.feed(query).items.map(\.itemID) == [ItemID("c"), ItemID("a"), ItemID("b")])
        #expect(engine.feed(query).fallback == .popularity)
        query.currentItem = ItemID("a")
        // The shopper's own item is left out; the coat shares "red" with the shoe.
        #expect(engine.feed(query).items.map(\.itemID) == [ItemID("c"), ItemID("b")])
        #expect(engine.trending(window: .decayed, options: ListOptions()).items.count == 3)
    }
}
