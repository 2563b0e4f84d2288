import AisleCore
import AisleText
import ArgumentParser
import Foundation

struct TrainIntentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-intents",
        abstract: "Train the assistant's intent classifier and report its cross-validated and held-out accuracy.",
        discussion: """
            Reads the labelled utterances (language, intent, text; bench/assistant/), reports
            k-fold cross-validated accuracy per language on the training set, trains on all of it
            and writes the model. With --heldout, scores the written model once on a set it never
            saw. multilingual-e5-small's query vectors are read when --embedding-model names it
            (both heads are written: with and without the vector).

              aisle train-intents --out Sources/AisleText/Resources/intents.aisle \\
                --embedding-model models/multilingual-e5-small --heldout bench/assistant/intents-heldout.tsv
            """
    )

    @Option(help: "Training utterances (TSV: language, intent, text).")
    var train = "bench/assistant/intents-train.tsv"

    @Option(help: "Held-out utterances to score the written model on, once (not used for training or tuning).")
    var heldout: String?

    @Option(help: "Where to write the model (the shipped one is Sources/AisleText/Resources/intents.aisle).")
    var out: String?

    @Option(help: "The multilingual-e5-small folder; without it only the lexical head is trained.")
    var embeddingModel: String?

    @Option(help: "Cross-validation folds (0: none).")
    var folds = 5

    @Option(help: "Passes over the training set.")
    var epochs = IntentClassifier.Settings().epochs

    @Option(help: "AdaGrad's base step.")
    var learningRate = IntentClassifier.Settings().learningRate

    @Option(help: "L2 penalty per step.")
    var l2 = IntentClassifier.Settings().l2

    @Option(help: "Weight of the text vector beside the lexical features.")
    var embeddingScale = IntentClassifier.Settings().embeddingScale

    @Option(help: "Write each held-out row's prediction (language, label, predicted, confidence, text) here.")
    var predictions: String?

    func validate() throws {
        guard (0...20).contains(folds), folds != 1 else { throw ValidationError("--folds must be 0 or 2 to 20") }
        guard epochs >= 1, epochs <= 1000 else { throw ValidationError("--epochs must be 1 to 1000") }
        guard learningRate > 0, l2 >= 0, embeddingScale >= 0 else {
            throw ValidationError("--learning-rate must be positive; --l2 and --embedding-scale at least 0")
        }
    }

    func run() throws {
        var settings = IntentClassifier.Settings()
        settings.epochs = epochs
        settings.learningRate = learningRate
        settings.l2 = l2
        settings.embeddingScale = embeddingScale
        let rows = try LabeledUtterance.load(tsv: train)
        Console.line("train-intents: \(rows.count) utterances from \(train)")
        let encoder = try embeddingModel.map { try TextEncoder.load($0) }
        let vectors = encoder.map { embed(rows.map(\.text), with: $0, what: "training utterances") }
        if folds > 0 {
            crossValidate(rows, vectors: vectors, modelName: encoder?.name, settings: settings)
        }
        let model = try IntentClassifier.train(rows, vectors: vectors, modelName: encoder?.name, settings: settings)
        if let out {
            try model.save(to: out)
            Console.line("train-intents: wrote \(out)")
        }
        if let heldout {
            let held = try LabeledUtterance.load(tsv: heldout)
            let heldVectors = encoder.map { embed(held.map(\.text), with: $0, what: "held-out utterances") }
            var lines: [String] = []
            for (head, useVectors) in [("lexical", false), ("lexical + vector", true)]
            where !useVectors || encoder != nil {
                let predicted = held.indices.map {
                    model.classify(held[$0].text, vector: useVectors ? heldVectors?[$0] : nil)
                }
                Console.line(
                    "train-intents: held-out (\(heldout)), \(head): \(Self.accuracyLine(held, predicted.map(\.intent)))"
                )
                if useVectors == (encoder != nil) {
                    lines = held.indices.map {
                        "\(held[$0].language.rawValue)\t\(held[$0].intent.rawValue)\t\(predicted[$0].intent.rawValue)\t\(predicted[$0].confidence)\t\(held[$0].text)"
                    }
                }
            }
            if let predictions {
                try (["language\tlabel\tpredicted\tconfidence\ttext"] + lines).joined(separator: "\n")
                    .write(toFile: predictions, atomically: true, encoding: .utf8)
            }
        }
    }

    /// K-fold cross-validation: rows are put in folds by a hash of their text, so the folds are
    /// the same on every run.
    func crossValidate(
        _ rows: [LabeledUtterance],
        vectors: [[Float]]?,
        modelName: String?,
        settings: IntentClassifier.Settings
    ) {
        let fold = rows.map { Int(Self.fnv1a($0.text) % UInt64(folds)) }
        var lexical = [AssistantIntent?](repeating: nil, count: rows.count)
        var combined = [AssistantIntent?](repeating: nil, count: rows.count)
        for k in 0..<folds {
            let trainIndices = rows.indices.filter { fold[$0] != k }
            guard
                let model = try? IntentClassifier.train(
                    trainIndices.map { rows[$0] },
                    vectors: vectors.map { all in trainIndices.map { all[$0] } },
                    modelName: modelName,
                    settings: settings
                )
            else { continue }
            for index in rows.indices where fold[index] == k {
                lexical[index] = model.classify(rows[index].text, vector: nil).intent
                if let vectors { combined[index] = model.classify(rows[index].text, vector: vectors[index]).intent }
            }
            Console.line("train-intents: cross-validation fold \(k + 1)/\(folds) done")
        }
        Console.line("train-intents: \(folds)-fold cross-validation, lexical: \(Self.accuracyLine(rows, lexical))")
        if vectors != nil {
            Console.line(
                "train-intents: \(folds)-fold cross-validation, lexical + vector: \(Self.accuracyLine(rows, combined))"
            )
        }
    }

    func embed(_ texts: [String], with encoder: TextEncoder, what: String) -> [[Float]] {
        let clock = ContinuousClock()
        let start = clock.now
        var vectors: [[Float]] = []
        for batch in stride(from: 0, to: texts.count, by: 256) {
            vectors += encoder.embed(Array(texts[batch..<min(batch + 256, texts.count)]), as: .query)
            Console.line("train-intents: embedding \(what): \(vectors.count)/\(texts.count)")
        }
        Console.line(
            "train-intents: embedded \(texts.count) \(what) in \(String(format: "%.1f", (clock.now - start).seconds)) s"
        )
        return vectors
    }

    /// "en 0.951 (600), zh 0.962 (619), all 0.957": accuracy per language and overall.
    static func accuracyLine(_ rows: [LabeledUtterance], _ predicted: [AssistantIntent?]) -> String {
        var parts: [String] = []
        for language in [TextLanguage.en, .zh] {
            let indices = rows.indices.filter { rows[$0].language == language }
            guard !indices.isEmpty else { continue }
            let right = indices.filter { predicted[$0] == rows[$0].intent }.count
            parts.append(
                "\(language.rawValue) \(String(format: "%.3f", Double(right) / Double(indices.count))) (\(indices.count))"
            )
        }
        let right = rows.indices.filter { predicted[$0] == rows[$0].intent }.count
        parts.append("all \(String(format: "%.3f", Double(right) / Double(max(rows.count, 1))))")
        return parts.joined(separator: ", ")
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
