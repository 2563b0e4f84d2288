import AisleText
import Foundation
import Testing

/// The native encoder against the reference: `scripts/encoder_reference.py` ran the Hugging Face
/// tokenizer and sentence-transformers on PyTorch over 335 texts (English and Chinese reviews,
/// movie titles, queries with typos, emoji, texts past 256 tokens, empty-ish strings) and wrote
/// the token ids and embeddings into the fixture.
@Suite struct TextEncoderTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let modelFolder = root.appendingPathComponent("models/all-MiniLM-L6-v2").path

    struct Reference: Decodable {
        struct Entry: Decodable {
            var text: String
            var ids: [Int32]
            var embedding: String
        }
        var texts: [Entry]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/encoder-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// Loads the model `make models` fetched; a clear failure when it is missing.
    static func encoder() throws -> TextEncoder {
        guard FileManager.default.fileExists(atPath: modelFolder + "/model.safetensors") else {
            Issue.record("no model at \(modelFolder): run make models (make test does)")
            throw TextDataError.missingModel
        }
        return try TextEncoder(folder: modelFolder)
    }

    @Test("token ids are the Hugging Face tokenizer's for every fixture text")
    func tokenIDs() throws {
        let encoder = try Self.encoder()
        let reference = try Self.reference()
        #expect(reference.texts.count >= 300)
        var mismatches: [String] = []
        for entry in reference.texts where encoder.tokens(of: entry.text) != entry.ids {
            mismatches.append(entry.text.debugDescription)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts tokenise differently: \(mismatches.prefix(5))")
    }

    @Test("embeddings have cosine ≥ 0.9999 to sentence-transformers' for every fixture text")
    func embeddings() throws {
        let encoder = try Self.encoder()
        let reference = try Self.reference()
        let results = ResultBox(count: reference.texts.count)
        DispatchQueue.concurrentPerform(iterations: reference.texts.count) { index in
            let entry = reference.texts[index]
            let vector = encoder.embed(tokens: entry.ids)
            let expected = Self.float16s(entry.embedding)
            var dot: Float = 0
            var norm: Float = 0
            for (a, b) in zip(vector, expected) {
                dot += a * b
                norm += b * b
            }
            results.set(index, dot / max(norm.squareRoot(), 1e-12))
        }
        let cosines = results.values
        let worst = cosines.enumerated().min { $0.element < $1.element }
        #expect(
            cosines.allSatisfy { $0 >= 0.9999 },
            "worst cosine \(worst?.element ?? 0) for \(reference.texts[worst?.offset ?? 0].text.prefix(60).debugDescription)"
        )
        let vector = encoder.embed(reference.texts[0].text)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "embeddings are L2-normalised")
    }

    static func float16s(_ base64: String) -> [Float] {
        let data = Data(base64Encoded: base64) ?? Data()
        return stride(from: 0, to: data.count - 1, by: 2).map { offset in
            Float(Float16(bitPattern: UInt16(data[offset]) | UInt16(data[offset + 1]) << 8))
        }
    }
}

/// Collects per-index results from concurrent workers.
final class ResultBox: @unchecked Sendable {
    // Each index is written by one worker only; read after all finished.
    private var storage: [Float]
    private let lock = NSLock()

    init(count: Int) { storage = [Float](repeating: -2, count: count) }

    func set(_ index: Int, _ value: Float) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [Float] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
