import AisleMath
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Review polarity read from a text model's embedding of the whole review: a logistic regression
/// over multilingual-e5-small's passage vector, trained on the shopping reviews. The n-gram
/// classifier knows the words of the domains it was trained on; the embedding carries the
/// meaning of words it never saw (a hotel's 隔音差 reads like a product's 质量差), so it holds
/// better in other domains (docs/REVIEWS.md, "Embeddings"). `ReviewAnalyzer` blends the two.
public struct EmbeddingPolarity: Sendable, Equatable {
    /// The text model whose vectors this reads (`TextEncoder.name`).
    public let modelName: String
    /// One weight per vector component, and the intercept.
    public let weights: [Float]
    public let bias: Float

    /// A head from trained weights.
    public init(modelName: String, weights: [Float], bias: Float) {
        self.modelName = modelName
        self.weights = weights
        self.bias = bias
    }

    /// The L2 penalty `aisle train-sentiment` trains the shipped head with (docs/REVIEWS.md).
    public static let defaultL2: Float = 0.1

    /// P(positive) of a review whose embedding is `vector` (of this head's model and dimension).
    public func positiveProbability(_ vector: [Float]) -> Float {
        precondition(vector.count == weights.count, "a \(weights.count)-dimensional vector is expected")
        var z = bias
        for index in weights.indices { z += weights[index] * vector[index] }
        return 1 / (1 + exp(-z))
    }

    /// 2·P(positive) − 1 for `vector`, or nil when it is not of this head's dimension (another
    /// model's vector is no evidence).
    public func score(_ vector: [Float]) -> Float? {
        vector.count == weights.count ? 2 * positiveProbability(vector) - 1 : nil
    }

    /// Trains on `vectors` and labels (1 positive, 0 negative) by Newton's method with an L2
    /// penalty `l2` on the weights (not the intercept): exact and deterministic, and fast at
    /// 384 dimensions (one 385 × 385 solve per step, a dozen steps).
    public static func train(
        modelName: String,
        vectors: [[Float]],
        labels: [Int],
        l2: Float = defaultL2
    ) throws -> EmbeddingPolarity {
        guard let dimension = vectors.first?.count, vectors.count == labels.count else {
            throw TextDataError("embedding polarity: no training rows, or labels and vectors of different counts")
        }
        let width = dimension + 1  // the intercept last
        var parameters = [Double](repeating: 0, count: width)
        for _ in 0..<30 {
            var gradient = [Double](repeating: 0, count: width)
            var hessian = [Double](repeating: 0, count: width * width)
            var row = [Double](repeating: 0, count: width)
            for (vector, label) in zip(vectors, labels) {
                for index in 0..<dimension { row[index] = Double(vector[index]) }
                row[dimension] = 1
                var z = 0.0
                for index in 0..<width { z += parameters[index] * row[index] }
                let p = 1 / (1 + Foundation.exp(-z))
                let error = p - Double(label)
                let curvature = p * (1 - p)
                for i in 0..<width {
                    gradient[i] += error * row[i]
                    let scaled = curvature * row[i]
                    // Lower triangle only; mirrored below.
                    for j in 0...i { hessian[i * width + j] += scaled * row[j] }
                }
            }
            for i in 0..<width {
                for j in 0..<i { hessian[j * width + i] = hessian[i * width + j] }
            }
            for index in 0..<dimension {
                gradient[index] += Double(l2) * parameters[index]
                hessian[index * width + index] += Double(l2)
            }
            guard let step = SmallSystem.solvePositiveDefinite(hessian.map { Float($0) }, gradient.map { Float($0) })
            else { throw TextDataError("embedding polarity: the training rows do not determine a model") }
            var largest: Float = 0
            for index in 0..<width {
                parameters[index] -= Double(step[index])
                largest = max(largest, abs(step[index]))
            }
            if largest < 1e-5 { break }
        }
        return EmbeddingPolarity(
            modelName: modelName,
            weights: parameters.prefix(dimension).map { Float($0) },
            bias: Float(parameters[dimension])
        )
    }

    // MARK: - File

    static let magic = Array("AISLEEP1".utf8)

    /// Writes the head, atomically: the model name (length, UTF-8), the dimension, the bias and
    /// the weights as 32-bit floats, little-endian. 1.6 KB for e5-small.
    public func save(to path: String) throws {
        var data = Data(Self.magic)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        let name = Array(modelName.utf8)
        append(UInt32(name.count))
        data.append(contentsOf: name)
        append(UInt32(weights.count))
        append(bias.bitPattern)
        for weight in weights { append(weight.bitPattern) }
        try ModelFile.write(data, to: path)
    }

    /// Reads a head written by `save`.
    public static func load(from path: String) throws -> EmbeddingPolarity {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextDataError("\(path): cannot read the embedding polarity model")
        }
        return try load(data, name: path)
    }

    /// Reads a head from the bytes `save` writes; `name` is for errors.
    public static func load(_ data: Data, name: String) throws -> EmbeddingPolarity {
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes.prefix(8)) == magic else {
            throw TextDataError("\(name): not an Aisle embedding polarity model")
        }
        var reader = ModelFileReader(bytes, name: name, offset: 8)
        let nameLength = Int(try reader.uint32())
        guard nameLength > 0, nameLength <= 256, reader.offset + nameLength <= bytes.count else {
            throw TextDataError("\(name): bad model name")
        }
        let modelName = String(decoding: bytes[reader.offset..<reader.offset + nameLength], as: UTF8.self)
        reader.offset += nameLength
        let dimension = Int(try reader.uint32())
        guard dimension > 0, dimension <= 4096 else { throw TextDataError("\(name): bad dimension") }
        let bias = Float(bitPattern: try reader.uint32())
        var weights: [Float] = []
        weights.reserveCapacity(dimension)
        for _ in 0..<dimension { weights.append(Float(bitPattern: try reader.uint32())) }
        guard reader.atEnd else { throw TextDataError("\(name): unexpected bytes at the end") }
        return EmbeddingPolarity(modelName: modelName, weights: weights, bias: bias)
    }

    /// The head shipped with Aisle (`Sources/AisleText/Resources/sentiment-e5.aisle`, written by
    /// `aisle train-sentiment --embedding-model`), or nil when the resource bundle is missing.
    public static func shipped() throws -> EmbeddingPolarity? {
        guard let path = SentimentModel.shippedResource("sentiment-e5.aisle") else { return nil }
        return try load(from: path)
    }
}
