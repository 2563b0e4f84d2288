import AisleCore
import AisleSearch
import Dispatch
import Synchronization
import Testing

@Suite struct SearchAnalyzerTests {
    let analyzer = SearchAnalyzer()

    func texts(_ text: String) -> [String] { analyzer.terms(text).map(\.text) }

    @Test("Latin text is folded and split like Tantivy's; the stemmer links plural forms; numbers and codes kept")
    func latin() {
        #expect(texts("The Men's CAFÉ Jackets") == ["the", "men", "s", "cafe", "jackets"])
        #expect(
            ["jackets", "batteries", "boxes", "glass", "dress", "bus", "xs200"].map(SearchAnalyzer.stem) == [
                "jacket", "battery", "box", "glass", "dress", "bus", "xs200",
            ]
        )
        #expect(texts("ｆｕｌｌｗｉｄｔｈ iPhone 15 Pro XS-200") == ["fullwidth", "iphone", "15", "pro", "xs", "200"])
    }

    @Test("CJK runs give characters and overlapping pairs; mixed scripts split where they change")
    func cjk() {
        #expect(texts("羽绒服") == ["羽", "羽绒", "绒", "绒服", "服"])
        #expect(texts("iPhone手机壳") == ["iphone", "手", "手机", "机", "机壳", "壳"])
        #expect(texts("서울 東京タワー").contains("タワ"))
    }
}

@Suite struct SearchEngineTests {
    static func item(
        _ id: String,
        _ title: String,
        brand: String? = nil,
        categories: [String] = [],
        price: Double? = nil,
        description: String? = nil,
        inStock: Bool = true,
        hidden: Bool = false
    ) -> Item {
        Item(
            id: ItemID(id),
            title: title,
            description: description,
            categories: categories,
            brand: brand,
            price: price,
            currency: price == nil ? nil : "EUR",
            inStock: inStock,
            hidden: hidden,
            createdAt: Timestamp(millisecondsSinceEpoch: 1_790_000_000_000 + Int64(id.utf8.count) * 1000)
        )
    }

    static let catalog = [
        item("1", "Waterproof down jacket", brand: "Fjellby", categories: ["Clothing > Jackets"], price: 199),
        item("2", "Leather boots", brand: "Stigen", categories: ["Shoes > Boots"], price: 129),
        item("3", "Rain jacket", brand: "Aurora", categories: ["Clothing > Jackets"], price: 89, inStock: false),
        item(
            "4",
            "Wool socks",
            brand: "Fjellby",
            categories: ["Clothing > Socks"],
            price: 15,
            description: "Warm socks for winter boots"
        ),
        item("5", "羽绒服 女 长款", brand: "波司登", categories: ["服装 > 羽绒服"], price: 899),
        item("6", "Bluetooth headphones", brand: "Lumen", categories: ["Electronics"], price: 59),
        item("7", "Draft jacket", categories: ["Clothing > Jackets"], hidden: true),
    ]

    func engine() -> SearchEngine {
        let engine = SearchEngine()
        engine.upsert(Self.catalog)
        return engine
    }

    func ids(_ engine: SearchEngine, _ text: String, _ configure: (inout SearchQuery) -> Void = { _ in }) -> [String] {
        var query = SearchQuery(text: text)
        configure(&query)
        return engine.search(query).hits.map(\.itemID.rawValue)
    }

    @Test("title matches outrank description matches; hidden items never appear")
    func ranking() {
        let engine = engine()
        #expect(engine.count == 6)
        #expect(ids(engine, "jacket") == ["3", "1"] || ids(engine, "jacket") == ["1", "3"])
        #expect(ids(engine, "boots").first == "2")
        #expect(ids(engine, "boots").contains("4"))
        #expect(!ids(engine, "draft").contains("7"))
    }

    @Test("a typo of one edit finds the word, ranked like it; 3-letter words and numbers are not corrected")
    func typos() {
        let engine = engine()
        #expect(ids(engine, "waterprof jacket").first == "1")
        #expect(ids(engine, "blutooth").first == "6")
        #expect(ids(engine, "headphoens").first == "6")  // a swap of neighbours is one edit
        #expect(ids(engine, "bots ").first == "2")  // 4 letters: one edit
        #expect(ids(engine, "bot ").isEmpty)  // 3 letters: no correction
        let results = engine.search(SearchQuery(text: "leathr "))
        #expect(results.hits.map(\.itemID.rawValue) == ["2"])
        #expect(results.interpretation["leathr"] == ["leather"])
    }

    @Test("the last, unfinished word is completed (search as you type)")
    func prefix() {
        let engine = engine()
        #expect(ids(engine, "headph").first == "6")
        #expect(ids(engine, "leather bo").first == "2")
        #expect(ids(engine, "headph ").isEmpty)  // a finished word is not a prefix
    }

    @Test("Chinese queries match by characters and pairs")
    func chinese() {
        let engine = engine()
        #expect(ids(engine, "羽绒服").first == "5")
        #expect(ids(engine, "长款羽绒").first == "5")
        #expect(ids(engine, "波司登").first == "5")
    }

    @Test("filters: category prefix, brand, price range, in stock; sorts by price and newest")
    func filters() {
        let engine = engine()
        #expect(ids(engine, "jacket") { $0.inStockOnly = true } == ["1"])
        #expect(Set(ids(engine, "") { $0.category = "Clothing" }) == ["1", "3", "4"])
        #expect(
            ids(engine, "") {
                $0.brand = "fjellby"; $0.sort = .priceAscending
            } == ["4", "1"]
        )
        #expect(
            ids(engine, "") {
                $0.minimumPrice = 50; $0.maximumPrice = 130; $0.sort = .priceDescending
            } == ["2", "3", "6"]
        )
        let page = engine.search(
            {
                var q = SearchQuery(text: ""); q.limit = 2; q.offset = 2; q.sort = .priceAscending; return q
            }()
        )
        #expect(page.total == 6 && page.hits.map(\.itemID.rawValue) == ["3", "2"])
    }

    @Test("an update re-indexes an item and a removal takes it out at once")
    func changes() {
        let engine = engine()
        engine.upsert([Self.item("2", "Chocolate cake", categories: ["Food"])])
        #expect(!ids(engine, "leather").contains("2"))
        #expect(ids(engine, "chocolate") == ["2"])
        #expect(engine.remove(ItemID("2")))
        #expect(ids(engine, "chocolate").isEmpty)
        #expect(!engine.remove(ItemID("2")))
        engine.upsert([Self.item("1", "Waterproof down jacket", hidden: true)])
        #expect(!ids(engine, "waterproof").contains("1"))
        #expect(engine.count == 4)
    }

    @Test("many updates keep results right through compactions")
    func compaction() {
        let engine = SearchEngine()
        for round in 0..<30 {
            engine.upsert((0..<2000).map { Self.item("i\($0)", "item \($0) round\(round) gadget") })
        }
        #expect(engine.count == 2000)
        #expect(engine.search(SearchQuery(text: "round29 ")).total == 2000)
        #expect(engine.search(SearchQuery(text: "round28 ")).total == 0)
        #expect(engine.search(SearchQuery(text: "1999 ")).hits.first?.itemID.rawValue == "i1999")
    }

    @Test("searches run together while items change: each sees a whole catalog, none is lost")
    func concurrentSearchesAndChanges() {
        let engine = SearchEngine()
        engine.upsert((0..<500).map { Self.item("i\($0)", "gadget \($0) steady") })
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            for round in 0..<150 {
                if worker == 0 {
                    // Renames half the catalog each round (compactions included) and adds new words.
                    engine.upsert((0..<250).map { Self.item("i\($0)", "gadget \($0) round\(round) steady") })
                    continue
                }
                // Every item keeps "steady" and "gadget" through every change.
                let steady = engine.search(SearchQuery(text: "steady gadget"))
                let typed = engine.search(SearchQuery(text: "round\(round % 10)"))
                if steady.total != 500
                    || typed.hits.contains(where: { Int($0.itemID.rawValue.dropFirst()) ?? 0 >= 250 })
                {
                    failures.withLock { $0.append("worker \(worker) round \(round): \(steady.total) steady") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        #expect(engine.search(SearchQuery(text: "round149 ")).total == 250)
    }
}
