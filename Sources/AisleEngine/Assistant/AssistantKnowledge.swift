import AisleCore
import AisleStore
import AisleText
import Synchronization

/// What the assistant knows besides the store: the shipped intent classifier, and the FAQ set
/// indexed for retrieval. The index is rebuilt when the set changes: at once by words, then,
/// once the text models have embedded the questions (off the request path), by meaning too.
/// Vectors are kept by text, so putting the set again embeds only what changed.
final class AssistantKnowledge: Sendable {
    /// The shipped classifier, or why there is none.
    let classifier: Result<IntentClassifier, AisleError>
    private let current = Mutex<(revision: Int, index: FAQIndex)?>(nil)
    /// The running embedding of the newest set, for `waitUntilEmbedded`.
    private let embedding = Mutex<Task<Void, Never>?>(nil)
    /// Question vectors by model name and question text.
    private let vectorCache = Mutex<[String: [Float]]>([:])

    init() {
        do {
            if let model = try IntentClassifier.shipped() {
                classifier = .success(model)
            } else {
                classifier = .failure(
                    AisleError(
                        code: .unavailable,
                        message:
                            "the assistant's intent model is not installed beside the binary (aisle_AisleText.resources)"
                    )
                )
            }
        } catch {
            classifier = .failure(AisleError(code: .unavailable, message: "the assistant's intent model: \(error)"))
        }
    }

    /// The FAQ index, read from the store the first time.
    func index(store: any AssistantStore, models: TextModels) async throws -> FAQIndex {
        if let index = current.withLock({ $0?.index }) { return index }
        let (entries, revision) = try await store.faqs()
        return served(entries, revision: revision, models: models)
    }

    /// The index of the served set, after serving `entries` at `revision` when nothing newer is
    /// (a caller that has just read the set from the store need not read it again).
    func served(_ entries: [FAQ], revision: Int, models: TextModels) -> FAQIndex {
        publish(entries, revision: revision, models: models)
        return current.withLock { $0?.index } ?? FAQIndex(entries)
    }

    /// Serves `entries` at `revision` (an older revision than the one served is ignored, so two
    /// puts answering out of order keep the newer): by words now, by meaning once embedded.
    func publish(_ entries: [FAQ], revision: Int, models: TextModels) {
        // The same revision again is two first reads racing: the set is served already (checked
        // before the cache look-ups, which cost a pass over the set).
        if current.withLock({ $0.map { $0.revision >= revision } ?? false }) { return }
        let cached = vectors(for: entries)
        let published = current.withLock { state -> Bool in
            if let state, state.revision >= revision { return false }
            state = (revision, index(entries, vectors: cached))
            return true
        }
        guard published, !cached.complete else { return }
        let task = Task.detached(priority: .utility) { [self] in
            await embed(entries, models: models)
            let vectors = vectors(for: entries)
            // Forget the phrasings of earlier sets.
            let questions = Set(entries.flatMap(\.phrasings))
            vectorCache.withLock { cache in
                cache = cache.filter { key, _ in
                    questions.contains(String(key.split(separator: "\u{1}", maxSplits: 1).last ?? ""))
                }
            }
            current.withLock { state in
                guard state?.revision == revision else { return }
                state = (revision, index(entries, vectors: vectors))
            }
        }
        embedding.withLock { $0 = task }
    }

    /// How many entries of the set served at `revision` are matched by meaning (their
    /// question embedded by multilingual-e5-small); nil when another revision is served.
    func embeddedCount(revision: Int) -> Int? {
        current.withLock { state in
            guard let state, state.revision == revision else { return nil }
            return state.index.entries.indices.filter { state.index.hasVector($0) }.count
        }
    }

    /// Stops embedding (the server's shutdown).
    func cancelEmbedding() {
        embedding.withLock { $0 }?.cancel()
    }

    /// Returns once the newest set's questions are embedded (tests, benchmarks, the demo).
    func waitUntilEmbedded() async {
        await embedding.withLock { $0 }?.value
    }

    static let englishModelName = "all-MiniLM-L6-v2"

    /// The index of `entries` with their vectors, and each question's intent as the classifier
    /// reads it (with its vector when there is one), for the agreed-intent bar.
    private func index(_ entries: [FAQ], vectors: (e5: [[Float]?], english: [[Float]?], complete: Bool)) -> FAQIndex {
        let questionRows = FAQIndex.questionRows(entries)
        let intents = (try? classifier.get()).map { model in
            entries.indices.map { entry in
                let row = questionRows[entry]
                let vector = vectors.e5.indices.contains(row) ? vectors.e5[row] : nil
                return model.classify(entries[entry].question, vector: vector).probabilities
            }
        }
        return FAQIndex(entries, vectors: vectors.e5, englishVectors: vectors.english, intents: intents)
    }

    /// The cached vectors of `entries`' phrasings (`FAQIndex.phrasings`) by each model, and
    /// whether every one that can be embedded is.
    private func vectors(for entries: [FAQ]) -> (e5: [[Float]?], english: [[Float]?], complete: Bool) {
        let phrasings = FAQIndex.phrasings(entries)
        return vectorCache.withLock { cache in
            var complete = true
            let e5 = phrasings.map { phrasing -> [Float]? in
                let vector = cache[TextEncoder.multilingualModelName + "\u{1}" + phrasing.text]
                if vector == nil { complete = false }
                return vector
            }
            let english = phrasings.map { phrasing -> [Float]? in
                guard FAQVectors.isEnglish(entries[phrasing.entry]) else { return nil }
                let vector = cache[Self.englishModelName + "\u{1}" + phrasing.text]
                if vector == nil { complete = false }
                return vector
            }
            return (e5, english, complete)
        }
    }

    /// Embeds the questions not cached yet, by each model that is installed, in batches.
    private func embed(_ entries: [FAQ], models: TextModels) async {
        for (name, english) in [(TextEncoder.multilingualModelName, false), (Self.englishModelName, true)] {
            guard models.names.contains(name), let encoder = try? await models.encoder(named: name) else { continue }
            let missing = vectorCache.withLock { cache in
                Array(
                    Set(
                        entries.filter { !english || FAQVectors.isEnglish($0) }.flatMap(\.phrasings)
                            .filter { cache[name + "\u{1}" + $0] == nil }
                    )
                ).sorted()
            }
            for start in stride(from: 0, to: missing.count, by: 64) {
                if Task.isCancelled { return }
                let batch = Array(missing[start..<min(start + 64, missing.count)])
                let vectors = await encoder.embedInBackground(batch, as: .query).vectors
                vectorCache.withLock { cache in
                    for (question, vector) in zip(batch, vectors) { cache[name + "\u{1}" + question] = vector }
                }
            }
        }
    }
}
