public import AisleCore
import AisleMath
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads what a shopper wants (`AssistantIntent`) from a chat message: a softmax regression
/// over the message's hashed words and character n-grams (`IntentFeatures`) and, when the text
/// model is there, its multilingual-e5-small query vector, which carries the meaning of
/// phrasings the training set never used. Two heads are trained and shipped together: one
/// with the vector, one without (a server without the model still classifies).
///
/// Trained by `aisle train-intents` on the utterances committed in `bench/assistant/`
/// (docs/ASSISTANT.md, "Intents"); the shipped file is `Resources/intents.aisle`.
public struct IntentClassifier: Sendable, Equatable {
    /// One softmax head. Weights are feature-major (`lexical[bucket * classes + class]`), so a
    /// sparse feature's weights are contiguous.
    struct Head: Sendable, Equatable {
        var lexical: [Float]
        /// Empty in the lexical-only head.
        var embedding: [Float]
        var bias: [Float]
    }

    /// The classes, in the heads' order.
    public let intents: [AssistantIntent]
    public let features: IntentFeatures
    /// The text model whose query vectors the embedding head reads, and their dimension; nil
    /// and 0 when trained without vectors.
    public let embeddingModel: String?
    public let embeddingDimension: Int
    /// How much the vector weighs beside the unit-length lexical vector (training and reading).
    public let embeddingScale: Float
    let lexicalHead: Head
    let combinedHead: Head?

    /// A classification: the most likely intent, its probability, and every intent's.
    public struct Prediction: Sendable, Equatable {
        public var intent: AssistantIntent
        public var confidence: Float
        /// Probability per intent, in `intents` order.
        public var probabilities: [Float]
        /// Whether the vector was read (else the lexical head answered).
        public var readVector: Bool
    }

    /// Training settings (chosen by cross-validation, docs/ASSISTANT.md).
    public struct Settings: Sendable, Equatable {
        public var epochs = 40
        public var learningRate: Float = 0.1
        public var l2: Float = 1e-5
        public var embeddingScale: Float = 6
        public var seed: UInt64 = 11
        public var features = IntentFeatures()

        public init() {}
    }

    /// Classifies `text`; `vector` is its query embedding by `embeddingModel` (nil, or one of
    /// another size: the lexical head answers).
    public func classify(_ text: String, vector: [Float]?) -> Prediction {
        let sparse = features.features(text)
        let dense = vector.flatMap { $0.count == embeddingDimension ? $0 : nil }
        let head = dense != nil ? (combinedHead ?? lexicalHead) : lexicalHead
        let readsVector = dense != nil && combinedHead != nil
        let probabilities = Self.probabilities(
            head: head,
            classes: intents.count,
            sparse: sparse,
            dense: readsVector ? dense : nil,
            scale: embeddingScale
        )
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return Prediction(
            intent: intents[best],
            confidence: probabilities[best],
            probabilities: probabilities,
            readVector: readsVector
        )
    }

    static func probabilities(
        head: Head,
        classes: Int,
        sparse: (indices: [Int32], values: [Float]),
        dense: [Float]?,
        scale: Float
    ) -> [Float] {
        var logits = head.bias
        for (index, value) in zip(sparse.indices, sparse.values) {
            let base = Int(index) * classes
            for c in 0..<classes { logits[c] += head.lexical[base + c] * value }
        }
        if let dense, !head.embedding.isEmpty {
            for (d, x) in dense.enumerated() {
                let base = d * classes
                let scaled = x * scale
                for c in 0..<classes { logits[c] += head.embedding[base + c] * scaled }
            }
        }
        let top = logits.max() ?? 0
        var sum: Float = 0
        for c in 0..<classes {
            logits[c] = exp(logits[c] - top)
            sum += logits[c]
        }
        return logits.map { $0 / sum }
    }

    // MARK: - Training

    /// Trains both heads on `examples`; `vectors` (one per example, by `modelName`) trains the
    /// embedding head too. Deterministic for a given seed and data order.
    public static func train(
        _ examples: [LabeledUtterance],
        vectors: [[Float]]?,
        modelName: String?,
        settings: Settings = Settings()
    ) throws -> IntentClassifier {
        guard !examples.isEmpty else { throw TextDataError("intents: no training utterances") }
        if let vectors, vectors.count != examples.count || Set(vectors.map(\.count)).count != 1 {
            throw TextDataError("intents: one vector per utterance, all of one size, is needed")
        }
        let intents = AssistantIntent.allCases
        let sparse = examples.map { settings.features.features($0.text) }
        let labels = examples.map { example in intents.firstIndex(of: example.intent) ?? 0 }
        let lexical = trainHead(sparse: sparse, dense: nil, labels: labels, classes: intents.count, settings: settings)
        let combined = vectors.map {
            trainHead(sparse: sparse, dense: $0, labels: labels, classes: intents.count, settings: settings)
        }
        return IntentClassifier(
            intents: intents,
            features: settings.features,
            embeddingModel: vectors == nil ? nil : modelName,
            embeddingDimension: vectors?.first?.count ?? 0,
            embeddingScale: settings.embeddingScale,
            lexicalHead: lexical,
            combinedHead: combined
        )
    }

    /// Softmax regression by AdaGrad with L2, one example at a time in a seeded shuffle.
    static func trainHead(
        sparse: [(indices: [Int32], values: [Float])],
        dense: [[Float]]?,
        labels: [Int],
        classes: Int,
        settings: Settings
    ) -> Head {
        let dimension = dense?.first?.count ?? 0
        var head = Head(
            lexical: [Float](repeating: 0, count: settings.features.buckets * classes),
            embedding: [Float](repeating: 0, count: dimension * classes),
            bias: [Float](repeating: 0, count: classes)
        )
        var lexicalSquares = [Float](repeating: 1e-6, count: head.lexical.count)
        var embeddingSquares = [Float](repeating: 1e-6, count: head.embedding.count)
        var biasSquares = [Float](repeating: 1e-6, count: classes)
        var order = Array(labels.indices)
        var random = SplitMix64(seed: settings.seed)
        let rate = settings.learningRate
        let l2 = settings.l2
        var gradient = [Float](repeating: 0, count: classes)
        for _ in 0..<settings.epochs {
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(random.next() % UInt64(index + 1)))
            }
            for example in order {
                let probabilities = Self.probabilities(
                    head: head,
                    classes: classes,
                    sparse: sparse[example],
                    dense: dense?[example],
                    scale: settings.embeddingScale
                )
                for c in 0..<classes { gradient[c] = probabilities[c] - (c == labels[example] ? 1 : 0) }
                for (index, value) in zip(sparse[example].indices, sparse[example].values) {
                    let base = Int(index) * classes
                    for c in 0..<classes {
                        let step = gradient[c] * value + l2 * head.lexical[base + c]
                        lexicalSquares[base + c] += step * step
                        head.lexical[base + c] -= rate * step / lexicalSquares[base + c].squareRoot()
                    }
                }
                if let vector = dense?[example] {
                    for d in 0..<dimension {
                        let x = vector[d] * settings.embeddingScale
                        let base = d * classes
                        for c in 0..<classes {
                            let step = gradient[c] * x + l2 * head.embedding[base + c]
                            embeddingSquares[base + c] += step * step
                            head.embedding[base + c] -= rate * step / embeddingSquares[base + c].squareRoot()
                        }
                    }
                }
                for c in 0..<classes {
                    biasSquares[c] += gradient[c] * gradient[c]
                    head.bias[c] -= rate * gradient[c] / biasSquares[c].squareRoot()
                }
            }
        }
        return head
    }

    // MARK: - File

    static let magic = Array("AISLEIC1".utf8)

    /// Writes the classifier, atomically: the intents' names, the bucket count, the text
    /// model's name and dimension, the scale, then each head's bias and weights as 32-bit
    /// floats, little-endian.
    public func save(to path: String) throws {
        var data = Data(Self.magic)
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        func append(_ text: String) {
            append(UInt32(text.utf8.count))
            data.append(contentsOf: Array(text.utf8))
        }
        func append(_ floats: [Float]) { for value in floats { append(value.bitPattern) } }
        append(UInt32(intents.count))
        for intent in intents { append(intent.rawValue) }
        append(UInt32(features.buckets))
        append(embeddingModel ?? "")
        append(UInt32(embeddingDimension))
        append(embeddingScale.bitPattern)
        append(UInt32(combinedHead == nil ? 1 : 2))
        for head in [lexicalHead] + (combinedHead.map { [$0] } ?? []) {
            append(head.bias)
            append(head.lexical)
            append(head.embedding)
        }
        try ModelFile.write(data, to: path)
    }

    /// Reads a classifier written by `save`.
    public static func load(from path: String) throws -> IntentClassifier {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextDataError("\(path): cannot read the intent model")
        }
        return try load(data, name: path)
    }

    /// Reads a classifier from the bytes `save` writes; `name` is for errors.
    public static func load(_ data: Data, name: String) throws -> IntentClassifier {
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes.prefix(8)) == magic else {
            throw TextDataError("\(name): not an Aisle intent model")
        }
        var reader = ModelFileReader(bytes, name: name, offset: 8)
        func text() throws -> String {
            let length = Int(try reader.uint32())
            guard length <= 256, reader.offset + length <= bytes.count else { throw TextDataError("\(name): bad name") }
            defer { reader.offset += length }
            return String(decoding: bytes[reader.offset..<reader.offset + length], as: UTF8.self)
        }
        func floats(_ count: Int) throws -> [Float] {
            guard reader.offset + 4 * count <= bytes.count else { throw TextDataError("\(name): cut short") }
            var values: [Float] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(Float(bitPattern: try reader.uint32())) }
            return values
        }
        let classCount = Int(try reader.uint32())
        guard (1...64).contains(classCount) else { throw TextDataError("\(name): bad intent count") }
        var intents: [AssistantIntent] = []
        for _ in 0..<classCount {
            let label = try text()
            guard let intent = AssistantIntent(rawValue: label) else {
                throw TextDataError("\(name): unknown intent \"\(label)\"")
            }
            intents.append(intent)
        }
        let buckets = Int(try reader.uint32())
        guard buckets > 0, buckets <= 1 << 22, buckets & (buckets - 1) == 0 else {
            throw TextDataError("\(name): bad bucket count")
        }
        let model = try text()
        let dimension = Int(try reader.uint32())
        guard dimension <= 4096 else { throw TextDataError("\(name): bad dimension") }
        let scale = Float(bitPattern: try reader.uint32())
        let headCount = Int(try reader.uint32())
        guard headCount == 1 || (headCount == 2 && dimension > 0) else { throw TextDataError("\(name): bad heads") }
        var heads: [Head] = []
        for position in 0..<headCount {
            let bias = try floats(classCount)
            let lexical = try floats(buckets * classCount)
            let embedding = try floats(position == 0 ? 0 : dimension * classCount)
            heads.append(Head(lexical: lexical, embedding: embedding, bias: bias))
        }
        guard reader.atEnd else { throw TextDataError("\(name): unexpected bytes at the end") }
        return IntentClassifier(
            intents: intents,
            features: IntentFeatures(buckets: buckets),
            embeddingModel: model.isEmpty ? nil : model,
            embeddingDimension: headCount == 2 ? dimension : 0,
            embeddingScale: scale,
            lexicalHead: heads[0],
            combinedHead: headCount == 2 ? heads[1] : nil
        )
    }

    /// The classifier shipped with Aisle (`Sources/AisleText/Resources/intents.aisle`, written
    /// by `aisle train-intents`), or nil when the resource bundle is missing.
    public static func shipped() throws -> IntentClassifier? {
        guard let path = SentimentModel.shippedResource("intents.aisle") else { return nil }
        return try load(from: path)
    }
}

/// A chat message labelled with its intent, for training and evaluating the classifier.
public struct LabeledUtterance: Sendable, Equatable {
    public var language: TextLanguage
    public var intent: AssistantIntent
    public var text: String

    public init(language: TextLanguage, intent: AssistantIntent, text: String) {
        self.language = language
        self.intent = intent
        self.text = text
    }

    /// Reads a TSV with the header `language<TAB>intent<TAB>text`; a bad row is an error naming
    /// its line.
    public static func load(tsv path: String) throws -> [LabeledUtterance] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextDataError("\(path): cannot read the utterances")
        }
        var rows: [LabeledUtterance] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where number > 0 && !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let language = TextLanguage(rawValue: String(fields[0])),
                let intent = AssistantIntent(rawValue: String(fields[1])), !fields[2].isEmpty
            else {
                throw TextDataError("\(path):\(number + 1): expected language, intent and text separated by tabs")
            }
            rows.append(LabeledUtterance(language: language, intent: intent, text: String(fields[2])))
        }
        return rows
    }
}
