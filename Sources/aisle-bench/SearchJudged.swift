import AisleCore
import AisleMath
import AisleSearch
import AisleText
import ArgumentParser
import Foundation

/// The hand-judged set (issue 6): English and Chinese shopper queries over a synthetic catalog
/// with graded judgments written by hand (bench/search-judged.jsonl). Writes Aisle's top-10 runs
/// (lexical, semantic, hybrid at each semantic weight asked for) for scripts/search_judged.py,
/// which scores them beside Tantivy's. Item embeddings are cached beside the catalog.
struct SearchJudged: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-judged",
        abstract: "Runs the hand-judged queries: lexical, semantic and hybrid top-10 run files."
    )

    @Option(help: "The catalog (aisle synth --items-output).") var catalog = "bench-out/judged/items.jsonl"
    @Option(help: "The judged queries.") var queries = "bench/search-judged.jsonl"
    @Option(help: "The text model folder.") var modelDir = "models/all-MiniLM-L6-v2"
    @Option(help: "Hybrid semantic weights to write runs for (comma-separated).") var weights = "0.5"
    @Option(help: "Where to write the runs.") var out = "bench-out/judged"
    @Flag(help: "Also compare the HNSW graph's semantic top 10 with the exact scan's on these vectors.")
    var graphCheck = false
    @Option(
        help:
            "Instead of runs, write each query's items found by meaning alone (the 100 nearest with similarity >= 0.2 that no word matches) with their similarity to this file, for search_judged.py calibrate."
    )
    var calibrate: String?
    @Option(help: "Weight of function words in BM25F (SearchTuning.functionWordWeight; default: the engine's).")
    var functionWordWeight: Float?
    @Option(
        help:
            "Similarity an item found by meaning alone needs (SearchTuning.semanticThreshold; default: the model's calibrated one)."
    )
    var semanticThreshold: Float?
    @Option(
        help:
            "How far below the nearest item a meaning-only match may be (SearchTuning.semanticMargin; default: the model's calibrated one)."
    )
    var semanticMargin: Float?
    @Option(help: "Similarity the semantic part maps to 0 (SearchTuning.semanticFloor; default: the model's).")
    var semanticFloor: Float?
    @Option(help: "A second text model whose vectors are joined to the first's (an ensemble).")
    var ensembleWith: String?
    @Option(help: "The second model's share of the ensemble's similarity.") var ensembleWeight: Float = 0.5
    @Option(help: "Share of each language's mean taken out (LanguageCentering.share; default: the model's).")
    var centeringShare: Float?
    @Option(help: "Suffix for the run files' names.") var runName = ""

    struct JudgedQuery: Decodable {
        var id: String
        var lang: String
        var query: String
    }

    func run() throws {
        let items = try SearchQuality.jsonItems(catalog)
        let judged = try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(JudgedQuery.self, from: Data($0.utf8))
        }
        let encoder = try TextEncoder.load(modelDir)
        var vectors = try EmbeddingCache.vectors(
            of: items.map(TextEncoder.itemText),
            encoder: encoder,
            cache: catalog + ".\(encoder.name).f32"
        )
        var queryVectors = encoder.embed(judged.map(\.query), as: .query)
        if let ensembleWith {
            // Both models' vectors side by side, scaled so that a dot product is
            // (1 − w) · cos₁ + w · cos₂.
            let second = try TextEncoder.load(ensembleWith)
            let secondVectors = try EmbeddingCache.vectors(
                of: items.map(TextEncoder.itemText),
                encoder: second,
                cache: catalog + ".\(second.name).f32"
            )
            let (a, b) = ((1 - ensembleWeight).squareRoot(), ensembleWeight.squareRoot())
            vectors = zip(vectors, secondVectors).map { $0.map { $0 * a } + $1.map { $0 * b } }
            queryVectors = zip(queryVectors, second.embed(judged.map(\.query), as: .query)).map {
                $0.map { $0 * a } + $1.map { $0 * b }
            }
        }
        var base = SearchTuning()
        base.calibrate(forModel: encoder.name)
        if let centeringShare { base.languageCentering?.share = centeringShare }
        if let calibrate {
            // The engine centres what it is given; the candidates are scored here, so centre
            // them here too.
            let centering = base.languageCentering
            try writeCandidates(
                calibrate,
                items,
                centering.map { c in zip(items, vectors).map { c.centred($1, text: $0.title) } } ?? vectors,
                judged,
                centering.map { c in zip(judged, queryVectors).map { c.centred($1, text: $0.query) } } ?? queryVectors
            )
            return
        }
        if let semanticThreshold { base.semanticThreshold = semanticThreshold }
        if let semanticMargin { base.semanticMargin = semanticMargin }
        if let semanticFloor { base.semanticFloor = semanticFloor }
        if ensembleWith != nil { base.semanticReadsCJK = true }
        if let functionWordWeight { base.functionWordWeight = functionWordWeight }
        func runs(_ tuning: SearchTuning, _ mode: SearchMode, _ name: String) throws {
            let engine = SearchEngine(tuning: tuning)
            engine.upsert(items)
            engine.setVectors(zip(items, vectors).map { ($0.id, $1) })
            var lines = ""
            for (query, vector) in zip(judged, queryVectors) {
                // Whole words: the judged queries are submitted searches, not typing.
                var request = SearchQuery(text: query.query + " ")
                request.mode = mode
                request.vector = vector
                // Every result (up to 1,000), not just the top 10: the scores count how many
                // results a query gets and how many of them are relevant, besides NDCG@10.
                request.limit = 1000
                for (rank, hit) in engine.search(request).hits.enumerated() {
                    lines += "\(query.id)\t\(rank + 1)\t\(hit.itemID)\n"
                }
            }
            try lines.write(toFile: "\(out)/aisle-\(name)\(runName).tsv", atomically: true, encoding: .utf8)
            print("search-judged: wrote \(out)/aisle-\(name)\(runName).tsv")
        }
        try runs(base, .lexical, "lexical")
        try runs(base, .semantic, "semantic")
        for weight in weights.split(separator: ",").compactMap({ Float($0) }) {
            var tuning = base
            tuning.semanticWeight = weight
            try runs(tuning, .hybrid, "hybrid-\(weight)")
        }
        if graphCheck {
            compareGraph(items, vectors, queryVectors + encoder.embed(items.prefix(500).map(\.title), as: .query))
        }
    }

    /// For each query, the items hybrid search could add by meaning alone: the 100 nearest by
    /// cosine similarity (at least 0.2, as `SearchTuning.semanticDepth` and `semanticFloor`) that
    /// the lexical search does not match. Lines `query_id<TAB>item_id<TAB>similarity<TAB>nearest`,
    /// nearest being the query's highest similarity to any item.
    func writeCandidates(
        _ path: String,
        _ items: [Item],
        _ vectors: [[Float]],
        _ judged: [JudgedQuery],
        _ queryVectors: [[Float]]
    ) throws {
        let engine = SearchEngine()
        engine.upsert(items)
        var lines = ""
        for (query, vector) in zip(judged, queryVectors) {
            var request = SearchQuery(text: query.query + " ")
            request.limit = items.count
            let lexical = Set(engine.search(request).hits.map(\.itemID))
            let nearest = zip(items, vectors).map { item, itemVector in
                (item.id, zip(vector, itemVector).reduce(Float(0)) { $0 + $1.0 * $1.1 })
            }.filter { $0.1 >= 0.2 }.sorted { $0.1 > $1.1 }.prefix(100)
            let best = nearest.first?.1 ?? 0
            for (id, similarity) in nearest where !lexical.contains(id) {
                lines += "\(query.id)\t\(id)\t\(String(format: "%.4f", similarity))\t\(String(format: "%.4f", best))\n"
            }
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        print("search-judged: wrote \(path)")
    }

    /// Recall@10 of the HNSW graph against the exact scan, its build time and both latencies.
    func compareGraph(_ items: [Item], _ vectors: [[Float]], _ queries: [[Float]]) {
        var exactTuning = SearchTuning()
        exactTuning.semanticFloor = -1
        var graphTuning = exactTuning
        graphTuning.exactSearchLimit = 0
        graphTuning.buildsGraphInBackground = false  // timed inline
        let exact = SearchEngine(tuning: exactTuning)
        let graph = SearchEngine(tuning: graphTuning)
        exact.upsert(items)
        graph.upsert(items)
        exact.setVectors(zip(items, vectors).map { ($0.id, $1) })
        let clock = ContinuousClock()
        let start = clock.now
        graph.setVectors(zip(items, vectors).map { ($0.id, $1) })
        let building = (clock.now - start).seconds
        var found = 0
        var identical = 0
        var wanted = 0
        var exactTimes: [Double] = []
        var graphTimes: [Double] = []
        for vector in queries {
            var query = SearchQuery(text: "")
            query.mode = .semantic
            query.vector = vector
            query.limit = 10
            var began = clock.now
            let truth = exact.search(query).hits
            exactTimes.append((clock.now - began).seconds * 1000)
            began = clock.now
            let answer = graph.search(query).hits
            graphTimes.append((clock.now - began).seconds * 1000)
            // Near-duplicate titles tie at the tenth place: an item as similar as the exact
            // tenth counts as found.
            let tenth = truth.last?.score ?? 0
            found += answer.filter { $0.score >= tenth - 1e-5 }.count
            wanted += truth.count
            identical += Set(answer.map(\.itemID)).intersection(truth.map(\.itemID)).count
        }
        print(
            "search-judged: HNSW over \(items.count) vectors built in \(String(format: "%.1f", building)) s; recall@10 against the exact scan \(String(format: "%.4f", Double(found) / Double(max(wanted, 1)))) (same items: \(String(format: "%.4f", Double(identical) / Double(max(wanted, 1))))) over \(queries.count) queries"
        )
        SearchQuality.report("exact scan latency", exactTimes)
        SearchQuality.report("HNSW latency", graphTimes)
    }
}

/// Embeddings of a benchmark's texts, computed once and kept in a file of float32s (rerunning a
/// benchmark does not re-embed a catalog; a different text list has a different file name).
enum EmbeddingCache {
    /// `EmbeddingFileCache`, with progress on the console.
    static func vectors(
        of texts: [String],
        encoder: TextEncoder,
        cache: String,
        as type: TextEncoder.InputType = .passage,
        layers: [Int]? = nil,
        through head: EmbeddingPolarity? = nil
    ) throws -> [[Float]] {
        let clock = ContinuousClock()
        let start = clock.now
        return try EmbeddingFileCache.vectors(
            of: texts,
            encoder: encoder,
            cache: cache,
            as: type,
            layers: layers,
            through: head,
            progress: { done, total in
                let seconds = (clock.now - start).seconds
                print("embedding: \(done)/\(total) texts, \(Int(Double(done) / max(seconds, 0.001))) texts/s")
            }
        )
    }
}
