import AisleText
import ArgumentParser
import Foundation

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract:
            "Sentence embeddings with the native text encoder (all-MiniLM-L6-v2 or multilingual-e5-small; make models fetches both).",
        discussion: """
            aisle embed "warm winter jacket" "down parka"            one JSON array per text
            aisle embed --compare "warm winter jacket" "down parka"   cosine similarity of each text to the first
            aisle embed --tokens "Straße café"                       the token ids instead
            aisle embed --model models/multilingual-e5-small --input-type query --compare "warm jacket" "羽绒服"
            """
    )

    @Option(
        help:
            "Model folder or packed file: models/all-MiniLM-L6-v2 or models/multilingual-e5-small (env AISLE_MODEL_DIR; default models/all-MiniLM-L6-v2)."
    )
    var model: String?

    @Option(help: "query or passage: the prefix multilingual-e5-small reads (MiniLM ignores it).")
    var inputType: String = "passage"

    @Flag(help: "Print each text's cosine similarity to the first text instead of vectors.")
    var compare = false

    @Flag(help: "Print the token ids instead of vectors.")
    var tokens = false

    @Argument(help: "Texts.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
        if compare && texts.count < 2 { throw ValidationError("--compare needs at least two texts") }
        guard TextEncoder.InputType(rawValue: inputType) != nil else {
            throw ValidationError("--input-type is query or passage, got \"\(inputType)\"")
        }
    }

    func run() throws {
        let folder = model ?? ProcessInfo.processInfo.environment["AISLE_MODEL_DIR"] ?? "models/all-MiniLM-L6-v2"
        let encoder = try TextEncoder.load(folder)
        let type = TextEncoder.InputType(rawValue: inputType) ?? .passage
        if tokens {
            for text in texts {
                Console.line("[" + encoder.tokens(of: text, as: type).map(String.init).joined(separator: ",") + "]")
            }
            return
        }
        let vectors = texts.map { encoder.embed($0, as: type) }
        if compare {
            for (text, vector) in zip(texts.dropFirst(), vectors.dropFirst()) {
                let cosine = zip(vectors[0], vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                Console.line(String(format: "%.4f", cosine) + "\t" + text)
            }
            return
        }
        for vector in vectors {
            Console.line("[" + vector.map { String(format: "%.6f", $0) }.joined(separator: ",") + "]")
        }
    }
}
