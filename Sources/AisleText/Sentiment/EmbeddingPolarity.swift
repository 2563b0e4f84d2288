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
/// The shipped head reads the review through a `PolarityTower` (the model's last four blocks
/// fine-tuned for polarity); one `aisle train-sentiment` trains reads the plain vector.
public struct EmbeddingPolarity: Sendable, Equatable {
    /// The text model whose vectors this reads (`TextEncoder.name`).
    public let modelName: String
    /// One weight per vector component, and the intercept.
    public let weights: [Float]
    public let bias: Float
    /// The fine-tuned top blocks the review is read through (nil: the model's own sentence
    /// vector, what `aisle train-sentiment` trains a head for).
    public let tower: PolarityTower?

    /// A head from trained weights.
    public init(modelName: String, weights: [Float], bias: Float, tower: PolarityTower? = nil) {
        self.modelName = modelName
        self.weights = weights
        self.bias = bias
        self.tower = tower
    }

    /// The vectors this head reads for `texts` (reviews, as passages): through the tower when
    /// there is one, else the encoder's sentence embeddings. Nil when `encoder` is not this
    /// head's model or not of its shape.
    public func vectors(of texts: [String], encoder: TextEncoder) -> [[Float]]? {
        guard encoder.name == modelName, encoder.dimension == weights.count else { return nil }
        guard let tower else { return encoder.embed(texts) }
        return tower.vectors(of: texts, encoder: encoder)
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
    /// A head with a tower.
    static let towerMagic = Array("AISLEEP2".utf8)

    /// Writes the head, atomically: the model name (length, UTF-8); with a tower (`AISLEEP2`),
    /// the layer it reads after, its block count, width and feed-forward width, and each
    /// block's sixteen tensors as float16 (`PolarityTower.tensorSizes`, PyTorch's layout); then
    /// the dimension, the bias and the weights as 32-bit floats. Little-endian. 1.6 KB for
    /// e5-small's plain head, 14.2 MB with a tower of four blocks.
    public func save(to path: String) throws {
        var data = Data(tower == nil ? Self.magic : Self.towerMagic)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        let name = Array(modelName.utf8)
        append(UInt32(name.count))
        data.append(contentsOf: name)
        if let tower {
            let tensors = tower.tensors
            for value in [tower.afterLayer, tensors.count, tower.hidden, tower.intermediate] { append(UInt32(value)) }
            for value in tensors.joined().joined() { append(Float16(value).bitPattern) }
        }
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
        guard bytes.count >= 16, Array(bytes.prefix(8)) == magic || Array(bytes.prefix(8)) == towerMagic else {
            throw TextDataError("\(name): not an Aisle embedding polarity model")
        }
        var reader = ModelFileReader(bytes, name: name, offset: 8)
        let nameLength = Int(try reader.uint32())
        guard nameLength > 0, nameLength <= 256, reader.offset + nameLength <= bytes.count else {
            throw TextDataError("\(name): bad model name")
        }
        let modelName = String(decoding: bytes[reader.offset..<reader.offset + nameLength], as: UTF8.self)
        reader.offset += nameLength
        let tower = Array(bytes.prefix(8)) == towerMagic ? try readTower(&reader) : nil
        let dimension = Int(try reader.uint32())
        guard dimension > 0, dimension <= 4096, tower.map({ $0.hidden == dimension }) ?? true else {
            throw TextDataError("\(name): bad dimension")
        }
        let bias = Float(bitPattern: try reader.uint32())
        var weights: [Float] = []
        weights.reserveCapacity(dimension)
        for _ in 0..<dimension { weights.append(Float(bitPattern: try reader.uint32())) }
        guard reader.atEnd else { throw TextDataError("\(name): unexpected bytes at the end") }
        return EmbeddingPolarity(modelName: modelName, weights: weights, bias: bias, tower: tower)
    }

    /// The tower part of an `AISLEEP2` file.
    static func readTower(_ reader: inout ModelFileReader) throws -> PolarityTower {
        let name = reader.name
        let (afterLayer, count) = (Int(try reader.uint32()), Int(try reader.uint32()))
        let (hidden, intermediate) = (Int(try reader.uint32()), Int(try reader.uint32()))
        guard afterLayer <= 256, (1...16).contains(count), (1...4096).contains(hidden),
            (1...16384).contains(intermediate)
        else { throw TextDataError("\(name): bad tower shape") }
        let sizes = PolarityTower.tensorSizes(hidden: hidden, intermediate: intermediate)
        guard reader.offset + count * sizes.reduce(0, +) * 2 <= reader.bytes.count else {
            throw TextDataError("\(name): cut short")
        }
        let blocks = try (0..<count).map { _ in
            let tensors = try sizes.map { try reader.float16s($0) }
            return PolarityTower.block(tensors, hidden: hidden, intermediate: intermediate)
        }
        return PolarityTower(afterLayer: afterLayer, hidden: hidden, intermediate: intermediate, blocks: blocks)
    }

    /// The head shipped with Aisle (`Sources/AisleText/Resources/sentiment-e5.aisle`, written by
    /// `aisle train-sentiment --embedding-model`), or nil when the resource bundle is missing.
    public static func shipped() throws -> EmbeddingPolarity? {
        guard let path = SentimentModel.shippedResource("sentiment-e5.aisle") else { return nil }
        return try load(from: path)
    }
}
