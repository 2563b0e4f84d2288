import AisleRecommend
import ArgumentParser
import Foundation

/// `--transformer-settings dropout=0.5,negatives=1024`: one point instead of the transformer's
/// tuning grid (still stopped early on validation).
enum TransformerSettings {
    static let help =
        "Transformer settings instead of its grid, as key=value pairs: dim, blocks, heads, hidden, max_len, dropout, lr, weight_decay, batch, epochs, negatives (items drawn per step for a logQ-corrected sampled softmax; 0: the full softmax; by default full up to 16,384 items, 2,048 drawn above), seed, decay (epochs of cosine step-size decay) (e.g. dropout=0.5,negatives=1024)."

    static let refitHelp =
        "How the transformer is refitted on train+valid: scratch (trained afresh for the best epoch count) or a number of epochs that continue the model tuned on train (without --items)."

    /// `--transformer-refit`: nil for scratch, else the epochs to continue for. A continued refit
    /// has no item content to continue with, so it is refused `withItems`.
    static func refitEpochs(_ text: String, withItems: Bool = false) throws -> Int? {
        if text == "scratch" { return nil }
        if withItems {
            throw ValidationError(
                "--transformer-refit continues a model without item content; with --items the refit trains afresh (leave --transformer-refit out)"
            )
        }
        guard let epochs = Int(text), epochs > 0 else {
            throw ValidationError("--transformer-refit is scratch or a positive number of epochs, got \"\(text)\"")
        }
        return epochs
    }

    static func parse(_ text: String) throws -> SequentialModel.Parameters {
        var parameters = SequentialModel.Parameters()
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw ValidationError("transformer settings are key=value pairs; got \"\(pair)\"")
            }
            let (key, value) = (parts[0], parts[1])
            func integer() throws -> Int {
                guard let number = Int(value), number > 0 else {
                    throw ValidationError("\(key) must be a positive integer, got \"\(value)\"")
                }
                return number
            }
            func fraction(_ range: ClosedRange<Float>) throws -> Float {
                guard let number = Float(value), range.contains(number) else {
                    throw ValidationError("\(key) must be a number in \(range), got \"\(value)\"")
                }
                return number
            }
            switch key {
            case "dim": parameters.dimension = try integer()
            case "blocks": parameters.blocks = try integer()
            case "heads": parameters.heads = try integer()
            case "hidden": parameters.hidden = try integer()
            case "max_len": parameters.maxLength = try integer()
            case "dropout": parameters.dropout = try fraction(0...0.9)
            case "lr": parameters.learningRate = try fraction(1e-6...1)
            case "weight_decay": parameters.weightDecay = try fraction(0...10)
            case "batch": parameters.batchSize = try integer()
            case "epochs": parameters.epochs = try integer()
            case "decay":
                guard let number = Int(value), number >= 0 else {
                    throw ValidationError(
                        "decay must be 0 (a constant step size) or a number of epochs, got \"\(value)\""
                    )
                }
                parameters.decayEpochs = number
            case "negatives":
                guard let number = Int(value), number >= 0 else {
                    throw ValidationError("negatives must be 0 (full softmax) or more, got \"\(value)\"")
                }
                parameters.sampledNegatives = number
            case "seed":
                guard let number = UInt64(value) else {
                    throw ValidationError("seed must be an integer, got \"\(value)\"")
                }
                parameters.seed = number
            default:
                throw ValidationError(
                    "unknown transformer setting \"\(key)\"; use dim, blocks, heads, hidden, max_len, dropout, lr, weight_decay, batch, epochs, negatives, seed or decay"
                )
            }
        }
        guard parameters.dimension % parameters.heads == 0 else {
            throw ValidationError("dim \(parameters.dimension) must be a multiple of heads \(parameters.heads)")
        }
        return parameters
    }
}
