import AisleCore
import Testing

@testable import AisleSearch

/// Semantic and hybrid retrieval, facets, synonyms, behaviour and personal re-ranking. Vectors
/// here are hand-made unit vectors on a few "meaning" axes (outerwear, footwear, audio), so the
/// expected neighbours are known without a model; the server tests use the real encoder.
@Suite struct SearchHybridTests {
    static func unit(_ values: [Float]) -> [Float] {
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    /// Axes: outerwear, footwear, audio, kitchen.
    static let vectors: [String: [Float]] = [
        "1": unit([1, 0, 0, 0.1]),  // Waterproof down jacket
        "2": unit([0, 1, 0, 0.1]),  // Leather boots
        "3": unit([0.9, 0.2, 0, 0.1]),  // Rain jacket (out of stock)
        "4": unit([0.1, 0.8, 0, 0.1]),  // Wool socks
        "6": unit([0, 0, 1, 0.1]),  // Bluetooth headphones
        "8": unit([1, 0, 0, 0.15]),  // Parka
    ]

    func engine(tuning: SearchTuning = SearchTuning()) -> SearchEngine {
        let engine = SearchEngine(tuning: tuning)
        engine.upsert(
            SearchEngineTests.catalog + [
                SearchEngineTests.item(
                    "8",
                    "Insulated parka",
                    brand: "Nordkap",
                    categories: ["Clothing > Jackets"],
                    price: 249
                )
            ]
        )
        engine.setVectors(Self.vectors.map { (ItemID($0.key), $0.value) })
        return engine
    }

    func query(_ text: String, mode: SearchMode, vector: [Float]? = nil) -> SearchQuery {
        var query = SearchQuery(text: text)
        query.mode = mode
        query.vector = vector
        return query
    }

    @Test("semantic mode ranks by similarity and skips items not indexed, hidden or filtered out")
    func semantic() {
        let engine = engine()
        #expect(engine.vectorCount == 6)
        let coat = Self.unit([1, 0, 0, 0])
        let ids = engine.search(query("coat", mode: .semantic, vector: coat)).hits.map(\.itemID.rawValue)
        #expect(ids.prefix(3) == ["1", "8", "3"])
        #expect(!ids.contains("6"), "headphones are below the similarity floor")
        var inStock = query("coat", mode: .semantic, vector: coat)
        inStock.inStockOnly = true
        #expect(!engine.search(inStock).hits.map(\.itemID.rawValue).contains("3"))
        engine.remove(ItemID("1"))
        #expect(engine.search(query("coat", mode: .semantic, vector: coat)).hits.first?.itemID.rawValue == "8")
        #expect(engine.vectorCount == 5)
        // A vector for an item not indexed yet waits for it.
        engine.setVectors([(ItemID("9"), Self.unit([1, 0, 0, 0]))])
        #expect(engine.search(query("coat", mode: .semantic, vector: coat)).hits.first?.itemID.rawValue == "8")
        engine.upsert([SearchEngineTests.item("9", "Winter coat")])
        #expect(engine.search(query("coat", mode: .semantic, vector: coat)).hits.first?.itemID.rawValue == "9")
    }

    @Test("hybrid finds what words miss and keeps word matches near the top; lexical ignores vectors")
    func hybrid() {
        let engine = engine()
        let coat = Self.unit([1, 0, 0, 0])
        // "anorak" matches no word: lexical finds nothing, hybrid finds the outerwear.
        #expect(engine.search(query("anorak", mode: .lexical, vector: coat)).total == 0)
        let hybrid = engine.search(query("anorak", mode: .hybrid, vector: coat)).hits.map(\.itemID.rawValue)
        #expect(hybrid.prefix(2) == ["1", "8"])
        // "parka" matches item 8 by word and by meaning: first.
        #expect(engine.search(query("parka", mode: .hybrid, vector: coat)).hits.first?.itemID.rawValue == "8")
        // Without a vector hybrid is lexical.
        #expect(
            engine.search(query("jacket", mode: .hybrid)).hits.map(\.itemID)
                == engine.search(query("jacket", mode: .lexical)).hits.map(\.itemID)
        )
        // A query vector of another dimension is ignored, not a crash.
        #expect(engine.search(query("parka", mode: .semantic, vector: [1, 0])).total == 0)
    }

    @Test("hybrid scores word matches the same whether their similarities come from the scan or are read one by one")
    func hybridReusesTheScan() {
        // Depth 1: every word match but the nearest item takes its similarity from outside the
        // semantic list; the graph (limit 0) answers without a scan, so it reads them one by one.
        var scanning = SearchTuning()
        scanning.semanticDepth = 1
        var reading = scanning
        reading.exactSearchLimit = 0
        reading.buildsGraphInBackground = false
        let engines = [engine(tuning: scanning), engine(tuning: reading)]
        for (text, vector) in [
            ("jacket", Self.unit([1, 0, 0, 0])), ("boots socks jacket", Self.unit([0.3, 1, 0, 0])),
            ("headphones jacket", Self.unit([0, 0.2, 1, 0])),
        ] {
            let answers = engines.map { $0.search(query(text, mode: .hybrid, vector: vector)).hits }
            #expect(answers[0].count >= 2, "\(text)")
            #expect(answers[0].map(\.itemID) == answers[1].map(\.itemID), "\(text)")
            for (a, b) in zip(answers[0], answers[1]) { #expect(abs(a.score - b.score) < 1e-6, "\(text)") }
        }
    }

    @Test("explain shows each score part")
    func explain() throws {
        let engine = engine()
        var request = query("parka", mode: .hybrid, vector: Self.unit([1, 0, 0, 0]))
        request.explain = true
        let hit = try #require(engine.search(request).hits.first)
        let parts = try #require(hit.parts)
        #expect(parts.lexical > 0)
        let vector = try #require(Self.vectors["8"])
        #expect(abs((parts.semantic ?? 0) - vector[0]) < 1e-5)
        #expect(parts.personal == 0 && parts.clicks == 0)
        #expect(abs(parts.relevance - hit.score) < 1e-6)
    }

    @Test("facets count categories with their parents, brands and price buckets over all matches")
    func facets() throws {
        let engine = engine()
        var request = SearchQuery(text: "jacket")
        request.facets = [.category, .brand, .price]
        let results = engine.search(request)
        #expect(results.total == 3)
        let categories = try #require(results.facets[.category])
        #expect(
            categories == [FacetCount(value: "Clothing", count: 3), FacetCount(value: "Clothing > Jackets", count: 3)]
        )
        #expect(
            results.facets[.brand] == [
                FacetCount(value: "Aurora", count: 1), FacetCount(value: "Fjellby", count: 1),
                FacetCount(value: "Nordkap", count: 1),
            ]
        )
        #expect(
            results.facets[.price] == [
                FacetCount(value: "50-100", count: 1, lower: 50, upper: 100),
                FacetCount(value: "100-250", count: 2, lower: 100, upper: 250),
            ]
        )
        #expect(engine.search(SearchQuery(text: "jacket")).facets.isEmpty)
    }

    @Test("attribute filters match any value, case-insensitively")
    func attributeFilter() {
        let engine = SearchEngine()
        engine.upsert([
            Item(
                id: ItemID("a"),
                title: "Tee",
                attributes: ["colour": .string("Navy"), "size": .array([.string("S"), .string("M")])]
            ),
            Item(
                id: ItemID("b"),
                title: "Tee",
                attributes: ["colour": .string("red"), "size": .array([.string("L")])]
            ),
        ])
        var request = SearchQuery(text: "tee")
        request.attributes = ["colour": "navy"]
        #expect(engine.search(request).hits.map(\.itemID.rawValue) == ["a"])
        request.attributes = ["size": "l"]
        #expect(engine.search(request).hits.map(\.itemID.rawValue) == ["b"])
        request.attributes = ["material": "wool"]
        #expect(engine.search(request).total == 0)
    }

    @Test("synonyms: two-way rules find each other, one-way only forwards; bad rules change nothing")
    func synonyms() throws {
        let engine = engine()
        try engine.setSynonyms([
            SynonymRule(synonyms: ["headset", "headphones"]),
            SynonymRule(from: "coat", to: ["parka", "jacket"]),
            SynonymRule(synonyms: ["耳机", "耳麦"]),
        ])
        #expect(ids(engine, "headset ") == ["6"])
        #expect(Set(ids(engine, "coat ")) == ["1", "3", "8"])
        #expect(!ids(engine, "parka ").contains("1"), "one-way: parka does not find jackets")
        #expect(engine.search(SearchQuery(text: "coat ")).interpretation["coat"] == ["parka", "jacket"])
        #expect(throws: SynonymError.self) { try engine.setSynonyms([SynonymRule(synonyms: ["rain coat", "jacket"])]) }
        #expect(throws: SynonymError.self) { try engine.setSynonyms([SynonymRule(synonyms: ["tv"])]) }
        #expect(throws: SynonymError.self) { try engine.setSynonyms([SynonymRule(from: "tv", to: [])]) }
        let many = (0..<70).map { SynonymRule(from: "tv", to: ["set\($0)"]) }
        #expect(throws: SynonymError.self) { try engine.setSynonyms(many) }
        #expect(engine.synonyms.count == 3, "a rejected set leaves the old rules")
        try engine.setSynonyms([])
        #expect(ids(engine, "headset ").isEmpty)
    }

    @Test("synonyms with revisions: an older revision arriving late does not replace a newer one")
    func synonymRevisions() throws {
        let engine = engine()
        let newer = [SynonymRule(synonyms: ["headset", "headphones"])]
        try engine.setSynonyms(newer, revision: 3)
        try engine.setSynonyms([SynonymRule(from: "coat", to: ["parka"])], revision: 2)
        #expect(engine.synonyms == newer)
        #expect(ids(engine, "headset ") == ["6"])
        try engine.setSynonyms([], revision: 4)
        #expect(engine.synonyms.isEmpty)
        try engine.setSynonyms(newer, revision: 4)
        #expect(engine.synonyms == newer, "the same revision again applies (a retry)")
    }

    func ids(_ engine: SearchEngine, _ text: String) -> [String] {
        engine.search(SearchQuery(text: text)).hits.map(\.itemID.rawValue)
    }

    @Test("clicks after a query lift that item for the same query, within the cap")
    func clicks() {
        let engine = engine()
        for text in ["jacket", "boots"] {
            var search = SearchQuery(text: text)
            search.record = true
            _ = engine.search(search)
        }
        // Clicks count only after a query searched here, and only on indexed items.
        engine.recordClick(query: "never searched", item: ItemID("1"))
        engine.recordClick(query: "jacket", item: ItemID("nope"))
        #expect(engine.drainBehaviourChanges().clicks.isEmpty)
        let before = ids(engine, "jacket ")
        #expect(Set(before.prefix(2)) == ["1", "3"])
        for _ in 0..<5 { engine.recordClick(query: "Jacket", item: ItemID(before[1])) }
        #expect(ids(engine, "jacket ")[0] == before[1])
        // The lift is capped: a weak match does not jump a much better one however often clicked.
        var request = SearchQuery(text: "boots")
        request.explain = true
        for _ in 0..<1_000 { engine.recordClick(query: "boots", item: ItemID("4")) }
        let hits = engine.search(request).hits
        #expect(hits.first?.itemID.rawValue == "2")
        #expect(hits.first { $0.itemID.rawValue == "4" }?.parts?.clicks == engine.tuning.clickWeight)
        // The popularity sort: most clicked from search first (1,000 clicks, then 5), then the rest.
        var browse = SearchQuery(text: "")
        browse.category = "Clothing"
        browse.sort = .popularity
        let popular = engine.search(browse).hits.map(\.itemID.rawValue)
        #expect(popular.prefix(2) == ["4", before[1]])
        #expect(Set(popular) == ["1", "3", "4", "8"])
    }

    @Test("personal affinity lifts the shopper's categories and brands, bounded")
    func personal() {
        let engine = engine()
        var request = SearchQuery(text: "jacket ")
        request.affinity = SearchAffinity(categories: [:], brands: ["aurora": 1])
        request.explain = true
        let hits = engine.search(request).hits
        #expect(hits.first?.itemID.rawValue == "3")
        #expect(hits.first?.parts?.personal == engine.tuning.personalWeight / 2)
        request.affinity = SearchAffinity(categories: ["Shoes": 1], brands: [:])
        #expect(engine.search(request).hits.count == 3, "affinity re-ranks, never adds items")
    }

    @Test(
        "a page of a personal search is the same whether every match is boosted or only those that can reach it",
        arguments: [(0, 5), (0, 1), (3, 4), (10, 10)]
    )
    func personalPagesMatchFullBoosting(offset: Int, limit: Int) {
        let engine = SearchEngine()
        let brands = ["aurora", "nordkap", "stride", "fjell", "zenith"]
        let categories = ["Clothing > Jackets", "Shoes > Running", "Home > Kitchen", "Clothing > Jackets > Down"]
        // Titles repeat "jacket" 1 to 3 times, so relevance differs and ties are common.
        engine.upsert(
            (0..<400).map { number in
                SearchEngineTests.item(
                    "j\(number)",
                    Array(repeating: "jacket", count: 1 + number % 3).joined(separator: " ") + " model \(number % 17)",
                    brand: brands[number % brands.count],
                    categories: [categories[(number / 5) % categories.count]]
                )
            }
        )
        var request = SearchQuery(text: "jacket model")
        request.affinity = SearchAffinity(categories: ["Clothing > Jackets": 0.8], brands: ["stride": 1, "fjell": 0.4])
        request.offset = offset
        request.limit = limit
        let pruned = engine.search(request).hits
        // A page this large boosts every match (the pruning starts past 4 matches per place).
        var full = request
        full.offset = 0
        full.limit = 400
        let reference = Array(engine.search(full).hits.dropFirst(offset).prefix(limit))
        #expect(pruned.map(\.itemID) == reference.map(\.itemID))
        #expect(pruned.map(\.score) == reference.map(\.score))
        #expect(pruned.count == limit)
    }

    @Test("the query log: zero-result queries listed, popular queries suggested, drained once")
    func queryLog() throws {
        let engine = engine()
        for (shopper, text) in ["Jacket", "jacket", "jacket  ", "boots", "snorkel", "Snorkel", "jacket rain"]
            .enumerated()
        {
            // Enough distinct shoppers for a suggestion (AutocompleteTests has the bar itself).
            for other in 0..<5 {
                var request = SearchQuery(text: text)
                request.record = true
                request.shopper = ShopperDigest(user: UserID("s\(shopper)-\(other)"))
                _ = engine.search(request)
            }
        }
        #expect(engine.zeroResultQueries(limit: 10).map(\.query) == ["snorkel"])
        #expect(engine.zeroResultQueries(limit: 10).first?.zeroResults == 10)
        let suggestions = engine.autocomplete("jac", limit: 4)
        #expect(suggestions.prefix(2).map(\.text) == ["jacket", "jacket rain"])
        #expect(try #require(suggestions.first).searches == 15)
        #expect(suggestions.dropFirst(2).allSatisfy { $0.kind == .item })
        #expect(
            !engine.autocomplete("sno", limit: 5).contains { $0.kind == .query },
            "zero-result queries are not suggested"
        )
        let changes = engine.drainBehaviourChanges()
        #expect(changes.queries.count == 4)
        #expect(engine.drainBehaviourChanges().queries.isEmpty)
        let restored = SearchEngine()
        restored.restoreBehaviour(SearchActivity(queries: changes.queries))
        #expect(restored.zeroResultQueries(limit: 10).first?.query == "snorkel")
    }

    @Test("counts the store could not take come back once, and stay bounded while it keeps failing")
    func requeueBounded() {
        let engine = engine()
        let time = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
        let failed = SearchActivity(
            queries: [SearchQueryStats(query: "jacket", searches: 2, zeroResults: 0, lastSearchedAt: time)]
        )
        #expect(engine.requeueBehaviourChanges(failed) == 0)
        #expect(engine.requeueBehaviourChanges(failed) == 0)
        #expect(engine.drainBehaviourChanges().queries.map(\.searches) == [4], "both failed writes, added up")
        #expect(engine.drainBehaviourChanges().queries.isEmpty)

        // A store that fails for long: many distinct queries pile up, then the rarest go.
        let capacity = 100_000
        let many = (0..<(capacity + 10)).map {
            SearchQueryStats(query: "q\($0)", searches: $0 < 10 ? 1 : 5, zeroResults: 0, lastSearchedAt: time)
        }
        #expect(engine.requeueBehaviourChanges(SearchActivity(queries: many)) == 10)
        let kept = engine.drainBehaviourChanges().queries
        #expect(kept.count == capacity && kept.allSatisfy { $0.searches == 5 })
        let clickCapacity = 500_000
        let clicks = (0..<(clickCapacity + 3)).map {
            SearchClickCount(query: "q\($0 % 1_000)", itemID: ItemID("i\($0)"), clicks: $0 < 3 ? 1 : 2)
        }
        #expect(engine.requeueBehaviourChanges(SearchActivity(clicks: clicks)) == 3)
        let keptClicks = engine.drainBehaviourChanges().clicks
        #expect(keptClicks.count == clickCapacity && keptClicks.allSatisfy { $0.clicks == 2 })
    }
}

/// The HNSW graph that replaces the exact scan on large catalogs: its answers against the scan's.
@Suite struct NearestNeighbourGraphTests {
    static func randomUnit(_ random: inout SplitMix64, dimension: Int = 32) -> [Float] {
        let values = (0..<dimension).map { _ in Float(random.next() % 2001) / 1000 - 1 }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    func engines(items: Int) -> (exact: SearchEngine, graph: SearchEngine, random: SplitMix64) {
        var random = SplitMix64(seed: 7)
        let catalog = (0..<items).map { Item(id: ItemID("i\($0)"), title: "item \($0)", price: Double($0 % 100)) }
        let vectors = catalog.map { ($0.id, Self.randomUnit(&random)) }
        var small = SearchTuning()
        small.exactSearchLimit = 200
        small.buildsGraphInBackground = false
        small.semanticFloor = -1
        // Random vectors are far apart: no similarity bar, the graph's neighbours are the test.
        small.semanticThreshold = -1
        small.semanticMargin = 3
        var exactTuning = SearchTuning()
        exactTuning.semanticFloor = -1
        exactTuning.semanticThreshold = -1
        exactTuning.semanticMargin = 3
        let exact = SearchEngine(tuning: exactTuning)
        let graph = SearchEngine(tuning: small)
        for engine in [exact, graph] {
            engine.upsert(catalog)
            engine.setVectors(vectors)
        }
        return (exact, graph, random)
    }

    @Test("past the exact-search limit, graph answers match the exact scan's (recall@10 ≥ 0.95)")
    func recall() {
        var (exact, graph, random) = engines(items: 1_000)
        var found = 0
        var wanted = 0
        for _ in 0..<50 {
            var query = SearchQuery(text: "q")
            query.mode = .semantic
            query.vector = Self.randomUnit(&random)
            query.limit = 10
            let truth = Set(exact.search(query).hits.map(\.itemID))
            let answer = graph.search(query).hits.map(\.itemID)
            found += answer.filter(truth.contains).count
            wanted += truth.count
        }
        #expect(Double(found) / Double(wanted) >= 0.95, "recall \(Double(found) / Double(wanted))")
    }

    @Test("built in the background, the graph takes over once ready, with the vectors set meanwhile")
    func background() async throws {
        var random = SplitMix64(seed: 5)
        var tuning = SearchTuning()
        tuning.exactSearchLimit = 200
        tuning.semanticFloor = -1
        let engine = SearchEngine(tuning: tuning)
        // The builder's owner (the server runs it as a service).
        let builder = Task { await engine.runGraphBuilds() }
        defer { builder.cancel() }
        let catalog = (0..<700).map { Item(id: ItemID("i\($0)"), title: "item \($0)") }
        engine.upsert(catalog)
        engine.setVectors(catalog.prefix(600).map { ($0.id, Self.randomUnit(&random)) })
        // Set while the graph may still be building: must be linked when it is installed.
        let late = catalog.suffix(100).map { ($0.id, Self.randomUnit(&random)) }
        engine.setVectors(late)
        for _ in 0..<200 where !engine.usesGraph { try await Task.sleep(for: .milliseconds(50)) }
        #expect(engine.usesGraph)
        for (id, vector) in late.prefix(20) {
            var query = SearchQuery(text: "q")
            query.mode = .semantic
            query.vector = vector
            query.limit = 1
            #expect(engine.search(query).hits.first?.itemID == id, "\(id)")
        }
    }

    @Test("the graph builder stops when its owner is cancelled, mid-build or idle")
    func builderStops() async throws {
        var random = SplitMix64(seed: 9)
        var tuning = SearchTuning()
        tuning.exactSearchLimit = 100
        let engine = SearchEngine(tuning: tuning)
        let idle = Task { await engine.runGraphBuilds() }
        idle.cancel()
        await idle.value
        let catalog = (0..<5_000).map { Item(id: ItemID("i\($0)"), title: "item \($0)") }
        engine.upsert(catalog)
        let builder = Task { await engine.runGraphBuilds() }
        engine.setVectors(catalog.map { ($0.id, Self.randomUnit(&random)) })
        try await Task.sleep(for: .milliseconds(20))
        builder.cancel()
        // Returns once the build thread saw the flag (or finished): nothing is left running.
        await builder.value
        var query = SearchQuery(text: "q")
        query.mode = .semantic
        query.vector = Self.randomUnit(&random)
        #expect(!engine.search(query).hits.isEmpty, "searches still answer, by the exact scan if no graph")
    }

    @Test("the graph itself (no scan behind it) finds the scan's nearest rows")
    func graphAlone() {
        var random = SplitMix64(seed: 11)
        var vectors = VectorIndex()
        vectors.exactSearchLimit = 100
        for row in 0..<800 { vectors.set(ItemID("i\(row)"), vector: Self.randomUnit(&random), slot: Int32(row)) }
        #expect(vectors.graph?.count == 800)
        var found = 0
        for _ in 0..<30 {
            let query = Self.randomUnit(&random)
            let exact = Set(
                vectors.scan(query, floor: -1) { _ in true }.sorted { $0.score > $1.score }.prefix(10).map(\.slot)
            )
            let graph = query.withUnsafeBufferPointer { pointer in
                vectors.values.withUnsafeBufferPointer { values in
                    guard let query = pointer.baseAddress, let base = values.baseAddress, let graph = vectors.graph
                    else { return [(row: Int32, score: Float)]() }
                    return graph.search(query, ef: 50, VectorStorage(base: base, dimension: 32)) { _ in true }
                }
            }
            found += graph.prefix(10).filter { exact.contains($0.row) }.count
        }
        #expect(Double(found) / 300 >= 0.9, "recall \(Double(found) / 300)")
    }

    @Test("the graph honours filters and deletions, and re-embedded items move")
    func changes() {
        var (exact, graph, random) = engines(items: 600)
        var query = SearchQuery(text: "q")
        query.mode = .semantic
        query.vector = Self.randomUnit(&random)
        query.limit = 10
        query.maximumPrice = 4  // 5% of the items
        let filtered = graph.search(query).hits
        #expect(filtered.count == 10)
        #expect(filtered.map(\.itemID) == exact.search(query).hits.map(\.itemID), "few admitted: scanned exactly")
        query.maximumPrice = nil
        let first = graph.search(query).hits[0].itemID
        graph.remove(first)
        #expect(!graph.search(query).hits.map(\.itemID).contains(first))
        // An item re-embedded right onto the query comes first.
        let moved = ItemID("i555")
        graph.setVectors([(moved, query.vector ?? [])])
        #expect(graph.search(query).hits.first?.itemID == moved)
    }
}
