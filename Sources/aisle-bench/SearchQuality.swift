import AisleCore
import AisleRecommend
import AisleSearch
import ArgumentParser
import Foundation
import Synchronization

/// Known-item search on the MovieLens-100K titles (issue 6's first quality measure): for every
/// movie, a query made of 2–3 of its title's words, the same with one random edit in a word of
/// 5+ letters, and the same with the last word cut to a prefix; the movie should come first.
/// `typo4` queries (issue 10) have the edit in a word of exactly 4 letters instead, drawn from
/// their own seeded generator so the other queries stay as they were.
/// Writes the documents and queries so that scripts/search_peer.py scores Tantivy on the same.
struct SearchQuality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Known-item search quality (MRR@10, Recall@10) and latency on the MovieLens titles."
    )

    @Option(help: "RecBole item file.") var items = "../shared/data/ml-100k/ml-100k.item"
    @Option(help: "Where to write the documents and queries for the peer.") var out = "bench-out/search"
    @Option(help: "Seed of the query maker.") var seed: UInt64 = 42
    @Option(help: "A catalog as JSON Lines items (aisle synth --items-output) instead of the movies.")
    var catalog: String?
    @Option(help: "Items to make queries for (a seeded sample; 0: every item).") var sample = 0
    @Flag(help: "Also time hybrid queries, with random unit vectors (384 floats) for every item and query.")
    var timeHybrid = false
    @Option(help: "Weight of function words in BM25F (SearchTuning.functionWordWeight; default: the engine's).")
    var functionWordWeight: Float?

    func run() throws {
        let catalog = try self.catalog.map(Self.jsonItems) ?? Self.movies(items)
        var tuning = SearchTuning()
        if let functionWordWeight { tuning.functionWordWeight = functionWordWeight }
        let engine = SearchEngine(tuning: tuning)
        let clock = ContinuousClock()
        let start = clock.now
        engine.upsert(catalog)
        let indexing = (clock.now - start).seconds
        let rss = Self.residentMiB()
        print(
            "search: RSS after indexing \(rss) MiB (the catalog's Item values included)"
        )
        print(
            "search: indexed \(catalog.count) items in \(String(format: "%.3f", indexing)) s (\(Int(Double(catalog.count) / indexing)) items/s)"
        )
        var random = SplitMix64(seed: seed)
        var queries: [(id: String, kind: String, text: String)] = []
        var targets = catalog
        if sample > 0 && sample < catalog.count {
            var picker = SplitMix64(seed: seed ^ 0xA5A5)
            for index in stride(from: targets.count - 1, to: 0, by: -1) {
                targets.swapAt(index, Int(picker.next() % UInt64(index + 1)))
            }
            targets = Array(targets.prefix(sample))
        }
        for item in targets {
            let words = item.title.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            guard !words.isEmpty else { continue }
            let count = words.count <= 2 ? words.count : 2 + Int(random.next() % 2)
            let first = Int(random.next() % UInt64(words.count - min(count, words.count) + 1))
            let chosen = Array(words[first..<(first + min(count, words.count))])
            queries.append((item.id.rawValue, "clean", chosen.joined(separator: " ")))
            if let typo = Self.withTypo(chosen, random: &random) {
                queries.append((item.id.rawValue, "typo", typo.joined(separator: " ")))
            }
            if let last = chosen.last, last.count >= 4 {
                let prefix = String(last.prefix(max(3, last.count / 2)))
                queries.append((item.id.rawValue, "prefix", (chosen.dropLast() + [prefix]).joined(separator: " ")))
            }
        }
        var shortTypos = SplitMix64(seed: seed ^ 0x7704)
        for query in queries where query.kind == "clean" {
            let words = query.text.split(separator: " ").map(String.init)
            if let typo = Self.withTypo(words, random: &shortTypos, lengths: 4...4) {
                queries.append((query.id, "typo4", typo.joined(separator: " ")))
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var documents = ""
        for item in catalog {
            let row: [String: Any] = [
                "id": item.id.rawValue, "title": item.title, "categories": item.categories.joined(separator: " "),
            ]
            documents += String(decoding: try JSONSerialization.data(withJSONObject: row), as: UTF8.self) + "\n"
        }
        try documents.write(toFile: out + "/documents.jsonl", atomically: true, encoding: .utf8)
        try queries.map { "\($0.id)\t\($0.kind)\t\($0.text)" }.joined(separator: "\n")
            .write(toFile: out + "/queries.tsv", atomically: true, encoding: .utf8)
        var latencies: [Double] = []
        for kind in ["clean", "typo", "prefix", "typo4"] {
            var reciprocal = 0.0
            var found = 0
            let selected = queries.filter { $0.kind == kind }
            for query in selected {
                var request = SearchQuery(text: query.text)
                request.limit = 10
                let began = clock.now
                let hits = engine.search(request).hits
                latencies.append((clock.now - began).seconds * 1000)
                if ProcessInfo.processInfo.environment["AISLE_SEARCH_MISSES"] != nil, kind == "clean",
                    hits.first?.itemID.rawValue != query.id
                {
                    let titles = Dictionary(uniqueKeysWithValues: catalog.map { ($0.id.rawValue, $0.title) })
                    print(
                        "miss: \(query.text) → want \(titles[query.id] ?? "?"), got \(hits.prefix(3).map { titles[$0.itemID.rawValue] ?? "?" })"
                    )
                }
                if let rank = hits.firstIndex(where: { $0.itemID.rawValue == query.id }) {
                    reciprocal += 1 / Double(rank + 1)
                    found += 1
                }
            }
            print(
                "search: \(kind): \(selected.count) queries, MRR@10 \(String(format: "%.4f", reciprocal / Double(max(selected.count, 1)))), Recall@10 \(String(format: "%.4f", Double(found) / Double(max(selected.count, 1))))"
            )
        }
        Self.report("in-process latency, 1 thread", latencies)
        let requests = queries.map { query in
            var request = SearchQuery(text: query.text)
            request.limit = 10
            return request
        }
        Self.report("in-process latency, 2 threads", Self.timeConcurrently(engine, requests, threads: 2))
        // Autocomplete: the clean queries become the query log (each searched once), then every
        // query's text cut after each of its first 12 characters is completed, as typed.
        for query in queries where query.kind == "clean" {
            var request = SearchQuery(text: query.text + " ")
            request.record = true
            request.limit = 1
            _ = engine.search(request)
        }
        var typed: [String] = []
        for query in queries where query.kind == "clean" {
            for length in 1...min(12, query.text.count) { typed.append(String(query.text.prefix(length))) }
        }
        var completing: [Double] = []
        for text in typed {
            let began = clock.now
            _ = engine.autocomplete(text, limit: 8)
            completing.append((clock.now - began).seconds * 1000)
        }
        Self.report("in-process autocomplete latency", completing)
        try typed.joined(separator: "\n").write(toFile: out + "/typed.txt", atomically: true, encoding: .utf8)
        guard timeHybrid else { return }
        var vectors = SplitMix64(seed: seed ^ 0x5EC7)
        func randomUnit() -> [Float] {
            let values = (0..<384).map { _ in Float(Int(vectors.next() % 2001) - 1000) / 1000 }
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return values.map { $0 / norm }
        }
        for first in stride(from: 0, to: catalog.count, by: 10_000) {
            engine.setVectors(catalog[first..<min(first + 10_000, catalog.count)].map { ($0.id, randomUnit()) })
        }
        print("search: RSS with \(engine.vectorCount) vectors \(Self.residentMiB()) MiB")
        let hybrid = requests.map { request in
            var request = request
            request.mode = .hybrid
            request.vector = randomUnit()
            return request
        }
        Self.report("in-process hybrid latency, 1 thread", Self.timeConcurrently(engine, hybrid, threads: 1))
        Self.report("in-process hybrid latency, 2 threads", Self.timeConcurrently(engine, hybrid, threads: 2))
    }

    static func report(_ label: String, _ latencies: [Double]) {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return }
        print(
            "search: \(label) over \(sorted.count) queries: p50 \(String(format: "%.3f", sorted[sorted.count / 2])) ms, p99 \(String(format: "%.3f", sorted[sorted.count * 99 / 100])) ms"
        )
    }

    /// Latencies (ms) of every request, sent from `threads` threads at once, each its share.
    static func timeConcurrently(_ engine: SearchEngine, _ requests: [SearchQuery], threads: Int) -> [Double] {
        let results = Mutex<[Double]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let clock = ContinuousClock()
            var mine: [Double] = []
            for index in stride(from: thread, to: requests.count, by: threads) {
                let began = clock.now
                _ = engine.search(requests[index])
                mine.append((clock.now - began).seconds * 1000)
            }
            results.withLock { $0 += mine }
        }
        return results.withLock { $0 }
    }

    /// Resident memory in MiB (Linux).
    static func residentMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0)
                / 1024
        }
        return 0
    }

    /// Items from a JSON Lines catalog.
    static func jsonItems(_ path: String) throws -> [Item] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try Wire.decode(ItemBody.self, from: Data(line.utf8)).validated()
        }
    }

    /// One random edit (delete, insert, substitute, swap neighbours) in a word of 5+ letters
    /// (or of `lengths`).
    static func withTypo(_ words: [String], random: inout SplitMix64, lengths: ClosedRange<Int> = 5...Int.max)
        -> [String]?
    {
        let candidates = words.indices.filter { lengths.contains(words[$0].count) && words[$0].allSatisfy(\.isLetter) }
        guard !candidates.isEmpty else { return nil }
        let index = candidates[Int(random.next() % UInt64(candidates.count))]
        var letters = Array(words[index].lowercased())
        let position = Int(random.next() % UInt64(letters.count - 1))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
        switch random.next() % 4 {
        case 0: letters.remove(at: position)
        case 1: letters.insert(alphabet[Int(random.next() % 26)], at: position)
        case 2:
            var replacement = alphabet[Int(random.next() % 26)]
            if replacement == letters[position] { replacement = replacement == "a" ? "b" : "a" }
            letters[position] = replacement
        default: letters.swapAt(position, position + 1)
        }
        var copy = words
        copy[index] = String(letters)
        return copy
    }

    /// The movies of a RecBole item file as catalog items (genres as categories).
    static func movies(_ path: String) throws -> [Item] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: "\t").map { String($0.split(separator: ":")[0]) }
        guard let idColumn = header.firstIndex(of: "item_id"), let titleColumn = header.firstIndex(of: "movie_title")
        else {
            throw ValidationError("\(path): expected item_id and movie_title columns")
        }
        let classColumn = header.firstIndex(of: "class")
        return lines.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(idColumn, titleColumn), !fields[titleColumn].isEmpty else { return nil }
            let genres =
                classColumn.flatMap { $0 < fields.count ? fields[$0].split(separator: " ").map(String.init) : nil }
                ?? []
            return Item(id: ItemID(fields[idColumn]), title: fields[titleColumn], categories: genres)
        }
    }
}
