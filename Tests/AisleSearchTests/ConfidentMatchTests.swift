import AisleCore
import Testing

@testable import AisleSearch

/// Only confident matches are results (issue 9): items found by meaning alone must clear the
/// model's similarity threshold, items matching only function words are no match, and `total`,
/// facets and the zero-result log follow the results.
@Suite struct ConfidentMatchTests {
    /// The hybrid suite's catalog and hand-made vectors (outerwear, footwear, audio, kitchen
    /// axes), with the threshold at 0.5 for clear margins.
    func engine() -> SearchEngine {
        var tuning = SearchTuning()
        tuning.semanticThreshold = 0.5
        return SearchHybridTests().engine(tuning: tuning)
    }

    func query(_ text: String, _ mode: SearchMode, _ vector: [Float]) -> SearchQuery {
        var query = SearchQuery(text: text)
        query.mode = mode
        query.vector = vector
        return query
    }

    /// Leans to footwear, with some outerwear: similar to boots and socks (above 0.5), to the
    /// jackets below it, to the headphones not at all.
    static let hiking = SearchHybridTests.unit([0.2, 1, 0, 0])

    @Test("items found by meaning alone below the threshold are left out, in hybrid and semantic modes")
    func belowThresholdLeftOut() {
        let engine = engine()
        let hybrid = engine.search(query("trekking", .hybrid, Self.hiking))
        #expect(Set(hybrid.hits.map(\.itemID.rawValue)) == ["2", "4"])
        #expect(hybrid.total == 2)
        let semantic = engine.search(query("trekking", .semantic, Self.hiking))
        #expect(Set(semantic.hits.map(\.itemID.rawValue)) == ["2", "4"])
    }

    @Test("a meaning-only match far below the query's nearest item is padding, even above the threshold")
    func farBelowNearestLeftOut() {
        var tuning = SearchTuning()
        tuning.semanticThreshold = 0.1
        tuning.semanticMargin = 0.15
        let engine = SearchHybridTests().engine(tuning: tuning)
        // Outerwear leaning to footwear: the jackets and the parka near 0.99; the socks about
        // 0.40 and the boots 0.29, above the threshold but far below the nearest.
        let outerwear = SearchHybridTests.unit([1, 0.3, 0, 0])
        let results = engine.search(query("outerwear", .hybrid, outerwear))
        #expect(Set(results.hits.map(\.itemID.rawValue)) == ["1", "3", "8"])
        var wide = tuning
        wide.semanticMargin = 1
        let padded = SearchHybridTests().engine(tuning: wide).search(query("outerwear", .hybrid, outerwear))
        #expect(padded.hits.map(\.itemID.rawValue).contains("4"), "the margin, not the threshold, left the socks out")
    }

    @Test("a model that does not read Chinese gives Chinese queries no meaning-only matches; word matches stay")
    func unreadScriptHasNoMeaningOnlyMatches() {
        var tuning = SearchTuning()
        tuning.semanticReadsCJK = false
        let english = SearchHybridTests().engine(tuning: tuning)
        let coat = SearchHybridTests.unit([1, 0, 0, 0])
        #expect(english.search(query("外套", .hybrid, coat)).hits.isEmpty)
        #expect(english.search(query("外套", .semantic, coat)).hits.isEmpty)
        tuning.semanticReadsCJK = true
        let multilingual = SearchHybridTests().engine(tuning: tuning)
        #expect(Set(multilingual.search(query("外套", .hybrid, coat)).hits.map(\.itemID.rawValue)) == ["1", "3", "8"])
        english.upsert([SearchEngineTests.item("9", "羽绒外套")])
        #expect(english.search(query("外套", .hybrid, coat)).hits.map(\.itemID.rawValue) == ["9"])
    }

    @Test("word matches stay whatever their similarity")
    func wordMatchesStay() {
        let engine = engine()
        let results = engine.search(query("headphones", .hybrid, Self.hiking))
        #expect(results.hits.map(\.itemID.rawValue).contains("6"))
    }

    @Test("total and facets count only confident matches")
    func totalAndFacetsCountConfidentMatches() {
        let engine = engine()
        var request = query("boots", .hybrid, Self.hiking)
        request.facets = [.brand, .category]
        let results = engine.search(request)
        #expect(results.total == results.hits.count)
        #expect(Set(results.facets[.brand]?.map(\.value) ?? []) == ["Stigen", "Fjellby"])
        let categories = results.facets[.category]?.map(\.value) ?? []
        #expect(!categories.contains("Clothing > Jackets"))
    }

    @Test("a query nothing confidently matches finds nothing and is logged as a zero-result query")
    func nothingConfidentIsZeroResult() {
        let engine = engine()
        // Kitchen: no item leans that way; the nearest are far below the threshold.
        var request = query("snorkel", .hybrid, SearchHybridTests.unit([0.1, 0.1, 0.1, 1]))
        request.record = true
        request.facets = [.brand]
        let results = engine.search(request)
        #expect(results.hits.isEmpty && results.total == 0)
        #expect(results.facets[.brand] == [])
        #expect(engine.zeroResultQueries(limit: 5).map(\.query) == ["snorkel"])
    }

    @Test("an item matching only function words is no match when the query has other words")
    func functionWordsAloneDoNotMatch() {
        let engine = SearchEngine()
        engine.upsert([
            SearchEngineTests.item("1", "Rain jacket for the city"),
            SearchEngineTests.item("2", "Gift card for the holidays"),
            SearchEngineTests.item("3", "冬天的羽绒服"),
            SearchEngineTests.item("4", "好看的连衣裙"),
        ])
        #expect(engine.search(SearchQuery(text: "jacket for the rain ")).hits.map(\.itemID.rawValue) == ["1"])
        #expect(engine.search(SearchQuery(text: "jacket for the rain ")).total == 1)
        #expect(engine.search(SearchQuery(text: "冬天的外套")).hits.map(\.itemID.rawValue) == ["3"])
        // Only function words: what they match is all there is.
        #expect(engine.search(SearchQuery(text: "for the ")).total == 2)
    }

    @Test("a query of function words still typed (`of the`) finds titles that hold them, not only completions")
    func typedFunctionWordsKeepTheirMatches() {
        let engine = SearchEngine()
        engine.upsert([
            SearchEngineTests.item("1", "Legends of the Fall"),
            SearchEngineTests.item("2", "Fall"),
            SearchEngineTests.item("3", "Theater of Blood"),
        ])
        // `the` is the last word, still open: its completions (`theater`) join the query, but
        // the words as typed decide that it is a query of function words.
        let hits = engine.search(SearchQuery(text: "of the")).hits.map(\.itemID.rawValue)
        #expect(Set(hits) == ["1", "3"], "Fall holds neither word")
    }

    @Test("function words weigh less than the other words of a query")
    func functionWordsWeighLess() {
        let items = [
            SearchEngineTests.item("1", "Case for the phone"),
            SearchEngineTests.item("2", "Phone case"),
            SearchEngineTests.item("3", "Laptop sleeve"),
            SearchEngineTests.item("4", "Glass for the table"),
        ]
        /// How far "Case for the phone" leads "Phone case" for `case for the`.
        func lead(_ tuning: SearchTuning) -> Float {
            let engine = SearchEngine(tuning: tuning)
            engine.upsert(items)
            let hits = engine.search(SearchQuery(text: "case for the ")).hits
            #expect(hits.map(\.itemID.rawValue) == ["1", "2"])
            return hits.count == 2 ? hits[0].score / hits[1].score : 0
        }
        var fullWeight = SearchTuning()
        fullWeight.functionWordWeight = 1
        let light = lead(SearchTuning())
        let full = lead(fullWeight)
        #expect(light > 1 && light < full, "for and the add less than full words: \(light) vs \(full)")
        #expect(SearchTuning().functionWordWeight < 1)
    }

    @Test("function words are never typo-corrected")
    func functionWordsNotCorrected() {
        let engine = SearchEngine()
        engine.upsert([SearchEngineTests.item("1", "Wish list notebook"), SearchEngineTests.item("2", "Notebook")])
        let results = engine.search(SearchQuery(text: "notebook with "))
        #expect(results.interpretation["with"] == nil)
    }
}
