import AisleMath
import AisleText
import ArgumentParser
import Foundation

/// Embeds a file of texts (one per line) into raw little-endian float32 vectors, for studies
/// in numpy over texts the other benchmarks do not embed (review clauses, for instance).
struct EmbedFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-file",
        abstract: "Embed a file of texts, one per line, into FILE.<hash> as float32 rows (cached).",
        discussion: """
            aisle-bench embed-file --model models/multilingual-e5-small --input clauses.txt --cache bench-out/clauses.f32
            aisle-bench embed-file --input reviews.txt --cache bench-out/reviews --layers 8 10 12
            aisle-bench embed-file --input reviews.txt --cache bench-out/reviews --states-after-layer 8
            """
    )

    @Option(help: "Text model folder.") var model = "models/multilingual-e5-small"
    @Option(help: "Texts, one per line.") var input: String
    @Option(help: "Vectors go to this path + \".\" + the texts' hash.") var cache: String
    @Flag(help: "Embed as queries (e5's query prefix), not passages.") var asQueries = false
    @Option(
        parsing: .upToNextOption,
        help: "Write these layers' mean pools side by side (1-based; default: the sentence embedding)."
    )
    var layers: [Int] = []
    @Option(
        help:
            "Instead, write every token's hidden state after this layer as float16 rows to CACHE.states, and each text's first row (and the end) as int64 to CACHE.starts."
    )
    var statesAfterLayer: Int?

    func run() throws {
        let encoder = try TextEncoder.load(model)
        let layerCount = encoder.configuration.layers
        for layer in layers where !(1...layerCount).contains(layer) {
            throw ValidationError("--layers \(layer): \(encoder.name) has layers 1 to \(layerCount)")
        }
        if statesAfterLayer != nil && !layers.isEmpty {
            throw ValidationError("--layers and --states-after-layer write different files: give one")
        }
        if let statesAfterLayer, !(0...layerCount).contains(statesAfterLayer) {
            throw ValidationError("--states-after-layer \(statesAfterLayer): 0 (the embeddings) to \(layerCount)")
        }
        let text = try String(contentsOfFile: input, encoding: .utf8)
        let texts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lines = texts.last == "" ? Array(texts.dropLast()) : texts
        if let statesAfterLayer {
            try writeStates(lines, encoder: encoder, layer: statesAfterLayer)
            return
        }
        let vectors = try EmbeddingCache.vectors(
            of: lines,
            encoder: encoder,
            cache: cache,
            as: asQueries ? .query : .passage,
            layers: layers.isEmpty ? nil : layers
        )
        print("embed-file: \(vectors.count) vectors of \(vectors.first?.count ?? 0) in \(cache).*")
    }

    /// Streams the token states batch by batch (they are gigabytes for a corpus).
    func writeStates(_ lines: [String], encoder: TextEncoder, layer: Int) throws {
        BLAS.setThreads(.serial)
        // The starts are written last: a run cut short leaves none, so nothing reads half a file.
        try? FileManager.default.removeItem(atPath: cache + ".starts")
        FileManager.default.createFile(atPath: cache + ".states", contents: nil)
        guard let states = FileHandle(forWritingAtPath: cache + ".states") else {
            throw ValidationError("cannot write \(cache).states")
        }
        var starts: [Int64] = [0]
        let batch = 256
        for first in stride(from: 0, to: lines.count, by: batch) {
            let part = Array(lines[first..<min(first + batch, lines.count)])
            var data = Data()
            for rows in encoder.tokenStates(of: part, as: asQueries ? .query : .passage, afterLayer: layer) {
                for value in rows {
                    withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { data.append(contentsOf: $0) }
                }
                starts.append(starts[starts.count - 1] + Int64(rows.count / encoder.dimension))
            }
            states.write(data)
            if (first / batch) % 20 == 0 { print("embed-file: \(first + part.count) of \(lines.count) texts") }
        }
        try states.close()
        var data = Data()
        for start in starts { withUnsafeBytes(of: start.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: cache + ".starts"))
        print("embed-file: \(starts[starts.count - 1]) token states after layer \(layer) in \(cache).states")
    }
}
