public import AisleCore
public import AisleMath

/// Answers recommendation requests from a snapshot and the live catalog changes. A value: the
/// server builds one per request from the current snapshot, so a swap never changes an answer
/// mid-request.
public struct RecommendationEngine: Sendable {
    /// The trained models.
    public let snapshot: RecommendationSnapshot
    /// Catalog changes since training.
    public let live: LiveCatalogView
    /// How events weigh.
    public let weights: EventWeights
    /// Weighted event counts per item since training: the ranking before the first model.
    public let popularity: [ItemID: Float]

    /// An engine over `snapshot` with `live` changes.
    public init(
        snapshot: RecommendationSnapshot,
        live: LiveCatalogView,
        weights: EventWeights = EventWeights(),
        popularity: [ItemID: Float] = [:]
    ) {
        self.popularity = popularity
        self.snapshot = snapshot
        self.live = live
        self.weights = weights
    }

    // MARK: - Personal feed

    /// The personal feed (home page), or the product/cart page list when the query has context.
    public func feed(_ query: FeedQuery) -> RecommendationPage {
        let catalog = snapshot.catalog
        var history = History()
        // Byte-exact ids (`ItemID`), so NFC and NFD twins stay two items.
        var seen = Set<ItemID>()
        var purchased = Set<ItemID>()
        for event in query.events.reversed() {
            guard let item = event.itemID else { continue }
            if event.type == .purchase { purchased.insert(item) }
            let weight = weights.weight(of: event.type, value: event.value)
            guard weight > 0 else { continue }
            seen.insert(item)
            if let index = catalog.index(of: item) {
                history.append(
                    item: index,
                    weight: weight,
                    timestamp: Double(event.timestamp.millisecondsSinceEpoch) / 1_000
                )
            }
        }
        let contextTime = (history.timestamps.last ?? 0) + 1
        for item in query.cartItems {
            seen.insert(item)
            if let index = catalog.index(of: item) {
                history.append(item: index, weight: weights.addToCart, timestamp: contextTime)
            }
        }
        if let item = query.currentItem {
            seen.insert(item)
            if let index = catalog.index(of: item) {
                history.append(item: index, weight: weights.view, timestamp: contextTime)
            }
        }
        var options = query.options
        options.exclude.formUnion(seen)
        if query.excludePurchased { options.exclude.formUnion(purchased) }
        if !isTrained {
            let recent =
                query.events.compactMap(\.itemID) + query.cartItems
                + [query.currentItem].compactMap { $0 }
            return fallback(options: options, profile: recent)
        }

        guard !history.isEmpty else { return coldStart(query, options: options, seenItems: seen) }

        // Each component is standardised on the fly (mean and deviation from one pass) and added
        // into the total without materialising a standardised copy.
        var components: [FeedComponent] = []
        var total = [Float](repeating: 0, count: catalog.count)
        // An experiment's variant may set its own blend (names are `ModelKind` raw values).
        let blend =
            query.blend.map { weights in
                Dictionary(
                    uniqueKeysWithValues: weights.compactMap { name, weight in
                        ModelKind(rawValue: name).map { ($0, weight) }
                    }
                )
            } ?? snapshot.blend
        func add(_ kind: ModelKind, _ raw: @autoclosure () -> [Float]) {
            guard let weight = blend[kind], weight != 0 else { return }
            let component = FeedComponent(kind: kind, weight: weight, raw: raw())
            component.add(into: &total)
            components.append(component)
        }
        let sequenceScores = snapshot.next.scores(for: history)
        let neighbourScores = snapshot.similar.scores(for: history)
        // The factor model and the transformer score only candidates: the items the shopper's
        // neighbours point to and the trending head. Their mean and deviation over the whole
        // catalog are exact (from the item vectors' moments), and every other item counts as
        // average for them: scoring all items streamed a whole item matrix per request
        // (docs/BENCHMARKS.md).
        let needsCandidates =
            (snapshot.factors != nil && blend[.als, default: 0] != 0)
            || (snapshot.sequential != nil && blend[.transformer, default: 0] != 0)
        let candidates: [Int32] = {
            guard needsCandidates else { return [] }
            var candidates = Set(snapshot.trendHead)
            for index in sequenceScores.indices where sequenceScores[index] != 0 || neighbourScores[index] != 0 {
                candidates.insert(Int32(index))
            }
            return candidates.sorted()
        }()
        if let factors = snapshot.factors, let weight = blend[.als], weight != 0 {
            let ordered = candidates
            let vector = factors.userVector(for: history)
            let (mean, deviation) = factors.scoreStatistics(of: vector)
            var raw = [Float](repeating: mean, count: catalog.count)
            for (item, score) in zip(ordered, factors.scores(of: ordered, vector: vector)) { raw[Int(item)] = score }
            let component = FeedComponent(kind: .als, weight: weight, raw: raw, mean: mean, deviation: deviation)
            component.add(into: &total)
            components.append(component)
        }
        add(.sequence, sequenceScores)
        add(.itemKNN, neighbourScores)
        if let sequential = snapshot.sequential, let weight = blend[.transformer], weight != 0 {
            let hidden = sequential.hidden(for: history)
            let (mean, deviation) = sequential.scoreStatistics(of: hidden)
            var raw = [Float](repeating: mean, count: catalog.count)
            let scored = sequential.contentOnlyItems.isEmpty ? candidates : candidates + sequential.contentOnlyItems
            for (item, score) in zip(scored, sequential.scores(of: scored, hidden: hidden)) {
                raw[Int(item)] = score
            }
            let component = FeedComponent(
                kind: .transformer,
                weight: weight,
                raw: raw,
                mean: mean,
                deviation: deviation
            )
            component.add(into: &total)
            components.append(component)
        }
        if let weight = blend[.popularity], weight != 0, snapshot.standardTrend.count == total.count {
            let trend = FeedComponent(kind: .popularity, weight: weight, standardised: snapshot.standardTrend)
            trend.add(into: &total)
            components.append(trend)
        }
        var cartBoost: [Float]? = nil
        let cartIndices = query.cartItems.compactMap(catalog.index(of:))
        if !cartIndices.isEmpty {
            // The cart page: what is bought with the cart weighs as much as the whole blend.
            var raw = [Float](repeating: 0, count: catalog.count)
            for item in cartIndices { snapshot.boughtTogether.similar.accumulate(Int(item), scale: 1, into: &raw) }
            let boost = HybridModel.standardised(raw, kind: .itemKNN)
            for index in total.indices { total[index] += boost[index] }
            cartBoost = raw
        }
        let fresh = freshCandidates(profile: history, scale: (total.max() ?? 0) * 0.9)
        let ranked = rank(total, fresh: fresh, options: options)
        let page = page(ranked, options: options)
        guard options.explain else { return page }
        let explained = page.items.map { item -> Recommendation in
            var explainedItem = item
            explainedItem.reason = reasonForFeed(
                item.itemID,
                history: history,
                components: components,
                cartBoost: cartBoost,
                cartItems: cartIndices
            )
            return explainedItem
        }
        return RecommendationPage(items: explained, nextOffset: page.nextOffset)
    }

    /// A shopper with no usable history: what is trending, leaning to their platform's trends.
    private func coldStart(_ query: FeedQuery, options: ListOptions, seenItems: Set<ItemID>) -> RecommendationPage {
        var scores = snapshot.standardTrend
        let segments = [
            query.platform.map { "platform:" + $0 },
            query.locale.flatMap(TrainingInput.localeKey).map { "locale:" + $0 },
        ]
        for segment in segments.compactMap({ $0 }) {
            guard let local = snapshot.standardSegmentTrends[segment], local.count == scores.count else { continue }
            for index in scores.indices { scores[index] += local[index] }
        }
        return explainedAsTrending(page(rank(scores, fresh: [], options: options), options: options), options: options)
    }

    /// Items upserted since training (unknown to the models), scored by content similarity to the
    /// shopper's items, scaled so a close match competes with the models' best.
    private func freshCandidates(profile history: History, scale: Float) -> [Recommendation] {
        let freshItems = live.changes.compactMap { id, facts -> (ItemID, ItemFacts)? in
            guard let facts, snapshot.catalog.index(of: id) == nil, facts.recommendable else { return nil }
            return (id, facts)
        }
        guard !freshItems.isEmpty else { return [] }
        var tokens: [String] = []
        for item in history.items.suffix(20) { tokens += facts(of: snapshot.catalog.ids[Int(item)])?.tokens ?? [] }
        guard !tokens.isEmpty else { return [] }
        let profile = snapshot.content.vector(tokens)
        return freshItems.compactMap { id, facts in
            let similarity = cosine(profile, snapshot.content.vector(facts.tokens))
            return similarity > 0.1 ? Recommendation(itemID: id, score: max(scale, 1) * similarity) : nil
        }
    }

    private func reasonForFeed(
        _ item: ItemID,
        history: History,
        components: [FeedComponent],
        cartBoost: [Float]?,
        cartItems: [Int32]
    ) -> Reason {
        guard let index = snapshot.catalog.index(of: item) else {
            return Reason(.similarContent, itemIDs: recentItems(history, limit: 3))
        }
        if let cartBoost, cartBoost[Int(index)] > 0 {
            let sources = cartItems.filter { source in
                snapshot.boughtTogether.similar.of(Int(source)).contains { $0.index == Int(index) }
            }
            return Reason(.boughtTogether, itemIDs: sources.map { snapshot.catalog.ids[Int($0)] })
        }
        let strongest = components.max { $0.contribution(at: Int(index)) < $1.contribution(at: Int(index)) }
        switch strongest?.kind {
        case .sequence?, .itemKNN?:
            let sources = neighbourSources(of: Int(index), history: history)
            if !sources.isEmpty { return Reason(.similarToViewed, itemIDs: sources) }
            return Reason(.matchesProfile)
        case .transformer?:
            // The items the newest position attended to most drove the network's answer.
            let sources = snapshot.sequential?.attention(for: history).prefix(3).map { snapshot.catalog.ids[$0.index] }
            if let sources, !sources.isEmpty { return Reason(.similarToViewed, itemIDs: Array(sources)) }
            return Reason(.matchesProfile)
        case .popularity?:
            let liked = Set(history.items.compactMap { facts(of: snapshot.catalog.ids[Int($0)])?.categories.first })
            if let category = facts(of: item)?.categories.first(where: liked.contains) {
                return Reason(.popularInCategory, category: category)
            }
            return Reason(.trending)
        default:
            return Reason(.matchesProfile)
        }
    }

    /// The shopper's items that lead to `item` most strongly (up to 3, strongest first): the
    /// next-item and item-to-item weights from each of their last 20 items, newer ones counting more.
    private func neighbourSources(of item: Int, history: History) -> [ItemID] {
        var strength: [Int32: Float] = [:]
        var recency: Float = 1
        for source in history.items.reversed().prefix(20) {
            let weight = [snapshot.next.next, snapshot.similar.similar].reduce(Float(0)) { total, lists in
                total + (lists.of(Int(source)).first { $0.index == item }?.score ?? 0)
            }
            if weight > 0 { strength[source, default: 0] += recency * weight }
            recency *= 0.8
        }
        return strength.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(3).map { snapshot.catalog.ids[Int($0.key)] }
    }

    private func recentItems(_ history: History, limit: Int) -> [ItemID] {
        // By catalog index: one index per byte-exact id.
        var indices: [Int32] = []
        for item in history.items.reversed() where !indices.contains(item) {
            indices.append(item)
            if indices.count == limit { break }
        }
        return indices.map { snapshot.catalog.ids[Int($0)] }
    }

    // MARK: - Before the first model

    /// Whether the snapshot learnt from any interaction. Until it has, feeds and trending come
    /// from `fallback`, so a fresh server never answers an empty list while it has items.
    public var isTrained: Bool { snapshot.report.interactions > 0 }

    /// Every recommendable item the server knows (the snapshot's and the live upserts), ranked by
    /// live popularity, then content closeness to `profile` (the shopper's recent items), then id.
    func fallback(options: ListOptions, profile: [ItemID]) -> RecommendationPage {
        var ids = Set<ItemID>(live.changes.keys)
        ids.formUnion(snapshot.catalog.ids)
        var tokens: [String] = []
        for id in profile.prefix(20) { tokens += facts(of: id)?.tokens ?? [] }
        let profileWords = Set(tokens)
        var scored: [Recommendation] = []
        for id in ids where allowed(id, options: options) {
            let count = popularity[id] ?? 0
            var closeness: Float = 0
            if !profileWords.isEmpty, let words = facts(of: id)?.tokens, !words.isEmpty {
                // Share of the item's words the shopper's items have: 0 to 1, below one event.
                closeness = Float(words.count { profileWords.contains($0) }) / Float(words.count)
            }
            scored.append(Recommendation(itemID: id, score: count + 0.5 * closeness))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.itemID < $1.itemID }
        var page = page(scored, options: options)
        if options.explain {
            page.items = page.items.map {
                Recommendation(itemID: $0.itemID, score: $0.score, reason: Reason(.trending))
            }
        }
        page.fallback = .popularity
        return page
    }

    // MARK: - Item pages

    /// Items similar to `item`: co-interaction neighbours, filled up with content neighbours (all
    /// of them for an item too new to have interactions). `lookalikes(depth)` gives the items
    /// whose photos look like the item's, with their visual similarity (0...1), asked only when
    /// content fills the list: they join the content neighbours, each candidate scored by the
    /// mean of its attribute and its photo similarity (a photo says as much as the words).
    /// Throws `not_found` for an item neither the snapshot nor the live catalog knows.
    public func similar(
        to item: ItemID,
        options: ListOptions,
        lookalikes: (Int) -> [(item: ItemID, similarity: Float)] = { _ in [] }
    ) throws(AisleError) -> RecommendationPage {
        let itemFacts = try requireKnown(item)
        var options = options
        options.exclude.insert(item)
        var candidates: [ItemID: Recommendation] = [:]
        addNeighbours(of: item, in: snapshot.similar.similar, boost: 1, reason: .similarToViewed, to: &candidates)
        var ranked = filtered(Array(candidates.values), options: options)
        // Content fills the list only when co-interaction neighbours run short (a new or rarely
        // seen item): the content search costs more than the whole neighbour lookup.
        if ranked.count < options.offset + options.limit + 1 {
            // Deep enough for the page after filters drop some (category, exclusions, live changes).
            let depth = (options.offset + options.limit) * (options.category == nil ? 2 : 20) + 64
            var content: [ItemID: Float] = [:]
            for neighbour in contentNeighbours(of: itemFacts, excluding: item, depth: depth) {
                content[neighbour.itemID] = neighbour.score
            }
            let found = lookalikes(depth)
            let looks = Dictionary(found.filter { $0.item != item }.map { ($0.item, $0.similarity) }) { max($0, $1) }
            for id in Set(content.keys).union(looks.keys) where candidates[id] == nil {
                let words = content[id] ?? 0
                let look = looks[id]
                // With a photo the item's look counts half; words alone otherwise.
                let score = found.isEmpty ? words : (words + (look ?? 0)) / 2
                candidates[id] = Recommendation(
                    itemID: id,
                    score: score,
                    reason: Reason((look ?? 0) > words ? .looksSimilar : .similarContent, itemIDs: [item])
                )
            }
            ranked = filtered(Array(candidates.values), options: options)
        }
        return page(ranked, options: options)
    }

    /// Items bought (or carted) in the same sessions as `item`, then what people view right after
    /// it. Throws `not_found` for an unknown item.
    public func boughtTogether(with item: ItemID, options: ListOptions) throws(AisleError) -> RecommendationPage {
        _ = try requireKnown(item)
        var candidates: [ItemID: Recommendation] = [:]
        addNeighbours(of: item, in: snapshot.boughtTogether.similar, boost: 1, reason: .boughtTogether, to: &candidates)
        addNeighbours(of: item, in: snapshot.next.next, boost: 0, reason: .similarToViewed, to: &candidates)
        var options = options
        options.exclude.insert(item)
        return page(filtered(Array(candidates.values), options: options), options: options)
    }

    /// What is trending in `window`, optionally in one category.
    public func trending(window: TrendWindow, options: ListOptions) -> RecommendationPage {
        if !isTrained { return fallback(options: options, profile: []) }
        let ranked = rank(snapshot.trend(window), fresh: [], options: options, positiveOnly: true)
        return explainedAsTrending(page(ranked, options: options), options: options)
    }

    /// `page` with a `trending` reason on every item when the options ask for explanations.
    private func explainedAsTrending(_ page: RecommendationPage, options: ListOptions) -> RecommendationPage {
        guard options.explain else { return page }
        let reason = Reason(.trending, category: options.category)
        return RecommendationPage(
            items: page.items.map { Recommendation(itemID: $0.itemID, score: $0.score, reason: reason) },
            nextOffset: page.nextOffset
        )
    }

    /// Adds `item`'s neighbours from `lists` that are not candidates yet, scored `boost` + weight
    /// (a boost of 1 ranks a list above one with boost 0), each explained by `reason`.
    private func addNeighbours(
        of item: ItemID,
        in lists: NeighbourLists,
        boost: Float,
        reason: Reason.Kind,
        to candidates: inout [ItemID: Recommendation]
    ) {
        guard let index = snapshot.catalog.index(of: item) else { return }
        for neighbour in lists.of(Int(index)) {
            let id = snapshot.catalog.ids[neighbour.index]
            guard candidates[id] == nil else { continue }
            candidates[id] = Recommendation(
                itemID: id,
                score: boost + neighbour.score,
                reason: Reason(reason, itemIDs: [item])
            )
        }
    }

    // MARK: - Filtering and paging

    /// The facts of `id` now: the live change if any, else the snapshot's; nil when deleted or unknown.
    public func facts(of id: ItemID) -> ItemFacts? {
        if let change = live.changes[id] { return change }
        return snapshot.catalog.index(of: id).map { snapshot.facts[Int($0)] }
    }

    private func requireKnown(_ item: ItemID) throws(AisleError) -> ItemFacts {
        guard let facts = facts(of: item) else {
            throw AisleError(
                code: .notFound,
                message: "no item \"\(item.rawValue.prefix(64))\" in the catalog or the trained models"
            )
        }
        return facts
    }

    private func allowed(_ id: ItemID, options: ListOptions) -> Bool {
        guard !options.exclude.contains(id), let facts = facts(of: id), facts.recommendable else {
            return false
        }
        if let category = options.category, !facts.isIn(category: category) { return false }
        return facts.passesReviews(options.minReviewScore)
    }

    /// Candidates from a full score vector plus extra (fresh) ones, filtered, best first, deep
    /// enough for the page and the diversity limit.
    private func rank(_ scores: [Float], fresh: [Recommendation], options: ListOptions, positiveOnly: Bool = false)
        -> [Recommendation]
    {
        // Mask by index from the snapshot's facts (no string hashing over the whole catalog), then
        // apply the few live changes and exclusions by id.
        var masked = scores
        let recommendable = snapshot.recommendable
        for index in masked.indices where !recommendable[index] || (positiveOnly && masked[index] <= 0) {
            masked[index] = -.infinity
        }
        if let category = options.category {
            for index in masked.indices
            where masked[index] != -.infinity && !snapshot.facts[index].isIn(category: category) {
                masked[index] = -.infinity
            }
        }
        if let minimum = options.minReviewScore {
            for index in masked.indices
            where masked[index] != -.infinity && !snapshot.facts[index].passesReviews(minimum) {
                masked[index] = -.infinity
            }
        }
        for id in live.changes.keys {
            if let index = snapshot.catalog.index(of: id), !allowed(id, options: options) {
                masked[Int(index)] = -.infinity
            }
        }
        for id in options.exclude {
            if let index = snapshot.catalog.index(of: id) { masked[Int(index)] = -.infinity }
        }
        let depth = min(ListOptions.maximumDepth, options.offset + options.limit) * (options.diversity == nil ? 1 : 4)
        var ranked = TopK.select(depth + 1, from: masked).map {
            Recommendation(itemID: snapshot.catalog.ids[$0.index], score: $0.score)
        }
        ranked += fresh.filter { allowed($0.itemID, options: options) }
        return ranked.sorted(by: Self.ranksBefore)
    }

    private func filtered(_ candidates: [Recommendation], options: ListOptions) -> [Recommendation] {
        candidates.filter { allowed($0.itemID, options: options) }.sorted(by: Self.ranksBefore)
    }

    /// Applies the diversity limit and cuts the page; `nextOffset` is set when more items follow.
    private func page(_ ranked: [Recommendation], options: ListOptions) -> RecommendationPage {
        var list = ranked
        if let limit = options.diversity {
            var perGroup: [String: Int] = [:]
            list = ranked.filter { item in
                let group = facts(of: item.itemID)?.diversityGroup ?? ""
                perGroup[group, default: 0] += 1
                return perGroup[group, default: 0] <= limit
            }
        }
        let start = min(options.offset, list.count)
        let end = min(start + options.limit, list.count)
        let more = end < list.count && end < ListOptions.maximumDepth
        return RecommendationPage(items: Array(list[start..<end]), nextOffset: more ? end : nil)
    }

    /// Higher score first; equal scores by item id bytes, so every device sees the same order.
    static func ranksBefore(_ a: Recommendation, _ b: Recommendation) -> Bool {
        a.score != b.score ? a.score > b.score : a.itemID < b.itemID
    }

    /// The items most similar to `item` by content: the best `depth` of the snapshot's catalog
    /// (cut before any id is materialised: a common brand or colour matches thousands of items)
    /// plus any new items.
    private func contentNeighbours(of item: ItemFacts, excluding excluded: ItemID, depth: Int) -> [Recommendation] {
        let query = snapshot.content.vector(item.tokens)
        var heap = TopKHeap(capacity: max(1, depth))
        for candidate in snapshot.content.similar(to: query) where snapshot.recommendable[candidate.index] {
            heap.offer(candidate)
        }
        var neighbours = heap.sortedBestFirst().map {
            Recommendation(itemID: snapshot.catalog.ids[$0.index], score: $0.score)
        }
        for (freshID, facts) in live.changes
        where snapshot.catalog.index(of: freshID) == nil && freshID != excluded {
            guard let facts else { continue }
            let similarity = cosine(query, snapshot.content.vector(facts.tokens))
            if similarity > 0 { neighbours.append(Recommendation(itemID: freshID, score: similarity)) }
        }
        return neighbours.filter { $0.itemID != excluded }
    }

    private func cosine(_ a: [String: Float], _ b: [String: Float]) -> Float {
        let dot = a.reduce(Float(0)) { $0 + $1.value * (b[$1.key] ?? 0) }
        let norms =
            a.values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            * b.values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return norms > 0 ? dot / norms : 0
    }
}

/// One model's part of the feed: its raw scores, how to standardise them, and its weight.
struct FeedComponent {
    let kind: ModelKind
    let weight: Float
    private let values: [Float]
    private let mean: Float
    private let scale: Float

    /// A component from raw scores; mean and deviation from one pass (popularity as log(1 + x)).
    init(kind: ModelKind, weight: Float, raw: [Float]) {
        precondition(kind != .popularity, "pass popularity already standardised")
        self.kind = kind
        self.weight = weight
        values = raw
        var sum: Double = 0
        var squares: Double = 0
        for value in raw {
            sum += Double(value)
            squares += Double(value) * Double(value)
        }
        let count = Double(max(1, raw.count))
        let average = sum / count
        let deviation = max(0, squares / count - average * average).squareRoot()
        mean = Float(average)
        scale = deviation > 1e-12 ? Float(1 / deviation) : 0
    }

    /// A component whose mean and deviation are known (computed elsewhere, exactly).
    init(kind: ModelKind, weight: Float, raw: [Float], mean: Float, deviation: Float) {
        self.kind = kind
        self.weight = weight
        values = raw
        self.mean = mean
        scale = deviation > 1e-12 ? 1 / deviation : 0
    }

    /// A component whose scores are already standardised.
    init(kind: ModelKind, weight: Float, standardised: [Float]) {
        self.kind = kind
        self.weight = weight
        values = standardised
        mean = 0
        scale = 1
    }

    /// total += weight × standardised scores.
    func add(into total: inout [Float]) {
        guard scale != 0 else { return }
        let factor = weight * scale
        let shift = mean
        values.withUnsafeBufferPointer { source in
            total.withUnsafeMutableBufferPointer { target in
                for index in 0..<target.count { target[index] += factor * (source[index] - shift) }
            }
        }
    }

    /// This component's weighted, standardised score of one item.
    func contribution(at index: Int) -> Float { weight * (values[index] - mean) * scale }
}
