import AisleCore
import AisleSearch
import AisleText
import ArgumentParser
import Foundation

/// Cross-language search (issue 18): bench/cross-language.jsonl holds 50 products, 25 titled
/// only in Chinese and 25 only in English, each with a query in the other language (written
/// before the first run, not tuned). Every title is embedded as a passage, every query as a
/// query; each query runs in semantic and hybrid mode over all 50 items with the model's
/// calibrated tuning, and counts as a hit when its product is in the top 1 or top 3.
struct SearchCrossLanguage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search-cross",
        abstract: "Cross-language search: English queries over Chinese titles and the reverse, hit@1 and hit@3."
    )

    @Option(help: "The set.") var set = "bench/cross-language.jsonl"
    @Option(help: "Text model folder or packed file.") var modelDir = "models/multilingual-e5-small"
    @Option(help: "SearchTuning.semanticMargin (default: the model's).") var semanticMargin: Float?
    @Option(help: "SearchTuning.crossScriptThreshold (default: the model's).") var crossScriptThreshold: Float?

    struct Entry: Decodable {
        var id: String
        var lang: String
        var title: String
        var query: String
    }

    func run() throws {
        let entries = try String(contentsOfFile: set, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Entry.self, from: Data($0.utf8))
        }
        let encoder = try TextEncoder.load(modelDir)
        let items = entries.map { Item(id: ItemID($0.id), title: $0.title) }
        let vectors = encoder.embed(entries.map(\.title), as: .passage)
        let queryVectors = encoder.embed(entries.map(\.query), as: .query)
        var tuning = SearchTuning()
        tuning.calibrate(forModel: encoder.name)
        if let semanticMargin { tuning.semanticMargin = semanticMargin }
        if let crossScriptThreshold { tuning.crossScriptThreshold = crossScriptThreshold }
        let engine = SearchEngine(tuning: tuning)
        engine.upsert(items)
        engine.setVectors(zip(items, vectors).map { ($0.id, $1) })
        print("search-cross: \(encoder.name), \(entries.count) products, queries in the other language")
        for mode in [SearchMode.semantic, .hybrid] {
            var hits: [String: (one: Int, three: Int, total: Int)] = [:]
            var misses: [String] = []
            for (entry, vector) in zip(entries, queryVectors) {
                var query = SearchQuery(text: entry.query + " ")
                query.mode = mode
                query.vector = vector
                query.limit = 3
                let found = engine.search(query).hits.map(\.itemID.rawValue)
                let direction = entry.lang == "zh" ? "en→zh" : "zh→en"
                var tally = hits[direction] ?? (0, 0, 0)
                tally.total += 1
                if found.first == entry.id { tally.one += 1 }
                if found.contains(entry.id) { tally.three += 1 } else { misses.append("\(entry.query) → \(found)") }
                hits[direction] = tally
            }
            for direction in hits.keys.sorted() {
                let tally = hits[direction] ?? (0, 0, 1)
                print(
                    "search-cross: \(mode.rawValue) \(direction): hit@1 \(String(format: "%.3f", Double(tally.one) / Double(tally.total))), hit@3 \(String(format: "%.3f", Double(tally.three) / Double(tally.total))) over \(tally.total) queries"
                )
            }
            let all = hits.values.reduce((0, 0, 0)) { ($0.0 + $1.one, $0.1 + $1.three, $0.2 + $1.total) }
            print(
                "search-cross: \(mode.rawValue) both: hit@1 \(String(format: "%.3f", Double(all.0) / Double(all.2))), hit@3 \(String(format: "%.3f", Double(all.1) / Double(all.2)))"
            )
            for miss in misses { print("search-cross:   missed \(miss)") }
        }
    }
}
