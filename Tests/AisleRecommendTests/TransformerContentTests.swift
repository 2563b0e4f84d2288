import AisleCore
import AisleMath
import Foundation
import Testing

@testable import AisleRecommend

/// Content fusion: item vectors and biases built from id, attribute and text parts. Gradients
/// through the fused table against finite differences, folding, and what it does for an item the
/// training never saw.
@Suite struct TransformerContentTests {
    private static let layout = TransformerLayout(
        items: 9,
        dimension: 8,
        heads: 2,
        hidden: 12,
        blocks: 1,
        maxLength: 6,
        attributes: 4,
        textWidth: 5
    )

    /// Items 0…8: attributes (item 4 has none, item 8 two), text rows (item 6 has none).
    private static let content: ItemContent = {
        let attributes: [[Int32]] = [[0], [1], [0, 2], [3], [], [1], [2], [3], [0, 1]]
        var random = SplitMix64(seed: 3)
        var text = [Float](repeating: 0, count: 9 * 5)
        for item in 0..<9 where item != 6 {
            for column in 0..<5 { text[item * 5 + column] = random.nextUnit() - 0.5 }
        }
        return ItemContent(attributes: attributes, attributeCount: 4, text: text, textWidth: 5)
    }()

    private static func weights() -> [Float] {
        var weights = layout.initialWeights(seed: 7)
        var random = SplitMix64(seed: 99)
        for index in weights.indices { weights[index] += (random.nextUnit() - 0.5) * 0.4 }
        return weights
    }

    private static func loss(
        _ weights: [Float],
        candidates: TransformerNetwork.Candidates,
        gradients: inout [Float]
    ) -> Double {
        var batch = TokenBatch()
        batch.append([3, 1, 4], next: [1, 4, 0])
        batch.append([2, 6, 5, 8], next: [6, 5, 8, 7])
        let network = TransformerNetwork(layout: layout)
        return weights.withUnsafeBufferPointer { w in
            gradients.withUnsafeMutableBufferPointer { g in
                guard let w = w.baseAddress, let g = g.baseAddress else { return .nan }
                return network.lossAndGradients(
                    batch,
                    candidates: candidates,
                    dropout: .init(rate: 0.2, seed: 11),
                    content: content,
                    weights: w,
                    gradients: g,
                    parallelism: .serial
                )
            }
        }
    }

    @Test(
        "gradients through fused item vectors match central differences, full and sampled softmax",
        arguments: [TransformerNetwork.Candidates.all, .sampled([0, 2])]
    )
    func fusedGradients(candidates: TransformerNetwork.Candidates) {
        let layout = Self.layout
        let weights = Self.weights()
        var gradients = [Float](repeating: 0, count: layout.count)
        _ = Self.loss(weights, candidates: candidates, gradients: &gradients)
        let ranges: [(String, Int, Int)] = [
            ("item embedding", layout.itemEmbedding, layout.items * layout.dimension),
            ("item bias", layout.itemBias, layout.items),
            ("attribute embedding", layout.attributeEmbedding, layout.attributes * layout.dimension),
            ("attribute bias", layout.attributeBias, layout.attributes),
            ("text projection", layout.textProjection, layout.textWidth * layout.dimension),
            ("text bias", layout.textBias, layout.textWidth),
            ("position", layout.position, layout.maxLength * layout.dimension),
        ]
        var scratch = gradients
        var random = SplitMix64(seed: 5)
        for (name, start, count) in ranges {
            var nonzero = 0
            for _ in 0..<8 {
                let index = start + Int(random.next() % UInt64(count))
                let numeric = centralDifference(of: weights, at: index, step: 1e-3) {
                    Self.loss($0, candidates: candidates, gradients: &scratch)
                }
                let analytic = Double(gradients[index])
                #expect(agrees(numeric, analytic), "\(name) [\(index)]: analytic \(analytic), numeric \(numeric)")
                if abs(analytic) > 1e-5 { nonzero += 1 }
            }
            // Every content part learns: a part with only zero gradients would pass trivially.
            #expect(nonzero > 0, "\(name): no gradient")
        }
    }

    @Test("folded weights score exactly as the fused network")
    func foldingKeepsScores() {
        let layout = Self.layout
        let network = TransformerNetwork(layout: layout)
        let weights = Self.weights()
        let folded = network.folded(weights, content: Self.content, parallelism: .serial)
        #expect(folded.count == layout.withoutContent.count)
        let catalog = Catalog((0..<9).map { "item\($0)" })
        let model = SequentialModel(
            catalog: catalog,
            parameters: .init(dimension: 8, blocks: 1, heads: 2, hidden: 12, maxLength: 6),
            weights: folded
        )
        let history = History(items: [2, 6, 5], weights: [1, 1, 1], timestamps: [1, 2, 3])
        let served = model.scores(for: history)
        // The fused network's own logits for the same sequence.
        var batch = TokenBatch()
        batch.append([2, 6, 5])
        let expected = weights.withUnsafeBufferPointer { buffer -> [Float] in
            guard let w = buffer.baseAddress else { return [] }
            let (vectors, biases) = network.fusedItems(weights: w, content: Self.content, parallelism: .serial)
            return vectors.withUnsafeBufferPointer { v -> [Float] in
                guard let v = v.baseAddress else { return [] }
                let output = network.forward(batch, weights: w, itemVectors: v, dropout: nil, parallelism: .serial)
                    .output
                let last = Array(output[(2 * 8)..<(3 * 8)])
                return (0..<9).map { item in
                    biases[item] + (0..<8).reduce(Float(0)) { $0 + last[$1] * vectors[item * 8 + $1] }
                }
            }
        }
        #expect(served.count == 9)
        for (a, b) in zip(served, expected) { #expect(abs(a - b) < 1e-4) }
    }
}

/// What content fusion is for: an item nobody has interacted with yet gets a vector from what it
/// is, so it ranks where its kind ranks.
@Suite struct ColdItemTests {
    /// Shoppers alternate a shoe and a sock (random ones of each); "shoe-new" and "sock-new" are
    /// in the catalog but in no history.
    private static let log: InteractionLog = {
        var random = SplitMix64(seed: 21)
        var interactions: [Interaction] = []
        for user in 0..<160 {
            var shoe = random.next() % 2 == 0
            for step in 0..<8 {
                let item = "\(shoe ? "shoe" : "sock")-\(random.next() % 6)"
                interactions.append(Interaction(user: "u\(user)", item: item, timestamp: Double(step)))
                shoe.toggle()
            }
        }
        return InteractionLog(interactions, extraItems: ["shoe-new", "sock-new"])
    }()

    private static let parameters = SequentialModel.Parameters(
        dimension: 16,
        blocks: 1,
        heads: 1,
        hidden: 32,
        maxLength: 8,
        dropout: 0.1,
        learningRate: 0.01,
        batchSize: 16,
        epochs: 30
    )

    private static func kind(_ id: ItemID) -> String { String(id.rawValue.prefix(4)) }

    /// Where `id` ranks (0 = first) after the shopper's `last` item.
    private static func rank(of id: String, after last: String, in model: SequentialModel) throws -> Int {
        let catalog = log.catalog
        var history = History()
        history.append(item: try #require(catalog.index(of: ItemID(last))), weight: 1, timestamp: 0)
        let scores = model.scores(for: history)
        let target = try #require(catalog.index(of: ItemID(id)))
        return scores.filter { $0 > scores[Int(target)] }.count
    }

    @Test(
        "a never-bought item with a category (or a text vector) ranks with its kind; without content it does not",
        arguments: ["attributes", "text", "none"]
    )
    func coldItemRanksWithItsKind(content kind: String) throws {
        let catalog = Self.log.catalog
        let attributes = Dictionary(uniqueKeysWithValues: catalog.ids.map { ($0, ["category=\(Self.kind($0))"]) })
        // Text vectors: one direction per kind, a little noise per item.
        var random = SplitMix64(seed: 4)
        let text = Dictionary(
            uniqueKeysWithValues: catalog.ids.map { id -> (ItemID, [Float]) in
                let base: [Float] = Self.kind(id) == "shoe" ? [1, 0, 0, 0] : [0, 1, 0, 0]
                return (id, base.map { $0 + (random.nextUnit() - 0.5) * 0.2 })
            }
        )
        let content: ItemContent? =
            switch kind {
            case "attributes": try ItemContent(catalog: catalog, attributes: attributes, text: [:])
            case "text": try ItemContent(catalog: catalog, attributes: [:], text: text)
            default: nil
            }
        let model = try SequentialTrainer(parameters: Self.parameters, parallelism: Parallelism(threads: 2))
            .train(on: Self.log, content: content).model
        let cold = Set(["shoe-new", "sock-new"].compactMap { catalog.index(of: ItemID($0)) })
        // The feed scores these beside its candidates: nothing else points to a never-bought item.
        #expect(Set(model.contentOnlyItems) == (content == nil ? [] : cold))
        let sockAfterShoe = try Self.rank(of: "sock-new", after: "shoe-2", in: model)
        let shoeAfterSock = try Self.rank(of: "shoe-new", after: "sock-4", in: model)
        if content != nil {
            // Among the 7 socks, above every shoe: within the top 7 of 14 items.
            #expect(sockAfterShoe < 7, "sock-new ranks \(sockAfterShoe) after a shoe")
            #expect(shoeAfterSock < 7, "shoe-new ranks \(shoeAfterSock) after a sock")
        } else {
            // Its id vector never learned anything but "never comes": last or near it.
            #expect(sockAfterShoe >= 12 && shoeAfterSock >= 12, "cold ranks \(sockAfterShoe), \(shoeAfterSock)")
        }
    }

    @Test("content for another catalog is refused with a clear error")
    func contentForAnotherCatalog() throws {
        let other = try ItemContent(catalog: Catalog(["a", "b"]), attributes: [ItemID("a"): ["x"]], text: [:])
        #expect(throws: TrainingError.contentMismatch(items: Self.log.catalog.count, content: 2)) {
            try SequentialTrainer(parameters: Self.parameters, parallelism: .serial).train(on: Self.log, content: other)
        }
        #expect(throws: ItemContentError.mixedTextWidths([2, 3])) {
            try ItemContent(
                catalog: Catalog(["a", "b"]),
                attributes: [:],
                text: [ItemID("a"): [1, 2], ItemID("b"): [1, 2, 3]]
            )
        }
    }
}
