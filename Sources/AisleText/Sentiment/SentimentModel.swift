public import AisleCore
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Review polarity per language: a logistic regression over `SentimentFeatures`, trained by
/// `aisle train-sentiment` from the labelled datasets; it scores positive vs negative, and
/// `ReviewAnalyzer` blends it with the lexicon.
public struct SentimentModel: Sendable {
    /// The feature extractor (its dimension is the models').
    public let features: SentimentFeatures
    /// One classifier per language.
    public let classifiers: [TextLanguage: LogisticRegression]

    /// Hash buckets of the shipped model: 2¹⁸ (measured against 2²⁰ in docs/REVIEWS.md).
    public static let defaultDimension = 1 << 18

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

    static let magic = Array("AISLESE2".utf8)

    /// Writes the model, atomically: the hash dimension and, per language, the bias, a scale and
    /// the weights as 16-bit integers (weight = scale × value). Quantising keeps the shipped file
    /// small (1 MiB at 2¹⁸ buckets) and changes no prediction measurably (`train-sentiment` scores
    /// the model as written). The same weights always give the same bytes.
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
            let largest = classifier.weights.reduce(Float(0)) { max($0, abs($1)) }
            let scale = largest > 0 ? largest / Float(Int16.max) : 1
            append(scale.bitPattern)
            for weight in classifier.weights {
                append(Int16((weight / scale).rounded()))
            }
        }
        try ModelFile.write(data, to: path)
    }

    /// The model shipped with Aisle (`Sources/AisleText/Resources/sentiment.aisle`, written by
    /// `aisle train-sentiment` with its defaults), or nil when its resource bundle is not beside
    /// the binary. Not `Bundle.module`: its accessor calls fatalError when the bundle is missing.
    public static func shipped() throws -> SentimentModel? {
        guard let path = shippedResource("sentiment.aisle") else { return nil }
        return try load(from: path)
    }

    /// The path of AisleText's resource `file` in the bundle beside the binary, if there.
    static func shippedResource(_ file: String) -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let folders = [executable.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.resourceURL]
        for folder in folders.compactMap({ $0 }) {
            for bundle in ["aisle_AisleText.resources", "aisle_AisleText.bundle"] {
                let path = folder.appendingPathComponent(bundle).appendingPathComponent(file).path
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Reads a model written by `save`.
    public static func load(from path: String) throws -> SentimentModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextDataError("\(path): cannot read the sentiment model")
        }
        return try load(data, name: path)
    }

    /// Reads a model from the bytes `save` writes; `name` is for errors.
    public static func load(_ data: Data, name: String) throws -> SentimentModel {
        let bytes = [UInt8](data)
        guard bytes.count > 16, Array(bytes.prefix(8)) == magic else {
            throw TextDataError(
                "\(name): not an Aisle sentiment model (or one from an older version: run aisle train-sentiment)"
            )
        }
        var reader = ModelFileReader(bytes, name: name, offset: 8)
        let dimension = Int(try reader.uint32())
        let count = Int(try reader.uint32())
        guard dimension > 0, dimension <= 1 << 24, dimension & (dimension - 1) == 0 else {
            throw TextDataError("\(name): bad dimension")
        }
        var classifiers: [TextLanguage: LogisticRegression] = [:]
        for _ in 0..<count {
            guard reader.offset + 2 <= bytes.count,
                let language = TextLanguage(
                    rawValue: String(decoding: bytes[reader.offset..<reader.offset + 2], as: UTF8.self)
                )
            else { throw TextDataError("\(name): unknown language block") }
            reader.offset += 2
            let bias = Float(bitPattern: try reader.uint32())
            let scale = Float(bitPattern: try reader.uint32())
            guard reader.offset + 2 * dimension <= bytes.count else { throw TextDataError("\(name): cut short") }
            var weights = [Float](repeating: 0, count: dimension)
            for index in 0..<dimension {
                let low = UInt16(bytes[reader.offset + 2 * index])
                let high = UInt16(bytes[reader.offset + 2 * index + 1])
                weights[index] = Float(Int16(bitPattern: low | high << 8)) * scale
            }
            reader.offset += 2 * dimension
            classifiers[language] = LogisticRegression(weights: weights, bias: bias)
        }
        guard reader.atEnd else { throw TextDataError("\(name): unexpected bytes at the end") }
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
