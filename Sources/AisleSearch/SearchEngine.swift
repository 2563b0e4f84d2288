public import AisleCore
import AisleMath
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The catalog's search index, safe to share: searches read it together, changes take it
/// alone (the query log has its own lock, always taken after the index's).
public final class SearchEngine: Sendable {
    private let index = ReadWriteLock(SearchIndex())
    /// Scoring scratch for searches running at once: one is taken per search and given back.
    private let scratches = Mutex<[ScoringScratch]>([])
    private let behaviour: Mutex<SearchBehaviour>
    /// Graph builds asked for by `setVectors`, done by `runGraphBuilds`.
    private let graphRequests = AsyncStream.makeStream(of: GraphRequest.self)
    public let tuning: SearchTuning

    /// Weight of a typo correction against the term as typed: an exact match ranks first.
    static let correctionWeight: Float = 0.6
    /// Weight of another form of the word (`jackets` for `jacket`).
    static let formWeight: Float = 0.95
    /// Weight of a synonym.
    static let synonymWeight: Float = 0.9
    /// Weight of a completion of the last, unfinished term.
    static let completionWeight: Float = 0.9
    /// Completions tried for the last term.
    static let completionLimit = 30
    /// Price facet bucket edges.
    static let priceEdges: [Double] = [0, 10, 25, 50, 100, 250, 500, 1_000]
    /// Values returned per category or brand facet.
    static let facetValueLimit = 20

    public init(tuning: SearchTuning = SearchTuning()) {
        self.tuning = tuning
        behaviour = Mutex(SearchBehaviour(minimumShoppers: tuning.suggestionMinimumShoppers))
        index.write { index in
            index.vectors.exactSearchLimit = tuning.exactSearchLimit
            index.vectors.graphSearchBeam = tuning.graphSearchBeam
            index.vectors.buildsGraphElsewhere = tuning.buildsGraphInBackground
        }
    }

    /// Items indexed.
    public var count: Int { index.read { $0.count } }

    /// Items with an embedding.
    public var vectorCount: Int { index.read { $0.vectors.count } }

    /// The ids of the indexed items.
    public var itemIDs: [ItemID] { index.read { Array($0.slotOfItem.keys) } }

    /// The revision of the synonym rules in force (0 before any were set with one).
    public var synonymRevision: Int { index.read { $0.synonymRevision } }

    /// Indexes (or re-indexes) items; hidden ones are taken out.
    public func upsert(_ items: [Item]) {
        index.write { index in
            for item in items { index.upsert(item) }
        }
    }

    /// Takes an item (and its embedding) out; false when it was not indexed.
    @discardableResult
    public func remove(_ id: ItemID) -> Bool {
        index.write { index in
            index.vectors.remove(id)
            return index.remove(id)
        }
    }

    /// Stores item embeddings (unit length, one model) for semantic search. `keepingNewer`
    /// leaves items that already have a vector alone: the start-up load reads the store while
    /// the embedder may already have set a newer one.
    public func setVectors(_ vectors: [(itemID: ItemID, vector: [Float])], keepingNewer: Bool = false) {
        let centering = tuning.languageCentering
        let snapshot = index.write { index in
            for (id, vector) in vectors where !keepingNewer || !index.vectors.has(id) {
                let slot = index.slotOfItem[id]
                // Centred by the title's script (an item not indexed yet: as non-CJK).
                let stored = centering.map { $0.centred(vector, text: slot.map(index.title(of:)) ?? "") } ?? vector
                index.vectors.set(id, vector: stored, slot: slot)
            }
            return index.vectors.needsGraph ? index.vectors.graphSnapshot() : nil
        }
        guard let snapshot else { return }
        // Past the exact-search limit: the graph is built on a copy, off the lock (minutes for
        // a large catalog), by `runGraphBuilds`; searches scan exactly meanwhile.
        graphRequests.continuation.yield(GraphRequest(snapshot))
    }

    /// Builds the HNSW graphs `setVectors` asks for (once the catalog outgrows the exact scan),
    /// one at a time, each on a thread of its own, until cancelled. Its owner runs it beside
    /// the engine (AisleEngine's `SearchGraphService`), so the builder stops with the server: a
    /// build in progress is abandoned at its next item (the next start builds again). Without
    /// it, searches keep scanning exactly.
    public func runGraphBuilds() async {
        for await request in graphRequests.stream {
            guard !Task.isCancelled else { return }
            let stop = StopFlag()
            let snapshot = request.snapshot
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        var built = NearestNeighbourGraph()
                        let finished = snapshot.values.withUnsafeBufferPointer { values -> Bool in
                            guard let base = values.baseAddress else { return false }
                            let storage = VectorStorage(base: base, dimension: snapshot.dimension)
                            for row in snapshot.rows {
                                if stop.isSet { return false }
                                built.insert(row, vectors: storage)
                            }
                            return true
                        }
                        if finished { index.write { $0.vectors.installGraph(built, generation: snapshot.generation) } }
                        continuation.resume()
                    }
                    thread.start()
                }
            } onCancel: {
                stop.set()
            }
        }
    }

    /// Whether semantic search answers from the HNSW graph (past the exact-search limit, once
    /// built) rather than an exact scan.
    public var usesGraph: Bool { index.read { $0.vectors.graph != nil } }

    /// Replaces the synonym rules; throws, changing nothing, when one is unusable.
    ///
    /// With a `revision` (the store's, which grows with every write), rules older than those in
    /// force are ignored: two concurrent writers may reach the engine in either order, and the
    /// engine must end with the rules the store ended with.
    public func setSynonyms(_ rules: [SynonymRule], revision: Int? = nil) throws(SynonymError) {
        let table = try SynonymTable(rules, analyzer: SearchAnalyzer())
        index.write { index in
            if let revision {
                guard revision >= index.synonymRevision else { return }
                index.synonymRevision = revision
            }
            index.synonymRules = rules
            index.synonyms = table
        }
    }

    /// Throws when a rule is unusable (what `setSynonyms` would throw), changing nothing.
    public func checkSynonyms(_ rules: [SynonymRule]) throws(SynonymError) {
        _ = try SynonymTable(rules, analyzer: SearchAnalyzer())
    }

    /// The synonym rules in force.
    public var synonyms: [SynonymRule] { index.read { $0.synonymRules } }

    // MARK: - Behaviour

    /// A shopper clicked `item` in the results of `query` (counted for items in the index and
    /// queries searched here).
    public func recordClick(query: String, item: ItemID) {
        guard index.read({ $0.slotOfItem[item] != nil }) else { return }
        behaviour.withLock { $0.recordClick(query, item: item) }
    }

    /// Queries that found nothing, most often first.
    /// The most searched queries, most first.
    public func topQueries(limit: Int) -> [SearchQueryStats] {
        behaviour.withLock { $0.topQueries(limit: limit) }
    }

    public func zeroResultQueries(limit: Int) -> [SearchQueryStats] {
        behaviour.withLock { $0.zeroResultQueries(limit: limit) }
    }

    /// Counts recorded since the last call, for the store to add up.
    public func drainBehaviourChanges() -> SearchActivity {
        behaviour.withLock { $0.drainChanges() }
    }

    /// Takes back drained counts the store could not take, for the next drain; returns how many
    /// were dropped to keep the pending changes bounded (the least searched or clicked).
    @discardableResult
    public func requeueBehaviourChanges(_ changes: SearchActivity) -> Int {
        behaviour.withLock { $0.requeue(changes) }
    }

    /// Loads the stored query log, clicks and the shoppers of each query (at start).
    public func restoreBehaviour(_ stored: SearchActivity) {
        behaviour.withLock { $0.restore(stored) }
    }

    // MARK: - Personal re-ranking

    /// A shopper's category and brand leanings from their events (newest first): each event
    /// weighs by its kind (a purchase more than a view) and by recency, over the items' category
    /// paths (with their parents) and brands; the strongest of each becomes 1.
    public func affinity(from events: [Event]) -> SearchAffinity {
        var categories: [String: Float] = [:]
        var brands: [String: Float] = [:]
        index.read { index in
            for (position, event) in events.enumerated() {
                guard let id = event.itemID, let slot = index.slotOfItem[id] else { continue }
                let kind: Float =
                    switch event.type {
                    case .purchase: 3
                    case .addToCart, .like: 2
                    case .rate: (event.value ?? 3) >= 3 ? 1.5 : 0
                    case .removeFromCart: 0
                    default: 1
                    }
                let weight = kind / (1 + Float(position) / 20)
                guard weight > 0 else { continue }
                let facts = index.facts(of: slot)
                for path in Set(facts.categories.flatMap(Self.ancestors)) { categories[path, default: 0] += weight }
                if let brand = facts.brand { brands[brand.lowercased(), default: 0] += weight }
            }
        }
        func scaled(_ weights: [String: Float]) -> [String: Float] {
            guard let strongest = weights.values.max(), strongest > 0 else { return [:] }
            return weights.mapValues { $0 / strongest }
        }
        return SearchAffinity(categories: scaled(categories), brands: scaled(brands))
    }

    // MARK: - Autocomplete

    /// A suggestion while typing (`SearchSuggestion`).
    public typealias Suggestion = SearchSuggestion

    /// Suggestions for what is typed so far: past queries that start with it, found something
    /// for at least `tuning.suggestionMinimumShoppers` distinct shoppers and hold no digit run
    /// or e-mail address (most searched first), then titles of the best-matching items.
    public func autocomplete(_ text: String, limit: Int) -> [Suggestion] {
        guard limit > 0 else { return [] }
        let queries = behaviour.withLock { $0.popularQueries(startingWith: text, limit: limit) }
        var suggestions = queries.map { Suggestion(text: $0.query, kind: .query, itemID: nil, searches: $0.searches) }
        if suggestions.count < limit {
            var query = SearchQuery(text: text)
            query.limit = limit - suggestions.count
            let hits = search(query).hits
            index.read { index in
                for hit in hits {
                    guard let slot = index.slotOfItem[hit.itemID] else { continue }
                    suggestions.append(
                        Suggestion(text: index.title(of: slot), kind: .item, itemID: hit.itemID, searches: nil)
                    )
                }
            }
        }
        return suggestions
    }

    // MARK: - Search

    /// The page of results for `query`.
    public func search(_ query: SearchQuery) -> SearchResults {
        var query = query
        if let centering = tuning.languageCentering, let vector = query.vector {
            query.vector = centering.centred(vector, text: query.text)
        }
        let clicks = behaviour.withLock { $0.clicks(after: query.text) }
        // New terms since the last search: sorted once, alone, so that searches only read.
        if query.mode != .semantic && index.read({ $0.needsTermsSorted }) { index.write { $0.sortTerms() } }
        var scratch = scratches.withLock { $0.popLast() } ?? ScoringScratch()
        defer { scratches.withLock { $0.append(scratch) } }
        let results = index.read { index in
            var interpretation: [String: [String]] = [:]
            var matches: [Int32: [String]] = [:]
            var lexical: [(slot: Int32, score: Float)] = []
            if query.mode != .semantic {
                (lexical, matches) = lexicalHits(query, index, &interpretation, &scratch)
                if query.hasFilters { lexical.removeAll { !index.passes($0.slot, query) } }
            }
            var semantic: [(slot: Int32, score: Float)] = []
            var scanned: [Float]?
            if query.mode != .lexical, let vector = query.vector {
                let near = index.vectors.nearest(vector, count: tuning.semanticDepth, floor: tuning.semanticFloor) {
                    slot in !query.hasFilters || index.passes(slot, query)
                }
                semantic = Self.best(tuning.semanticDepth, of: near.found) { index.itemID(of: $0) }
                // The scan has every word match's similarity already: keep them by slot rather
                // than read each match's vector again.
                if query.mode == .hybrid, near.exhaustive, !lexical.isEmpty {
                    scanned = Self.similarityBySlot(near.found, slots: index.vectors.rowOfSlot.count)
                }
            }
            var scored = fuse(query, lexical: lexical, semantic: semantic, scanned: scanned, index: index)
            let wanted = min(scored.count, query.offset + query.limit)
            if !clicks.isEmpty || !(query.affinity?.isEmpty ?? true) {
                boost(&scored, wanted: wanted, query, clicks, index)
            }
            let ordered: [(slot: Int32, score: Float)]
            switch query.sort {
            case .relevance:
                ordered = Self.best(wanted, of: scored) { index.itemID(of: $0) }
            case .popularity:
                // Each candidate's clicks looked up once, not in every comparison of the sort.
                let popularity = behaviour.withLock { $0.clicksPerItem }
                let keyed = scored.map { (candidate: $0, clicks: popularity[index.itemID(of: $0.slot)] ?? 0) }
                ordered = keyed.sorted { a, b in
                    if a.clicks != b.clicks { return a.clicks > b.clicks }
                    if a.candidate.score != b.candidate.score { return a.candidate.score > b.candidate.score }
                    return index.itemID(of: a.candidate.slot) < index.itemID(of: b.candidate.slot)
                }.map(\.candidate)
            default:
                ordered = scored.sorted { a, b in
                    Self.ranksBefore(
                        (index.facts(of: a.slot), a.score),
                        (index.facts(of: b.slot), b.score),
                        sort: query.sort
                    )
                }
            }
            let lexicalScores = query.explain ? Dictionary(lexical, uniquingKeysWith: max) : [:]
            let page = ordered.dropFirst(query.offset).prefix(query.limit).map { candidate in
                var hit = SearchHit(
                    itemID: index.itemID(of: candidate.slot),
                    score: candidate.score,
                    matches: matches[candidate.slot] ?? [],
                    parts: nil
                )
                if query.explain {
                    var memo = AffinityMemo()
                    let (personal, clicked) = boosts(candidate.slot, query, clicks, index, &memo)
                    hit.parts = SearchScoreParts(
                        lexical: lexicalScores[candidate.slot] ?? 0,
                        semantic: query.vector.flatMap { index.vectors.similarity(ofSlot: candidate.slot, to: $0) },
                        relevance: candidate.score / (1 + personal + clicked),
                        personal: personal,
                        clicks: clicked
                    )
                }
                return hit
            }
            var results = SearchResults(hits: Array(page), total: scored.count, interpretation: interpretation)
            for facet in query.facets { results.facets[facet] = Self.count(facet, of: scored, in: index) }
            return results
        }
        if query.record {
            behaviour.withLock {
                $0.recordSearch(query.text, found: results.total > 0, by: query.shopper, at: .now())
            }
        }
        return results
    }

    /// The lexical matches of the query's words with their BM25F scores (unfiltered), and the
    /// terms each matched with (with `explain`).
    private func lexicalHits(
        _ query: SearchQuery,
        _ index: SearchIndex,
        _ interpretation: inout [String: [String]],
        _ scratch: inout ScoringScratch
    ) -> ([(slot: Int32, score: Float)], [Int32: [String]]) {
        let terms = index.analyzer.terms(query.text)
        var groups: [[(term: String, weight: Float, idfCap: String?, content: Bool)]] = []
        let lastIsOpen = !(query.text.last.map { $0.isWhitespace || $0.isPunctuation } ?? true)
        for (position, term) in terms.enumerated() {
            // A function word ("for", 的) counts for little, and only its own forms: a
            // "correction" of `with` to `wish` would invent a word.
            let isFunction = FunctionWords.contains(term)
            let base: Float = isFunction ? tuning.functionWordWeight : 1
            var group: [(term: String, weight: Float, idfCap: String?, content: Bool)] = [
                (term.text, base, nil, !isFunction)
            ]
            let synonyms = index.synonyms.alternatives[term.text] ?? []
            group += synonyms.map { ($0, base * Self.synonymWeight, nil, !isFunction) }
            if !synonyms.isEmpty { interpretation[term.text, default: []] += synonyms }
            if !term.isCJK {
                let otherForms = (index.forms[SearchAnalyzer.stem(term.text)] ?? []).filter { $0 != term.text }
                group += otherForms.map { ($0, base * Self.formWeight, nil, !isFunction) }
                if index.documentFrequency[term.text] == nil && otherForms.isEmpty && synonyms.isEmpty && !isFunction {
                    let corrections = index.corrections(of: term.text)
                    group += corrections.map { ($0, Self.correctionWeight, nil, true) }
                    if !corrections.isEmpty { interpretation[term.text, default: []] += corrections }
                }
                if position == terms.count - 1 && lastIsOpen && term.text.count >= 2 {
                    // Completions are other words (`fo` → `forest`), so content words; below
                    // the word as typed, as always (`the` before `theater`).
                    let completions = index.completions(of: term.text, limit: Self.completionLimit)
                    group += completions.map { ($0, base * Self.completionWeight, term.text, true) }
                    if !completions.isEmpty { interpretation[term.text, default: []] += completions }
                }
            }
            groups.append(group)
        }
        if groups.isEmpty && !query.text.allSatisfy({ $0.isWhitespace }) {
            // Text without a single word (punctuation only): nothing to match.
            return ([], [:])
        } else if groups.isEmpty {
            // No query text: every item, for browsing by filters and sort.
            return (index.slotOfItem.values.map { ($0, 0) }, [:])
        }
        return index.score(groups, explain: query.explain, scratch: &scratch)
    }

    /// Relevance of every candidate: BM25F alone in lexical mode, similarity alone in semantic
    /// mode; in hybrid mode each part scaled to 0...1 (BM25F by the best lexical score,
    /// similarity from the floor to the nearest item's) and mixed by `tuning.semanticWeight`,
    /// over the word matches and the items similar enough (`confidentSimilarity`) to match
    /// by meaning alone (relative score fusion). Only these confident matches are
    /// returned, counted in `total` and facets, and make a search not a zero-result one.
    private func fuse(
        _ query: SearchQuery,
        lexical: [(slot: Int32, score: Float)],
        semantic: [(slot: Int32, score: Float)],
        scanned: [Float]?,
        index: SearchIndex
    ) -> [(slot: Int32, score: Float)] {
        switch query.mode {
        case .lexical: return lexical
        case .semantic:
            // By meaning alone, each item is held to its own script's nearest (and, across
            // scripts, to `crossScriptThreshold`) when the model is multilingual.
            let scripts = ScriptGroups(query: query, semantic: semantic, index: index, tuning: tuning)
            return semantic.filter {
                $0.score
                    >= confidentSimilarity(
                        query,
                        nearest: scripts.nearest(of: $0.slot),
                        crossScript: scripts.isCrossScript($0.slot)
                    )
            }
        case .hybrid: break
        }
        let bar = confidentSimilarity(query, nearest: semantic.first?.score)
        guard let vector = query.vector, let nearest = semantic.first?.score else { return lexical }
        let bestLexical = lexical.reduce(Float(0)) { max($0, $1.score) }
        let weight = tuning.semanticWeight
        let floor = tuning.semanticFloor
        let span = max(nearest - floor, 1e-6)
        func semanticPart(_ similarity: Float?) -> Float {
            guard let similarity else { return 0 }
            return min(max((similarity - floor) / span, 0), 1)
        }
        func similarity(of slot: Int32) -> Float? {
            guard let scanned else { return index.vectors.similarity(ofSlot: slot, to: vector) }
            return Int(slot) < scanned.count ? scanned[Int(slot)] : nil
        }
        var semanticOnly = Dictionary(uniqueKeysWithValues: semantic.map { ($0.slot, $0.score) })
        var fused: [(slot: Int32, score: Float)] = []
        fused.reserveCapacity(lexical.count + semantic.count)
        for hit in lexical {
            let similarity = semanticOnly.removeValue(forKey: hit.slot) ?? similarity(of: hit.slot)
            let lexicalPart = bestLexical > 0 ? hit.score / bestLexical : 0
            fused.append((hit.slot, (1 - weight) * lexicalPart + weight * semanticPart(similarity)))
        }
        // Found by meaning alone: only confident ones, or every query would be padded with
        // the catalog's nearest (unrelated) items. (Hybrid keeps one bar for every script: on
        // the judged set, letting items of the other script in cost NDCG, docs/SEARCH.md.)
        for (slot, similarity) in semanticOnly where similarity >= bar {
            fused.append((slot, weight * semanticPart(similarity)))
        }
        return fused
    }

    /// Similarities by slot from an exhaustive scan's items; −∞ for the rest, which were below
    /// the floor (where any similarity counts the same: nothing).
    static func similarityBySlot(_ found: [(slot: Int32, score: Float)], slots: Int) -> [Float] {
        var bySlot = [Float](repeating: -.infinity, count: slots)
        for (slot, score) in found where Int(slot) < slots { bySlot[Int(slot)] = score }
        return bySlot
    }

    /// The similarity an item found by meaning alone needs: the model's threshold, and no
    /// further than its margin below the query's nearest item (of the item's own script, with a
    /// multilingual model); out of reach (infinity) for a query in a script the model does not
    /// read.
    private func confidentSimilarity(_ query: SearchQuery, nearest: Float?, crossScript: Bool = false) -> Float {
        if !tuning.semanticReadsCJK && query.text.unicodeScalars.contains(where: SearchAnalyzer.isCJK) {
            return .infinity
        }
        let threshold = crossScript ? tuning.crossScriptThreshold ?? tuning.semanticThreshold : tuning.semanticThreshold
        return max(threshold, (nearest ?? 0) - tuning.semanticMargin)
    }

    /// Facet counts over all candidates.
    static func count(_ facet: SearchFacet, of candidates: [(slot: Int32, score: Float)], in index: SearchIndex)
        -> [FacetCount]
    {
        switch facet {
        case .category, .brand:
            var counts: [String: Int] = [:]
            for candidate in candidates {
                let facts = index.facts(of: candidate.slot)
                if facet == .brand {
                    if let brand = facts.brand { counts[brand, default: 0] += 1 }
                } else {
                    for path in Set(facts.categories.flatMap(ancestors)) { counts[path, default: 0] += 1 }
                }
            }
            return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(facetValueLimit).map {
                FacetCount(value: $0.key, count: $0.value)
            }
        case .price:
            var counts = [Int](repeating: 0, count: priceEdges.count)
            for candidate in candidates {
                guard let price = index.facts(of: candidate.slot).price else { continue }
                let bucket = (priceEdges.lastIndex { $0 <= price }) ?? 0
                counts[bucket] += 1
            }
            return counts.indices.compactMap { bucket in
                guard counts[bucket] > 0 else { return nil }
                let lower = priceEdges[bucket]
                let upper = bucket + 1 < priceEdges.count ? priceEdges[bucket + 1] : nil
                let label = upper.map { "\(Int(lower))-\(Int($0))" } ?? "\(Int(lower))+"
                return FacetCount(value: label, count: counts[bucket], lower: lower, upper: upper)
            }
        }
    }

    /// The best `count` candidates by score, then item id, best first (`TopK.best`: a bounded
    /// heap, so a query matching most of a large catalog does not sort all of it).
    static func best(
        _ count: Int,
        of candidates: [(slot: Int32, score: Float)],
        id: (Int32) -> ItemID
    ) -> [(slot: Int32, score: Float)] {
        TopK.best(count, of: candidates) { a, b in
            a.score != b.score ? a.score > b.score : id(a.slot) < id(b.slot)
        }
    }

    /// Order of results for the price and newest sorts: by the sort, then score, then item id.
    static func ranksBefore(
        _ a: (facts: SearchFacts, score: Float),
        _ b: (facts: SearchFacts, score: Float),
        sort: SearchSort
    ) -> Bool {
        switch sort {
        case .relevance: break
        case .priceAscending, .priceDescending:
            let (x, y) = (a.facts.price ?? .infinity, b.facts.price ?? .infinity)
            if x != y {
                if sort == .priceAscending { return x < y }
                // Items without a price go last in both directions.
                return x == .infinity ? false : y == .infinity ? true : x > y
            }
        case .popularity: break
        case .newest:
            let (x, y) = (
                a.facts.createdAt?.millisecondsSinceEpoch ?? 0, b.facts.createdAt?.millisecondsSinceEpoch ?? 0
            )
            if x != y { return x > y }
        }
        if a.score != b.score { return a.score > b.score }
        return a.facts.itemID < b.facts.itemID
    }
}

/// What an HNSW graph is built from: a copy of the vectors and the rows in use, taken under the
/// index lock (`VectorIndex.graphSnapshot`).
struct GraphRequest: Sendable {
    let snapshot: (values: [Float], rows: [Int32], dimension: Int, generation: Int)

    init(_ snapshot: (values: [Float], rows: [Int32], dimension: Int, generation: Int)) {
        self.snapshot = snapshot
    }
}
