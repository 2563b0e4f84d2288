public import AisleMath
import Foundation

/// A BERT-family sentence encoder run natively on BLAS: all-MiniLM-L6-v2 by default (6 layers,
/// 384 dimensions, 12 heads). Text → WordPiece ids → embeddings + LayerNorm → self-attention and
/// GELU feed-forward blocks → mean over the tokens → L2-normalised vector. Immutable once
/// loaded, so one encoder serves every thread.
public struct TextEncoder: Sendable {
    /// The shape read from `config.json`.
    public struct Configuration: Sendable, Equatable {
        public var hiddenSize: Int
        public var layers: Int
        public var heads: Int
        public var intermediateSize: Int
        public var vocabularySize: Int
        public var maxPositions: Int
        public var typeVocabularySize: Int
        public var layerNormEpsilon: Float
    }

    /// One transformer block's weights; linear weights are [out × in], as PyTorch stores them.
    struct Layer: Sendable {
        var query: DenseMatrix, queryBias: [Float]
        var key: DenseMatrix, keyBias: [Float]
        var value: DenseMatrix, valueBias: [Float]
        var attentionOutput: DenseMatrix, attentionOutputBias: [Float]
        var attentionNorm: (weight: [Float], bias: [Float])
        var intermediate: DenseMatrix, intermediateBias: [Float]
        var output: DenseMatrix, outputBias: [Float]
        var outputNorm: (weight: [Float], bias: [Float])
    }

    public let configuration: Configuration
    public let tokenizer: WordPieceTokenizer
    /// Longest input in tokens, [CLS] and [SEP] included (sentence-transformers' max_seq_length).
    public let maxTokens: Int
    let wordEmbeddings: DenseMatrix
    let positionEmbeddings: DenseMatrix
    let tokenTypeEmbeddings: DenseMatrix
    let embeddingNorm: (weight: [Float], bias: [Float])
    let layers: [Layer]

    /// The vector size.
    public var dimension: Int { configuration.hiddenSize }

    /// Loads a model folder as `make models` writes it: `config.json`, `tokenizer.json`,
    /// `model.safetensors`.
    public init(folder: String, maxTokens: Int = 256) throws {
        func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        configuration = try Self.readConfiguration(file("config.json"))
        tokenizer = try WordPieceTokenizer(tokenizerJSON: file("tokenizer.json"))
        self.maxTokens = min(maxTokens, configuration.maxPositions)
        let weights = try SafeTensors(path: file("model.safetensors"))
        let c = configuration
        func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> DenseMatrix {
            DenseMatrix(rows: rows, columns: columns, values: try weights.floats(name, shape: [rows, columns]))
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] { try weights.floats(name, shape: [count]) }
        func norm(_ prefix: String) throws -> (weight: [Float], bias: [Float]) {
            (try vector(prefix + ".weight", c.hiddenSize), try vector(prefix + ".bias", c.hiddenSize))
        }
        wordEmbeddings = try matrix("embeddings.word_embeddings.weight", c.vocabularySize, c.hiddenSize)
        positionEmbeddings = try matrix("embeddings.position_embeddings.weight", c.maxPositions, c.hiddenSize)
        tokenTypeEmbeddings = try matrix("embeddings.token_type_embeddings.weight", c.typeVocabularySize, c.hiddenSize)
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<c.layers).map { index in
            let p = "encoder.layer.\(index)."
            let h = c.hiddenSize
            return Layer(
                query: try matrix(p + "attention.self.query.weight", h, h),
                queryBias: try vector(p + "attention.self.query.bias", h),
                key: try matrix(p + "attention.self.key.weight", h, h),
                keyBias: try vector(p + "attention.self.key.bias", h),
                value: try matrix(p + "attention.self.value.weight", h, h),
                valueBias: try vector(p + "attention.self.value.bias", h),
                attentionOutput: try matrix(p + "attention.output.dense.weight", h, h),
                attentionOutputBias: try vector(p + "attention.output.dense.bias", h),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: try matrix(p + "intermediate.dense.weight", c.intermediateSize, h),
                intermediateBias: try vector(p + "intermediate.dense.bias", c.intermediateSize),
                output: try matrix(p + "output.dense.weight", h, c.intermediateSize),
                outputBias: try vector(p + "output.dense.bias", h),
                outputNorm: try norm(p + "output.LayerNorm")
            )
        }
    }

    static func readConfiguration(_ path: String) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TextDataError("\(path): cannot read the model configuration; run make models") }
        func integer(_ key: String) throws -> Int {
            guard let value = object[key] as? Int, value > 0 else {
                throw TextDataError("\(path): \(key) is missing or not a positive integer")
            }
            return value
        }
        if let activation = object["hidden_act"] as? String, activation != "gelu" {
            throw TextDataError("\(path): hidden_act \(activation) is not supported (gelu only)")
        }
        let configuration = Configuration(
            hiddenSize: try integer("hidden_size"),
            layers: try integer("num_hidden_layers"),
            heads: try integer("num_attention_heads"),
            intermediateSize: try integer("intermediate_size"),
            vocabularySize: try integer("vocab_size"),
            maxPositions: try integer("max_position_embeddings"),
            typeVocabularySize: try integer("type_vocab_size"),
            layerNormEpsilon: Float((object["layer_norm_eps"] as? Double) ?? 1e-12)
        )
        guard configuration.hiddenSize % configuration.heads == 0 else {
            throw TextDataError("\(path): hidden_size is not a multiple of num_attention_heads")
        }
        return configuration
    }

    /// The L2-normalised sentence embedding of `text` (mean of the last layer over its tokens).
    public func embed(_ text: String) -> [Float] {
        embed(tokens: tokenizer.encode(text, maxLength: maxTokens))
    }

    /// The embedding of already tokenised ids ([CLS] … [SEP]).
    public func embed(tokens: [Int32]) -> [Float] {
        let hidden = encode(tokens)
        var pooled = [Float](repeating: 0, count: dimension)
        for row in 0..<hidden.rows {
            let offset = row * dimension
            for column in 0..<dimension { pooled[column] += hidden.values[offset + column] }
        }
        let scale = 1 / Float(max(hidden.rows, 1))
        var norm: Float = 0
        for column in 0..<dimension {
            pooled[column] *= scale
            norm += pooled[column] * pooled[column]
        }
        let inverse = 1 / max(norm.squareRoot(), 1e-12)
        return pooled.map { $0 * inverse }
    }

    /// The last layer's hidden states, one row per token.
    func encode(_ tokens: [Int32]) -> DenseMatrix {
        let count = tokens.count
        let h = dimension
        var x = DenseMatrix(rows: count, columns: h)
        for (position, token) in tokens.enumerated() {
            let word = Int(min(max(token, 0), Int32(configuration.vocabularySize - 1))) * h
            let place = min(position, configuration.maxPositions - 1) * h
            for column in 0..<h {
                x.values[position * h + column] =
                    wordEmbeddings.values[word + column] + positionEmbeddings.values[place + column]
                    + tokenTypeEmbeddings.values[column]
            }
        }
        Self.layerNorm(&x, embeddingNorm, epsilon: configuration.layerNormEpsilon)
        for layer in layers {
            x = block(x, layer)
        }
        return x
    }

    /// One transformer block (post-norm, as BERT).
    func block(_ x: DenseMatrix, _ layer: Layer) -> DenseMatrix {
        let count = x.rows
        let h = dimension
        let heads = configuration.heads
        let width = h / heads
        let q = Self.linear(x, layer.query, layer.queryBias)
        let k = Self.linear(x, layer.key, layer.keyBias)
        let v = Self.linear(x, layer.value, layer.valueBias)
        var context = DenseMatrix(rows: count, columns: h)
        let scale = 1 / Float(width).squareRoot()
        for head in 0..<heads {
            let qh = Self.columns(q, from: head * width, count: width)
            let kh = Self.columns(k, from: head * width, count: width)
            let vh = Self.columns(v, from: head * width, count: width)
            var scores = BLAS.multiply(qh, kh, transposeB: .transposed)
            for row in 0..<count {
                Self.softmax(&scores.values[(row * count)..<((row + 1) * count)], scale: scale)
            }
            let mixed = BLAS.multiply(scores, vh)
            for row in 0..<count {
                for column in 0..<width {
                    context.values[row * h + head * width + column] = mixed.values[row * width + column]
                }
            }
        }
        var attended = Self.linear(context, layer.attentionOutput, layer.attentionOutputBias)
        for index in attended.values.indices { attended.values[index] += x.values[index] }
        Self.layerNorm(&attended, layer.attentionNorm, epsilon: configuration.layerNormEpsilon)
        var intermediate = Self.linear(attended, layer.intermediate, layer.intermediateBias)
        for index in intermediate.values.indices { intermediate.values[index] = Self.gelu(intermediate.values[index]) }
        var output = Self.linear(intermediate, layer.output, layer.outputBias)
        for index in output.values.indices { output.values[index] += attended.values[index] }
        Self.layerNorm(&output, layer.outputNorm, epsilon: configuration.layerNormEpsilon)
        return output
    }

    /// `x · weightᵀ + bias`, weight stored [out × in].
    static func linear(_ x: DenseMatrix, _ weight: DenseMatrix, _ bias: [Float]) -> DenseMatrix {
        var result = BLAS.multiply(x, weight, transposeB: .transposed)
        let width = result.columns
        for row in 0..<result.rows {
            for column in 0..<width { result.values[row * width + column] += bias[column] }
        }
        return result
    }

    /// Columns `from..<from+count` of `matrix`, as a matrix of their own.
    static func columns(_ matrix: DenseMatrix, from start: Int, count: Int) -> DenseMatrix {
        var values = [Float](repeating: 0, count: matrix.rows * count)
        for row in 0..<matrix.rows {
            for column in 0..<count {
                values[row * count + column] = matrix.values[row * matrix.columns + start + column]
            }
        }
        return DenseMatrix(rows: matrix.rows, columns: count, values: values)
    }

    /// Softmax of `scale × row`, in place, shifted by the maximum for stability.
    static func softmax(_ row: inout ArraySlice<Float>, scale: Float) {
        var largest = -Float.infinity
        for value in row { largest = max(largest, value * scale) }
        var sum: Float = 0
        for index in row.indices {
            let value = Foundation.exp(row[index] * scale - largest)
            row[index] = value
            sum += value
        }
        for index in row.indices { row[index] /= sum }
    }

    /// LayerNorm over each row: (x − mean) / √(variance + ε) · weight + bias.
    static func layerNorm(_ x: inout DenseMatrix, _ norm: (weight: [Float], bias: [Float]), epsilon: Float) {
        let width = x.columns
        for row in 0..<x.rows {
            let offset = row * width
            var mean: Float = 0
            for column in 0..<width { mean += x.values[offset + column] }
            mean /= Float(width)
            var variance: Float = 0
            for column in 0..<width {
                let centred = x.values[offset + column] - mean
                variance += centred * centred
            }
            variance /= Float(width)
            let inverse = 1 / (variance + epsilon).squareRoot()
            for column in 0..<width {
                x.values[offset + column] =
                    (x.values[offset + column] - mean) * inverse * norm.weight[column] + norm.bias[column]
            }
        }
    }

    /// The exact GELU BERT uses: x · Φ(x) = x/2 · (1 + erf(x/√2)).
    static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + Float(Foundation.erf(Double(x) * 0.707_106_781_186_547_5)))
    }
}
