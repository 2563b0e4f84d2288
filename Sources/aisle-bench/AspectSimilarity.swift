import AisleCore
import AisleText
import ArgumentParser
import Foundation

/// Issue 18: does embedding similarity find aspects the lexicon misses? Over hand-labelled
/// reviews (`bench/aspects.jsonl`, written before the first run; odd lines are the validation
/// half, even lines the test half), each clause's multilingual-e5-small vector (as a query) is
/// compared with one prototype per aspect (the mean passage vector of a few descriptions in both
/// languages); an aspect joins when the similarity clears the threshold and is within the margin
/// of the clause's best aspect. Reports micro precision, recall and F1 of the (review, aspect)
/// pairs for the lexicon alone, the embedding alone and the two together.
struct AspectSimilarity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aspects",
        abstract: "Aspect detection: the lexicon against embedding similarity on labelled reviews."
    )

    enum Part: String, ExpressibleByArgument { case validation, test }

    @Option(help: "Labelled reviews: JSON lines with text and aspects.") var set = "bench/aspects.jsonl"
    @Option(help: "multilingual-e5-small folder.") var modelDir = "models/multilingual-e5-small"
    @Option(help: "Which half.") var part: Part = .validation
    @Option(help: "Similarity thresholds to try.") var threshold: [Float] = [0.86, 0.87, 0.88, 0.89, 0.90, 0.91]
    @Option(help: "Margins below the clause's best aspect to try.") var margin: [Float] = [0, 0.01]

    struct Labelled: Decodable {
        var text: String
        var aspects: [String]
    }

    /// What each aspect is about, in both languages: the prototypes' texts.
    static let descriptions: [Aspect: [String]] = [
        .quality: ["质量 做工 材质 用料", "quality, workmanship, build and materials"],
        .price: ["价格 性价比 便宜 贵 划算", "price, value for money, cheap or expensive"],
        .delivery: ["快递 物流 发货 送货 到货速度", "shipping, delivery, courier, arrival time"],
        .size: ["尺码 大小 合身 偏大 偏小", "size and fit, too small or too large"],
        .comfort: ["舒适 暖和 柔软 穿着感受", "comfort and warmth, soft, cozy to wear"],
        .appearance: ["外观 颜色 款式 好看 图片", "appearance, color, style and design, looks"],
        .function: ["功能 效果 性能 好用 电池", "function and performance, how well it works"],
        .durability: ["耐用 坏了 断了 起球 掉色", "durability, broke, wore out, fell apart"],
        .packaging: ["包装 盒子 袋子 礼盒", "packaging, box, wrapping, padding"],
        .service: ["客服 售后 卖家 服务态度", "customer service, seller, support, staff"],
    ]

    func run() throws {
        let lines = try String(contentsOfFile: set, encoding: .utf8).split(separator: "\n")
        let rows = try lines.enumerated().filter { part == .validation ? $0.offset % 2 == 0 : $0.offset % 2 == 1 }
            .map { try JSONDecoder().decode(Labelled.self, from: Data($0.element.utf8)) }
        let encoder = try TextEncoder.load(modelDir)
        var prototypes: [(Aspect, [Float])] = []
        for aspect in Aspect.allCases {
            let vectors = encoder.embed(Self.descriptions[aspect] ?? [], as: .passage)
            var mean = [Float](repeating: 0, count: encoder.dimension)
            for vector in vectors { for index in mean.indices { mean[index] += vector[index] } }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            prototypes.append((aspect, mean.map { $0 / max(norm, 1e-9) }))
        }
        let analyzer = ReviewAnalyzer(model: nil)
        let breaks = CharacterSet(charactersIn: "，。！？；,.!?;")
        let clauses = rows.map { row in
            row.text.components(separatedBy: breaks).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        let clauseVectors = clauses.map { encoder.embed($0, as: .query) }
        let truth = rows.map { Set($0.aspects) }
        let lexicon = rows.map { Set(analyzer.analyze($0.text).aspects.map(\.aspect.rawValue)) }
        let clauseLexicon = clauses.map { $0.map { Set(analyzer.analyze($0).aspects.map(\.aspect.rawValue)) } }
        print("aspects: \(rows.count) \(part.rawValue) reviews, \(truth.reduce(0) { $0 + $1.count }) labelled aspects")
        report("lexicon alone", lexicon, truth)
        for bar in threshold {
            for band in margin {
                var fallback: [Set<String>] = []
                let found = clauseVectors.indices.map { review in
                    var aspects = Set<String>()
                    var joined = Set<String>()
                    for (clause, vector) in clauseVectors[review].enumerated() {
                        var here = Set<String>()
                        defer {
                            aspects.formUnion(here)
                            let known = clauseLexicon[review][clause]
                            joined.formUnion(known.isEmpty ? here : known)
                        }
                        let scored = prototypes.map { aspect, prototype in
                            (aspect, zip(vector, prototype).reduce(Float(0)) { $0 + $1.0 * $1.1 })
                        }
                        let best = scored.map(\.1).max() ?? 0
                        for (aspect, similarity) in scored where similarity >= bar && similarity >= best - band {
                            here.insert(aspect.rawValue)
                        }
                    }
                    fallback.append(joined)
                    return aspects
                }
                let label = String(format: "threshold %.2f, margin %.2f", bar, band)
                report("embedding alone, \(label)", found, truth)
                report("lexicon + embedding, \(label)", zip(lexicon, found).map { $0.union($1) }, truth)
                report("embedding where the lexicon finds none in a clause, \(label)", fallback, truth)
            }
        }
    }

    func report(_ name: String, _ found: [Set<String>], _ truth: [Set<String>]) {
        var right = 0
        var claimed = 0
        var labelled = 0
        for (guess, answer) in zip(found, truth) {
            right += guess.intersection(answer).count
            claimed += guess.count
            labelled += answer.count
        }
        let precision = Double(right) / Double(max(claimed, 1))
        let recall = Double(right) / Double(max(labelled, 1))
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        print(String(format: "aspects: %@: precision %.3f, recall %.3f, F1 %.3f", name, precision, recall, f1))
    }
}
