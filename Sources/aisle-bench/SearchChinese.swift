import AisleCore
import AisleSearch
import AisleText
import ArgumentParser
import Foundation

/// Category retrieval on real Chinese text (issue 6): the 62,774 reviews of reviews-zh are the
/// documents; the queries are hand-written product words per category (bench/search-zh-queries.tsv,
/// written before the first run and not tuned since); a result is relevant when its review is of
/// the query's category. Reports precision@10, and writes the documents for the Tantivy peer.
struct SearchChinese: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-zh",
        abstract: "Chinese category retrieval: precision@10 over the reviews-zh corpus."
    )

    @Option(help: "Chinese reviews.") var reviews = "../shared/data/reviews-zh/online_shopping_10_cats.csv.gz"
    @Option(help: "Queries: category TAB query, with a header.") var queries = "bench/search-zh-queries.tsv"
    @Option(help: "Where to write the documents for the peer.") var out = "bench-out/search-zh"
    @Option(help: "Also semantic and hybrid with this text model folder (embeds every review once, cached).")
    var modelDir: String?
    @Option(help: "Hybrid semantic weight (default: the engine's); repeat it to compare weights in one run.")
    var semanticWeight: [Float] = []
    @Option(help: "Similarity the semantic part maps to 0 (default: the model's).") var semanticFloor: Float?
    @Option(
        help:
            "Which queries: all, validation (the 1st, 3rd, … of each category, for choosing settings) or test (the 2nd, 4th, …)."
    )
    var part = "all"

    func run() throws {
        let rows = try SentimentCorpus.chinese(reviews)
        let engine = SearchEngine()
        let clock = ContinuousClock()
        let start = clock.now
        let items = rows.enumerated().map { Item(id: ItemID("r\($0.offset)"), title: $0.element.text) }
        engine.upsert(items)
        let seconds = (clock.now - start).seconds
        print(
            "search-zh: indexed \(rows.count) reviews in \(String(format: "%.2f", seconds)) s (\(Int(Double(rows.count) / seconds)) reviews/s)"
        )
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var documents = ""
        for (index, row) in rows.enumerated() {
            let object: [String: Any] = ["id": "r\(index)", "category": row.source, "text": row.text]
            documents += String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n"
        }
        try documents.write(toFile: out + "/documents.jsonl", atomically: true, encoding: .utf8)
        // The same reviews as catalog items, for `aisle import items` (the HTTP benchmark).
        var catalog = ""
        for (index, row) in rows.enumerated() {
            let object: [String: Any] = ["id": "r\(index)", "title": row.text, "categories": [row.source]]
            catalog += String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n"
        }
        try catalog.write(toFile: out + "/items.jsonl", atomically: true, encoding: .utf8)
        print("search-zh: RSS after indexing \(SearchQuality.residentMiB()) MiB (with the reviews' text)")
        let lines = try queryLines()
        try evaluate(engine, rows: rows, lines: lines, mode: .lexical, vectors: nil)
        let requests = lines.compactMap { line -> SearchQuery? in
            let fields = line.split(separator: "\t")
            guard fields.count == 2 else { return nil }
            var query = SearchQuery(text: fields[1] + " ")
            query.limit = 10
            return query
        }
        SearchQuality.report(
            "Chinese reviews, lexical latency, 2 threads",
            SearchQuality.timeConcurrently(engine, Array(repeating: requests, count: 5).flatMap { $0 }, threads: 2)
        )
        try lines.compactMap { $0.split(separator: "\t").last.map(String.init) }.joined(separator: "\n")
            .write(toFile: out + "/queries.txt", atomically: true, encoding: .utf8)
        guard let modelDir else { return }
        let encoder = try TextEncoder.load(modelDir)
        let vectors = try EmbeddingCache.vectors(
            of: rows.map(\.text),
            encoder: encoder,
            cache: out + "/documents.\(encoder.name).f32"
        )
        let queryVectors = Dictionary(
            lines.compactMap { line -> String? in
                let fields = line.split(separator: "\t")
                return fields.count == 2 ? String(fields[1]) : nil
            }.map { ($0, encoder.embed($0, as: .query)) },
            uniquingKeysWith: { first, _ in first }
        )
        // The model's calibrated bars, as the engine sets them for the search model.
        var tuning = SearchTuning()
        tuning.calibrate(forModel: encoder.name)
        tuning.semanticFloor = semanticFloor ?? tuning.semanticFloor
        func weightedEngine(_ weight: Float) -> SearchEngine {
            var weighted = tuning
            weighted.semanticWeight = weight
            let engine = SearchEngine(tuning: weighted)
            engine.upsert(items)
            engine.setVectors(items.indices.map { (items[$0].id, vectors[$0]) })
            return engine
        }
        try evaluate(
            weightedEngine(tuning.semanticWeight),
            rows: rows,
            lines: lines,
            mode: .semantic,
            vectors: queryVectors
        )
        for weight in semanticWeight.isEmpty ? [tuning.semanticWeight] : semanticWeight {
            print("search-zh: semantic weight \(weight)")
            try evaluate(weightedEngine(weight), rows: rows, lines: lines, mode: .hybrid, vectors: queryVectors)
        }
    }

    /// The query lines of `part`: every other query of each category for validation and test.
    func queryLines() throws -> ArraySlice<Substring> {
        let lines = try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n").dropFirst()
        guard part != "all" else { return lines }
        guard part == "validation" || part == "test" else {
            throw ValidationError("--part is all, validation or test, not \(part)")
        }
        var seen: [Substring: Int] = [:]
        return ArraySlice(
            lines.filter { line in
                let category = line.split(separator: "\t").first ?? ""
                seen[category, default: 0] += 1
                return (seen[category, default: 0] % 2 == 1) == (part == "validation")
            }
        )
    }

    func evaluate(
        _ engine: SearchEngine,
        rows: [LabeledText],
        lines: ArraySlice<Substring>,
        mode: SearchMode,
        vectors: [String: [Float]]?
    ) throws {
        let clock = ContinuousClock()
        var perCategory: [String: [Double]] = [:]
        var latencies: [Double] = []
        print("search-zh: mode \(mode.rawValue)")
        for line in lines {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 2 else { continue }
            var query = SearchQuery(text: fields[1] + " ")  // whole words: no prefix completion
            query.limit = 10
            query.mode = mode
            query.vector = vectors?[fields[1]]
            let began = clock.now
            let hits = engine.search(query).hits
            latencies.append((clock.now - began).seconds * 1000)
            let relevant = hits.filter { hit in
                Int(hit.itemID.rawValue.dropFirst()).map { rows[$0].source == fields[0] } ?? false
            }.count
            perCategory[fields[0], default: []].append(Double(relevant) / 10)
        }
        var all: [Double] = []
        for category in perCategory.keys.sorted() {
            let values = perCategory[category] ?? []
            all += values
            print(
                "search-zh: \(category): P@10 \(String(format: "%.3f", values.reduce(0, +) / Double(values.count))) over \(values.count) queries"
            )
        }
        latencies.sort()
        print(
            "search-zh: all \(all.count) queries: P@10 \(String(format: "%.4f", all.reduce(0, +) / Double(max(all.count, 1))))"
        )
        print(
            "search-zh: in-process latency p50 \(String(format: "%.3f", latencies[latencies.count / 2])) ms, p99 \(String(format: "%.3f", latencies[latencies.count * 99 / 100])) ms"
        )
    }
}
