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
            """
    )

    @Option(help: "Text model folder.") var model = "models/multilingual-e5-small"
    @Option(help: "Texts, one per line.") var input: String
    @Option(help: "Vectors go to this path + \".\" + the texts' hash.") var cache: String
    @Flag(help: "Embed as queries (e5's query prefix), not passages.") var asQueries = false

    func run() throws {
        let encoder = try TextEncoder.load(model)
        let text = try String(contentsOfFile: input, encoding: .utf8)
        let texts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lines = texts.last == "" ? Array(texts.dropLast()) : texts
        let vectors = try EmbeddingCache.vectors(
            of: lines,
            encoder: encoder,
            cache: cache,
            as: asQueries ? .query : .passage
        )
        print("embed-file: \(vectors.count) vectors of \(encoder.dimension) in \(cache).*")
    }
}
