import AisleMath
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
    /// The blocks, in the encoder's layout (float32, linear weights transposed).
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
        self.afterLayer = afterLayer
        hidden = h
        intermediate = ff
        blocks = tensors.map { t in
            TextEncoder.layer(
                queryKeyValue: t[0] + t[2] + t[4],
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
        }
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
