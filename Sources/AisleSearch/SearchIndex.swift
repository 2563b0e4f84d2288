public import AisleCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fields an item is searched by, with their BM25F weight and length normalisation.
public enum SearchField: Int, CaseIterable, Sendable {
    case title, brand, categories, tags, attributes, description

    /// How much a match in this field counts against one in the title (1).
    var weight: Float {
        switch self {
        case .title: 3
        case .brand: 2
        case .categories: 1.5
        case .tags: 1.5
        case .attributes: 1
        case .description: 0.5
        }
    }

    /// BM25's b: how much a long field is discounted (short fields, less).
    var lengthNormalisation: Float {
        switch self {
        case .title, .description: 0.75
        case .brand, .categories, .tags, .attributes: 0.3
        }
    }

    /// The field's text of `item`.
    func text(of item: Item) -> String {
        switch self {
        case .title: item.title
        case .brand: item.brand ?? ""
        case .categories: item.categories.joined(separator: " ")
        case .tags: item.tags.joined(separator: " ")
        case .attributes:
            item.attributes.keys.sorted().compactMap { key in
                switch item.attributes[key] {
                case .string(let text): text
                case .array(let values):
                    values.compactMap { if case .string(let text) = $0 { text } else { nil } }.joined(separator: " ")
                default: nil
                }
            }.joined(separator: " ")
        case .description: item.description ?? ""
        }
    }
}

/// What filters and sorts read of an item.
public struct SearchFacts: Sendable, Equatable {
    public var itemID: ItemID
    public var title: String
    public var categories: [String]
    public var brand: String?
    public var price: Double?
    public var inStock: Bool
    public var createdAt: Timestamp?
    /// String attribute values, lower-cased (`colour` → `navy`), for attribute filters.
    public var attributes: [String: [String]]
    /// The indexed version: an older version arriving late (the start-up load racing an
    /// upsert) does not replace a newer one.
    public var updatedAt: Timestamp?

    init(_ item: Item) {
        itemID = item.id
        title = item.title
        categories = item.categories
        brand = item.brand
        price = item.price
        inStock = item.inStock
        createdAt = item.createdAt
        updatedAt = item.updatedAt
        attributes = item.attributes.compactMapValues { value in
            switch value {
            case .string(let text): [text.lowercased()]
            case .number(let number):
                [number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)]
            case .bool(let flag): [String(flag)]
            case .array(let values):
                values.compactMap { if case .string(let text) = $0 { text.lowercased() } else { nil } }
            default: nil
            }
        }
    }
}

/// An inverted index over items with BM25F scoring, typo tolerance and prefix matching. Not
/// thread-safe by itself: `SearchEngine` owns one behind a lock.
///
/// Each indexed item version lives in a slot. An upsert retires the item's old slot and takes a
/// new one; postings of retired slots are skipped until a compaction drops them (when they
/// outnumber the live ones), so an update costs the item's own terms, not the catalog's.
struct SearchIndex {
    struct Posting {
        var slot: Int32
        var field: UInt8
        var frequency: UInt16
    }

    /// An indexed item version; whether it is live and its field lengths are in the flat
    /// `alive` and `fieldLengths` arrays the scoring loop reads.
    struct Slot {
        var facts: SearchFacts
        var terms: [String]
        /// Postings this slot added (one per term and field).
        var postingCount: Int
    }

    let analyzer = SearchAnalyzer()
    private(set) var slots: [Slot] = []
    private(set) var slotOfItem: [ItemID: Int32] = [:]
    /// Per slot, flat for the scoring loop: whether it is live, and its field lengths
    /// (`slot * fieldCount + field`).
    private(set) var alive: [Bool] = []
    private(set) var fieldLengths: [Float] = []
    static let fieldCount = SearchField.allCases.count
    private(set) var postings: [String: [Posting]] = [:]
    /// Item embeddings, for semantic search.
    var vectors = VectorIndex()
    /// The synonym rules as set, and compiled.
    var synonymRules: [SynonymRule] = []
    var synonyms = SynonymTable()
    /// The store's revision of `synonymRules` (0: none set with one).
    var synonymRevision = 0
    /// Live items per term.
    private(set) var documentFrequency: [String: Int] = [:]
    private(set) var lengthSums = [Float](repeating: 0, count: SearchField.allCases.count)
    private(set) var livePostings = 0
    private(set) var deadPostings = 0
    /// Single-character deletions of every Latin term of 4+ letters → the terms (typo
    /// candidates).
    private(set) var deletions: [String: [String]] = [:]
    /// Two-character deletions of long Latin terms (9+ characters), for 2-edit corrections.
    private(set) var doubleDeletions: [String: [String]] = [:]
    /// Latin terms in order, for prefix search; rebuilt on first use after new terms arrive.
    private var sortedTerms: [String] = []
    private var sortedTermsStale = false
    private var latinTerms: Set<String> = []
    /// The written forms of each stem (`jacket` → `jacket`, `jackets`).
    private(set) var forms: [String: [String]] = [:]

    /// Items indexed now.
    var count: Int { slotOfItem.count }

    // MARK: - Changes

    /// Indexes `item`, replacing its earlier version. Hidden items are removed instead.
    mutating func upsert(_ item: Item) {
        if let slot = slotOfItem[item.id], let indexed = slots[Int(slot)].facts.updatedAt,
            let arriving = item.updatedAt, arriving < indexed
        {
            return
        }
        remove(item.id)
        guard !item.hidden else { return }
        let slot = Int32(slots.count)
        var lengths = [Float](repeating: 0, count: SearchField.allCases.count)
        var distinct = Set<String>()
        var added = 0
        for field in SearchField.allCases {
            let terms = analyzer.terms(field.text(of: item))
            lengths[field.rawValue] = Float(terms.count)
            var frequencies: [String: Int] = [:]
            for term in terms {
                frequencies[term.text, default: 0] += 1
                if !term.isCJK { addLatinTerm(term.text) }
            }
            for (term, frequency) in frequencies {
                postings[term, default: []].append(
                    Posting(
                        slot: slot,
                        field: UInt8(field.rawValue),
                        frequency: UInt16(min(frequency, Int(UInt16.max)))
                    )
                )
                added += 1
                distinct.insert(term)
            }
        }
        for term in distinct { documentFrequency[term, default: 0] += 1 }
        for field in SearchField.allCases { lengthSums[field.rawValue] += lengths[field.rawValue] }
        livePostings += added
        alive.append(true)
        fieldLengths += lengths
        slots.append(
            Slot(facts: SearchFacts(item), terms: Array(distinct), postingCount: added)
        )
        slotOfItem[item.id] = slot
        vectors.itemMoved(item.id, to: slot)
    }

    /// Removes the item; false when it was not indexed.
    @discardableResult
    mutating func remove(_ id: ItemID) -> Bool {
        guard let slot = slotOfItem.removeValue(forKey: id) else { return false }
        vectors.itemMoved(id, to: nil)
        let index = Int(slot)
        alive[index] = false
        for term in slots[index].terms {
            documentFrequency[term, default: 1] -= 1
            if documentFrequency[term] == 0 { documentFrequency[term] = nil }
        }
        for field in SearchField.allCases {
            lengthSums[field.rawValue] -= fieldLengths[index * Self.fieldCount + field.rawValue]
        }
        livePostings -= slots[index].postingCount
        deadPostings += slots[index].postingCount
        slots[index].terms = []
        if deadPostings > max(livePostings, 100_000) { compact() }
        return true
    }

    /// Drops the postings of retired slots and renumbers the live ones densely.
    mutating func compact() {
        var renumbered = [Int32](repeating: -1, count: slots.count)
        var kept: [Slot] = []
        var keptLengths: [Float] = []
        for (index, slot) in slots.enumerated() where alive[index] {
            renumbered[index] = Int32(kept.count)
            kept.append(slot)
            keptLengths += fieldLengths[(index * Self.fieldCount)..<((index + 1) * Self.fieldCount)]
        }
        for (term, list) in postings {
            let live = list.compactMap { posting -> Posting? in
                let slot = renumbered[Int(posting.slot)]
                return slot < 0 ? nil : Posting(slot: slot, field: posting.field, frequency: posting.frequency)
            }
            postings[term] = live.isEmpty ? nil : live
        }
        slots = kept
        alive = [Bool](repeating: true, count: kept.count)
        fieldLengths = keptLengths
        slotOfItem = Dictionary(
            uniqueKeysWithValues: kept.enumerated().map { ($0.element.facts.itemID, Int32($0.offset)) }
        )
        vectors.slotsRenumbered(renumbered, count: kept.count)
        deadPostings = 0
    }

    private mutating func addLatinTerm(_ term: String) {
        guard latinTerms.insert(term).inserted else { return }
        sortedTermsStale = true
        forms[SearchAnalyzer.stem(term), default: []].append(term)
        guard term.count >= TypoTolerance.minimumLengthForOneEdit, TypoTolerance.mayCorrect(term) else { return }
        for variant in TypoTolerance.deletions(of: term) { deletions[variant, default: []].append(term) }
        if term.count >= TypoTolerance.minimumLengthForTwoEdits - 1 {
            for variant in TypoTolerance.doubleDeletions(of: term) {
                doubleDeletions[variant, default: []].append(term)
            }
        }
    }

    // MARK: - Reads

    /// Whether `completions` needs `sortTerms` first (new terms arrived).
    var needsTermsSorted: Bool { sortedTermsStale }

    /// Sorts the Latin terms for prefix search; the engine calls it (under its write lock)
    /// before a search when new terms arrived, so searches only read.
    mutating func sortTerms() {
        guard sortedTermsStale else { return }
        sortedTerms = latinTerms.sorted()
        sortedTermsStale = false
    }

    /// Latin terms starting with `prefix`, most frequent first, at most `limit` (terms added
    /// since the last `sortTerms` are not found).
    func completions(of prefix: String, limit: Int) -> [String] {
        var low = 0
        var high = sortedTerms.count
        while low < high {
            let middle = (low + high) / 2
            if sortedTerms[middle] < prefix { low = middle + 1 } else { high = middle }
        }
        var found: [String] = []
        var index = low
        while index < sortedTerms.count, sortedTerms[index].hasPrefix(prefix), found.count < 2_000 {
            if sortedTerms[index] != prefix, documentFrequency[sortedTerms[index]] != nil {
                found.append(sortedTerms[index])
            }
            index += 1
        }
        return Array(found.sorted { (documentFrequency[$0] ?? 0, $1) > (documentFrequency[$1] ?? 0, $0) }.prefix(limit))
    }

    /// Indexed Latin terms within the allowed edit distance of `term` (itself excluded).
    func corrections(of term: String) -> [String] {
        let allowed = TypoTolerance.allowedEdits(term)
        guard allowed > 0 else { return [] }
        var candidates = Set<String>()
        for variant in [term] + TypoTolerance.deletions(of: term) {
            candidates.formUnion(deletions[variant] ?? [])
            if latinTerms.contains(variant) { candidates.insert(variant) }
        }
        if allowed >= 2 {
            for variant in TypoTolerance.deletions(of: term) + TypoTolerance.doubleDeletions(of: term) {
                candidates.formUnion(doubleDeletions[variant] ?? [])
                candidates.formUnion(deletions[variant] ?? [])
            }
        }
        candidates.remove(term)
        return candidates.filter { candidate in
            documentFrequency[candidate] != nil
                && TypoTolerance.distance(term, candidate, limit: allowed) <= allowed
        }.sorted()
    }

    /// BM25F scores of the slots matching any of `groups`: each group is one query term's
    /// alternatives (the term, its corrections, its completions) with their weights; a slot
    /// scores the best alternative of each group it matches. An alternative's IDF is capped at
    /// `idfCap`'s when given: a completion of a common word must not outrank the word itself
    /// just because it is rarer. When any group's first alternative (the word as typed) is
    /// `content` (not a function word), a slot that matched no content alternative is left
    /// out: `the` alone does not make `the jacket` match. Scores accumulate in dense per-slot arrays (no hashing in the loop over
    /// postings); `matches` (with `explain`) lists each slot's matched terms.
    func score(
        _ groups: [[(term: String, weight: Float, idfCap: String?, content: Bool)]],
        explain: Bool,
        scratch: inout ScoringScratch
    ) -> (hits: [(slot: Int32, score: Float)], matches: [Int32: [String]]) {
        scratch.fit(slots.count)
        // Local names for the scratch arrays: the loops below read and write them in place.
        var totals = scratch.totals
        var best = scratch.best
        var bestAlternative = scratch.bestAlternative
        var matchedContent = scratch.matchedContent
        scratch = ScoringScratch()
        defer {
            scratch = ScoringScratch(
                totals: totals,
                best: best,
                bestAlternative: bestAlternative,
                matchedContent: matchedContent
            )
        }
        // Decided by the words as typed (each group's first entry): the completions of a typed
        // function word (`of the` → `theater`) must not turn `of the` into a query that
        // "Legends of the Fall" no longer matches.
        let needsContent = groups.contains { $0.first?.content == true }
        let liveCount = Float(max(slotOfItem.count, 1))
        let averages = lengthSums.map { max($0 / liveCount, 1) }
        let fieldWeights = SearchField.allCases.map(\.weight)
        let fieldB = SearchField.allCases.map(\.lengthNormalisation)
        let k1: Float = 1.2
        let width = Self.fieldCount
        var matched: [Int32] = []
        var matches: [Int32: [String]] = [:]
        var touched: [Int32] = []
        for group in groups {
            for (alternative, entry) in group.enumerated() {
                guard let list = postings[entry.term], let frequency = documentFrequency[entry.term] else { continue }
                var idf = Self.idf(frequency, of: liveCount)
                if let cap = entry.idfCap, let capFrequency = documentFrequency[cap] {
                    idf = min(idf, Self.idf(capFrequency, of: liveCount))
                }
                let factor = entry.weight * idf
                // A slot's postings for one term are consecutive (one per field): sum them, then score.
                var current: Int32 = -1
                var pseudoFrequency: Float = 0
                func finish() {
                    guard current >= 0 else { return }
                    let slot = Int(current)
                    if entry.content { matchedContent[slot] = true }
                    let score = factor * pseudoFrequency / (k1 + pseudoFrequency)
                    if score > best[slot] {
                        if best[slot] == 0 { touched.append(current) }
                        best[slot] = score
                        bestAlternative[slot] = Int32(alternative)
                    }
                }
                for posting in list where alive[Int(posting.slot)] {
                    if posting.slot != current {
                        finish()
                        current = posting.slot
                        pseudoFrequency = 0
                    }
                    let field = Int(posting.field)
                    let length = fieldLengths[Int(posting.slot) * width + field]
                    let b = fieldB[field]
                    pseudoFrequency +=
                        fieldWeights[field] * Float(posting.frequency) / (1 - b + b * length / averages[field])
                }
                finish()
            }
            for slot in touched {
                let index = Int(slot)
                if totals[index] == 0 { matched.append(slot) }
                totals[index] += best[index]
                if explain { matches[slot, default: []].append(group[Int(bestAlternative[index])].term) }
                best[index] = 0
            }
            touched.removeAll(keepingCapacity: true)
        }
        let hits = matched.compactMap { slot -> (slot: Int32, score: Float)? in
            !needsContent || matchedContent[Int(slot)] ? (slot: slot, score: totals[Int(slot)]) : nil
        }
        for slot in matched {
            totals[Int(slot)] = 0
            matchedContent[Int(slot)] = false
        }
        if needsContent && explain && hits.count < matched.count {
            let kept = Set(hits.map(\.slot))
            matches = matches.filter { kept.contains($0.key) }
        }
        return (hits, matches)
    }

    func facts(of slot: Int32) -> SearchFacts { slots[Int(slot)].facts }

    func itemID(of slot: Int32) -> ItemID { slots[Int(slot)].facts.itemID }

    func title(of slot: Int32) -> String { slots[Int(slot)].facts.title }

    /// Whether the slot's item passes the query's filters (read in place, no copy of its facts).
    func passes(_ slot: Int32, _ query: SearchQuery) -> Bool {
        let index = Int(slot)
        if query.inStockOnly && !slots[index].facts.inStock { return false }
        if let category = query.category,
            !slots[index].facts.categories.contains(where: { $0 == category || $0.hasPrefix(category + " > ") })
        {
            return false
        }
        if let brand = query.brand, slots[index].facts.brand?.lowercased() != brand.lowercased() { return false }
        if let minimum = query.minimumPrice, (slots[index].facts.price ?? -1) < minimum { return false }
        if let maximum = query.maximumPrice, (slots[index].facts.price ?? .infinity) > maximum { return false }
        for (name, wanted) in query.attributes {
            guard let values = slots[index].facts.attributes[name], values.contains(wanted.lowercased()) else {
                return false
            }
        }
        return true
    }

    /// BM25's inverse document frequency.
    static func idf(_ frequency: Int, of count: Float) -> Float {
        logf(1 + (count - Float(frequency) + 0.5) / (Float(frequency) + 0.5))
    }
}

/// Per-slot scoring arrays for one search at a time, all zero between searches. The engine
/// keeps a few and hands one to each search, so searches can run together.
struct ScoringScratch {
    var totals: [Float] = []
    var best: [Float] = []
    var bestAlternative: [Int32] = []
    /// Whether the slot matched a content word (not only function words) in this search.
    var matchedContent: [Bool] = []

    /// Grows the arrays to `count` slots (new entries zero).
    mutating func fit(_ count: Int) {
        guard totals.count < count else { return }
        let more = count - totals.count
        totals += [Float](repeating: 0, count: more)
        best += [Float](repeating: 0, count: more)
        bestAlternative += [Int32](repeating: -1, count: more)
        matchedContent += [Bool](repeating: false, count: more)
    }
}
