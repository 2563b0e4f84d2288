import AisleMath
import CHalfKernels
import Foundation

/// The top blocks of a text model, fine-tuned for review polarity: the embedding head reads the
/// review through them instead of the model's own last layers. A logistic regression over the
/// frozen sentence vector learns which directions of a general-purpose embedding mean "good";
/// tuning the last four blocks on the shopping reviews lets the model itself gather the
/// evidence for polarity, and it holds better on kinds of reviews it never saw (hotels, books;
/// docs/REVIEWS.md, "Embeddings"). The blocks start from multilingual-e5-small's own and are
/// trained by `scripts/sentiment_tower.py`.
public struct PolarityTower: Sendable {
    /// The model's layer (1-based) whose token states the tower reads: the model runs up to it,
    /// then the tower's blocks replace the rest.
    public let afterLayer: Int
    /// The blocks, in the encoder's layout (float32, linear weights transposed; with 8-bit
    /// levels too where the CPU has integer products).
    let blocks: [TextEncoder.Layer]
    let hidden: Int
    let intermediate: Int

    /// The sixteen tensors of a block in file order (weight then bias of each of q, k, v, the
    /// attention output, its LayerNorm, the feed-forward input and output, and the output
    /// LayerNorm) with their element counts.
    static func tensorSizes(hidden h: Int, intermediate ff: Int) -> [Int] {
        [h * h, h, h * h, h, h * h, h, h * h, h, h, h, ff * h, ff, h * ff, h, h, h]
    }

    /// A tower from its blocks' tensors, each block's sixteen in `tensorSizes` order, as
    /// PyTorch stores them ([out × in]).
    init(afterLayer: Int, hidden h: Int, intermediate ff: Int, tensors: [[[Float]]]) {
        self.init(
            afterLayer: afterLayer,
            hidden: h,
            intermediate: ff,
            blocks: tensors.map { Self.block($0, hidden: h, intermediate: ff) }
        )
    }

    /// A tower from blocks `block(_:hidden:intermediate:)` built (the file reader builds them
    /// one at a time, so that only one block's tensors are ever held twice).
    init(afterLayer: Int, hidden: Int, intermediate: Int, blocks: [TextEncoder.Layer]) {
        self.afterLayer = afterLayer
        self.hidden = hidden
        self.intermediate = intermediate
        self.blocks = blocks
    }

    /// Whether the blocks multiply in 8 bits (on a CPU with integer products), as the 4-bit
    /// model's own layers do: their weights rounded to 8-bit levels with a scale per block of
    /// 32 inputs. Otherwise in float32.
    public var integerProducts: Bool { blocks.allSatisfy { $0.int8 != nil } }

    /// One block from its sixteen tensors (`tensorSizes` order, [out × in]). On a CPU with
    /// integer products the four linear weights are also kept as 8-bit levels: the tower then
    /// runs at the model's own speed (in float32 it read reviews at 0.63–0.69× the plain
    /// head's rate), and 8 bits keep its vectors within the fixture's bounds
    /// (PolarityTowerTests).
    static func block(_ t: [[Float]], hidden h: Int, intermediate ff: Int) -> TextEncoder.Layer {
        let queryKeyValue = t[0] + t[2] + t[4]
        var layer = TextEncoder.layer(
            queryKeyValue: queryKeyValue,
            queryKeyValueBias: t[1] + t[3] + t[5],
            attentionOutput: t[6],
            attentionOutputBias: t[7],
            attentionNorm: (t[8], t[9]),
            intermediate: t[10],
            intermediateBias: t[11],
            output: t[12],
            outputBias: t[13],
            outputNorm: (t[14], t[15]),
            hidden: h,
            intermediate: ff,
            halves: false
        )
        let shapes = [(h, 3 * h), (h, h), (h, ff), (ff, h)]
        if TextEncoder.integerProductsAvailable,
            shapes.allSatisfy({ TextEncoder.Int8Weights.fits(inputs: $0.0, outputs: $0.1) })
        {
            layer.int8 = (
                eightBit(queryKeyValue, outputs: 3 * h, inputs: h), eightBit(t[6], outputs: h, inputs: h),
                eightBit(t[10], outputs: ff, inputs: h), eightBit(t[12], outputs: h, inputs: ff)
            )
        }
        return layer
    }

    /// Weights ([out × in]) rounded to levels −127…127, one scale per block of 32 inputs of a
    /// row (its largest magnitude / 127): the rounding the encoder gives its activations
    /// (`aisle_int8_quantize_rows`, which stores level + 128), so only call with integer products.
    static func eightBit(_ weights: [Float], outputs: Int, inputs: Int) -> TextEncoder.Int8Weights {
        var shifted = [UInt8](repeating: 0, count: weights.count)
        var scales = [Float](repeating: 0, count: weights.count / TextEncoder.Int8Weights.blockSize)
        weights.withUnsafeBufferPointer { source in
            shifted.withUnsafeMutableBufferPointer { levels in
                scales.withUnsafeMutableBufferPointer { blockScales in
                    guard let x = source.baseAddress, let q = levels.baseAddress, let s = blockScales.baseAddress
                    else { return }
                    aisle_int8_quantize_rows(x, Int32(outputs), Int32(inputs), q, s)
                }
            }
        }
        let levels = shifted.map { Int8(bitPattern: $0 ^ 0x80) }
        return TextEncoder.Int8Weights(levels: levels, scales: scales, outputs: outputs, inputs: inputs)
    }

    /// The blocks' tensors back in file order (for saving and comparing).
    var tensors: [[[Float]]] {
        let h = hidden
        return blocks.map { block in
            let qkv = block.queryKeyValue.transposed().values
            return [
                Array(qkv[0..<(h * h)]), Array(block.queryKeyValueBias[0..<h]),
                Array(qkv[(h * h)..<(2 * h * h)]), Array(block.queryKeyValueBias[h..<(2 * h)]),
                Array(qkv[(2 * h * h)..<(3 * h * h)]), Array(block.queryKeyValueBias[(2 * h)..<(3 * h)]),
                block.attentionOutput.transposed().values, block.attentionOutputBias,
                block.attentionNorm.weight, block.attentionNorm.bias,
                block.intermediate.transposed().values, block.intermediateBias,
                block.output.transposed().values, block.outputBias,
                block.outputNorm.weight, block.outputNorm.bias,
            ]
        }
    }

    /// The L2-normalised vectors of `texts` (as passages) through the tower, or nil when the
    /// encoder is not of the tower's shape (fewer layers, another width).
    func vectors(of texts: [String], encoder: TextEncoder) -> [[Float]]? {
        guard encoder.dimension == hidden, encoder.configuration.intermediateSize == intermediate else { return nil }
        return encoder.embed(
            windowed: texts.map { encoder.windows(of: $0, as: .passage) },
            afterLayer: afterLayer,
            blocks: blocks
        )
    }
}

extension PolarityTower: Equatable {
    public static func == (a: PolarityTower, b: PolarityTower) -> Bool {
        a.afterLayer == b.afterLayer && a.hidden == b.hidden && a.intermediate == b.intermediate
            && a.tensors == b.tensors
    }
}
