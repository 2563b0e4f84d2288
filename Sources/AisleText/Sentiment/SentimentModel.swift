import Foundation

/// Review polarity per language: a logistic regression over `SentimentFeatures`, trained by
/// `aisle train-sentiment` from the labelled datasets. This first version scores positive vs
/// negative; aspects, intensity and the review endpoints build on it.
public struct SentimentModel: Sendable {
    /// The feature extractor (its dimension is the models').
    public let features: SentimentFeatures
    /// One classifier per language.
    public let classifiers: [TextLanguage: LogisticRegression]

    /// A model from trained classifiers.
    public init(features: SentimentFeatures, classifiers: [TextLanguage: LogisticRegression]) {
        self.features = features
        self.classifiers = classifiers
    }

    /// P(positive) of `text`, in `language` or the detected one; nil when there is no model for it.
    public func positiveProbability(_ text: String, language: TextLanguage? = nil) -> Float? {
        let language = language ?? TextLanguage.detect(text)
        guard let classifier = classifiers[language] else { return nil }
        return classifier.probability(features.features(text, language: language))
    }

    /// Trains one language's classifier on `rows` (all of them; pass the train part).
    public static func train(
        _ rows: [LabeledText],
        language: TextLanguage,
        features: SentimentFeatures,
        settings: LogisticRegression.Settings = .init()
    ) -> LogisticRegression {
        let examples = rows.map { (features: features.features($0.text, language: language), label: $0.label) }
        var classifier = LogisticRegression(dimension: features.dimension)
        classifier.train(examples, settings: settings)
        return classifier
    }

    // MARK: - File

    static let magic = Array("AISLESE1".utf8)

    /// Writes the model (weights as raw little-endian floats), atomically.
    public func save(to path: String) throws {
        var data = Data(Self.magic)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        append(UInt32(features.dimension))
        append(UInt32(classifiers.count))
        for language in TextLanguage.allCases {
            guard let classifier = classifiers[language] else { continue }
            data.append(contentsOf: Array(language.rawValue.utf8.prefix(2)))
            append(classifier.bias.bitPattern)
            classifier.weights.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw TextDataError("\(path): cannot move the model into place (errno \(errno))")
        }
    }

    /// Reads a model written by `save`.
    public static func load(from path: String) throws -> SentimentModel {
        guard let data = FileManager.default.contents(atPath: path), data.count > 16, Array(data.prefix(8)) == magic
        else {
            throw TextDataError("\(path): not an Aisle sentiment model")
        }
        var offset = 8
        func scalar() throws -> UInt32 {
            guard offset + 4 <= data.count else { throw TextDataError("\(path): cut short") }
            defer { offset += 4 }
            return data[data.startIndex + offset..<data.startIndex + offset + 4].withUnsafeBytes {
                UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))
            }
        }
        let dimension = Int(try scalar())
        let count = Int(try scalar())
        guard dimension > 0, dimension & (dimension - 1) == 0 else { throw TextDataError("\(path): bad dimension") }
        var classifiers: [TextLanguage: LogisticRegression] = [:]
        for _ in 0..<count {
            guard offset + 2 <= data.count,
                let code = String(data: data[data.startIndex + offset..<data.startIndex + offset + 2], encoding: .utf8),
                let language = TextLanguage(rawValue: code)
            else { throw TextDataError("\(path): unknown language block") }
            offset += 2
            let bias = Float(bitPattern: try scalar())
            let bytes = dimension * 4
            guard offset + bytes <= data.count else { throw TextDataError("\(path): cut short") }
            let weights = [Float](unsafeUninitializedCapacity: dimension) { buffer, initialized in
                data[data.startIndex + offset..<data.startIndex + offset + bytes].withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0)
                }
                initialized = dimension
            }
            offset += bytes
            classifiers[language] = LogisticRegression(weights: weights, bias: bias)
        }
        return SentimentModel(features: SentimentFeatures(dimension: dimension), classifiers: classifiers)
    }
}

/// Binary classification scores, as the benchmark reports them.
public struct BinaryScores: Sendable, Equatable {
    /// Share of correct predictions.
    public let accuracy: Double
    /// Mean of the positive and the negative class's F1.
    public let macroF1: Double
    /// Rows scored.
    public let count: Int

    /// Scores `predictions` (1/0) against `labels`.
    public init(predictions: [Int], labels: [Int]) {
        precondition(predictions.count == labels.count)
        var truePositive = 0
        var trueNegative = 0
        var falsePositive = 0
        var falseNegative = 0
        for (prediction, label) in zip(predictions, labels) {
            switch (prediction, label) {
            case (1, 1): truePositive += 1
            case (0, 0): trueNegative += 1
            case (1, 0): falsePositive += 1
            default: falseNegative += 1
            }
        }
        func f1(_ hit: Int, _ wrongGuess: Int, _ missed: Int) -> Double {
            let denominator = Double(2 * hit + wrongGuess + missed)
            return denominator > 0 ? Double(2 * hit) / denominator : 0
        }
        count = labels.count
        accuracy = labels.isEmpty ? 0 : Double(truePositive + trueNegative) / Double(labels.count)
        macroF1 = (f1(truePositive, falsePositive, falseNegative) + f1(trueNegative, falseNegative, falsePositive)) / 2
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
