public import AisleCore
public import AisleRecommend
public import AisleSearch
import AisleStore
import AisleText

/// Search (docs/SEARCH.md): the engine picks the mode, embeds the query text, and finds the
/// shopper's events for personal re-ranking; `SearchEngine` ranks.
extension Engine {
    /// A search's results and the mode that made them.
    public struct SearchAnswer: Sendable {
        public var results: SearchResults
        public var mode: SearchMode
        /// The shopper's variant, when the request named an experiment.
        public var experiment: ExperimentAssignment? = nil
    }

    /// Runs `query` in `mode` (nil: hybrid when items are embedded, else lexical), re-ranked
    /// for `shopper` when given. With `experiment`, the shopper's variant may set the mode and
    /// turn re-ranking off (`VariantSettings`), and is logged as an exposure. Throws
    /// `unavailable` for semantic or hybrid without a text model, `invalid` for semantic without
    /// text, and `invalid` for an experiment without a shopper.
    public func search(
        _ query: SearchQuery,
        mode asked: SearchMode? = nil,
        shopper: Shopper? = nil,
        experiment: ExperimentID? = nil
    ) async throws -> SearchAnswer {
        var query = query
        var asked = asked
        var personalize = true
        var assigned: ExperimentAssignment?
        if let experiment {
            let assignment = try await assignment(in: experiment, for: shopper ?? .anonymous)
            let settings = assignment.variant.settings
            asked = settings.searchMode ?? asked
            personalize = settings.searchPersonalization ?? true
            assigned = assignment
        }
        query.mode = try searchMode(asked, text: query.text)
        // A vector the caller embedded already (the assistant batches its texts) is kept.
        if query.mode != .lexical, query.vector == nil, let encoder {
            query.vector = await encoder.embedInBackground([query.text], as: .query).vectors.first
        }
        if let shopper, try await withoutPersonalization(shopper) == nil {
            // The query log still tells shoppers apart when a variant turns re-ranking off.
            query.shopper = Self.digest(of: shopper)
            if personalize {
                query.affinity = searchEngine.affinity(from: try await recommendations.events(of: shopper))
            }
        }
        return SearchAnswer(results: searchEngine.search(query), mode: query.mode, experiment: assigned)
    }

    /// The retrieval mode: as asked, else hybrid when item embeddings are there to use.
    func searchMode(_ asked: SearchMode?, text: String) throws(AisleError) -> SearchMode {
        guard let asked else {
            return encoder != nil && searchEngine.vectorCount > 0 && !text.isEmpty ? .hybrid : .lexical
        }
        if asked != .lexical && encoder == nil {
            throw AisleError(
                code: .unavailable,
                message:
                    "mode=\(asked.rawValue) needs the text encoder: run make models, then start the server with --model-dir models/all-MiniLM-L6-v2"
            )
        }
        if asked == .semantic && text.isEmpty { throw AisleError.invalid("q", "mode=semantic needs q") }
        return asked
    }

    /// How the query log tells the shopper apart from others, without their id (nil: nobody
    /// known, who counts towards no suggestion).
    static func digest(of shopper: Shopper) -> ShopperDigest? {
        switch shopper {
        case .user(let user): ShopperDigest(user: user)
        case .device(let device): ShopperDigest(device: device)
        case .anonymous: nil
        }
    }

    /// Suggestions for what is typed so far.
    public func autocomplete(_ text: String, limit: Int) -> [SearchEngine.Suggestion] {
        searchEngine.autocomplete(text, limit: limit)
    }

    /// Queries that found nothing, most frequent first.
    /// The most searched queries, most first.
    public func topQueries(limit: Int) -> [SearchQueryStats] {
        searchEngine.topQueries(limit: limit)
    }

    public func zeroResultQueries(limit: Int) -> [SearchQueryStats] {
        searchEngine.zeroResultQueries(limit: limit)
    }

    /// The synonym rules in force.
    public var synonyms: [SynonymRule] { searchEngine.synonyms }

    /// Replaces the whole synonym rule set: checked first (`invalid` naming the rule), then
    /// stored, then used.
    public func setSynonyms(_ rules: [SynonymRule]) async throws {
        do {
            try searchEngine.checkSynonyms(rules)
        } catch {
            throw AisleError.invalid("rules[\(error.rule)]", error.description)
        }
        let revision = try await store.setSearchSynonyms(rules, at: .now())
        try searchEngine.setSynonyms(rules, revision: revision)
        await store.publish(.synonyms)
    }
}
