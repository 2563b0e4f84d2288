import AisleCore
import AisleRecommend
import Testing

@Suite struct LiveCatalogTests {
    private let jacket = Item(id: ItemID("j1"), title: "Down jacket", categories: ["Clothing > Jackets"])

    @Test(
        "a re-upsert that changes nothing the recommender reads is not recorded; a real change is, and so is its revert"
    )
    func unchangedUpserts() throws {
        let live = LiveCatalog()
        let trained = ItemFacts(jacket)
        live.upserted([jacket], at: Timestamp(millisecondsSinceEpoch: 1)) { _ in trained }
        #expect(live.change(of: ItemID("j1")) == nil)
        var soldOut = jacket
        soldOut.inStock = false
        live.upserted([soldOut], at: Timestamp(millisecondsSinceEpoch: 2)) { _ in trained }
        #expect(try #require(live.change(of: ItemID("j1")))?.recommendable == false)
        live.upserted([jacket], at: Timestamp(millisecondsSinceEpoch: 3)) { _ in trained }
        #expect(try #require(live.change(of: ItemID("j1")))?.recommendable == true, "the revert is recorded too")
        #expect(live.view().changes.count == 1)
    }

    @Test("deletions are recorded, and pruning forgets changes older than a training's read")
    func deleteAndPrune() {
        let live = LiveCatalog()
        live.upserted([jacket], at: Timestamp(millisecondsSinceEpoch: 10))
        live.deleted(ItemID("gone"), at: Timestamp(millisecondsSinceEpoch: 20))
        #expect(live.change(of: ItemID("gone")) == .some(nil))
        live.prune(before: Timestamp(millisecondsSinceEpoch: 15))
        #expect(live.change(of: ItemID("j1")) == nil)
        #expect(live.change(of: ItemID("gone")) == .some(nil))
    }
}
