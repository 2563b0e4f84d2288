import AisleCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
/// Which part of a split the ranked lists are scored against.
public enum EvaluationTarget: String, Sendable, CaseIterable {
    /// The validation items; history is train. For tuning.
    case valid
    /// The test items; history is train + valid. For the reported figures.
    case test
}

/// Top-K ranking metrics computed exactly as ../shared/bench/recs/evaluate.py: full ranking over
/// the catalog, history removed before cutting at K, binary relevance, averaged over target users
/// (users with a target item and train history; a user without a list scores zero).
public struct RankingMetrics: Sendable, Equatable {
    /// Cut-offs, ascending.
    public let cutoffs: [Int]
    /// Mean metric by name, e.g. `"NDCG@10"`; names are HR, Recall, NDCG, MRR at each cut-off.
    public let means: [String: Double]
    /// Users scored.
    public let users: Int

    /// The mean of `name` at `cutoff` (0 when absent).
    public func value(_ name: String, at cutoff: Int) -> Double { means["\(name)@\(cutoff)"] ?? 0 }

    /// Scores `lists` (user → item ids, best first) against `split`'s `target`.
    public init(lists: [String: [String]], split: Split, target: EvaluationTarget, cutoffs: [Int] = [10, 20]) {
        self = RankingScorer(split: split, target: target).metrics(lists, cutoffs: cutoffs)
    }

    init(cutoffs: [Int], means: [String: Double], users: Int) {
        self.cutoffs = cutoffs
        self.means = means
        self.users = users
    }
}

/// A split's histories and targets, prepared once for scoring many sets of lists (a tuning loop).
public struct RankingScorer: Sendable {
    private let history: [String: Set<String>]
    private let targets: [String: Set<String>]

    /// Prepares `split` for scoring against `target`: history is train for valid, train + valid
    /// for test; targets are the target items of users with train history, minus their history.
    public init(split: Split, target: EvaluationTarget) {
        (history, targets) = Self.prepare(split: split, target: target)
    }

    /// Each user's history and target items for `target` (shared with `IndexedNDCG`).
    static func prepare(split: Split, target: EvaluationTarget) -> (
        history: [String: Set<String>], targets: [String: Set<String>]
    ) {
        var history: [String: Set<String>] = [:]
        let historyRows = target == .valid ? split.train : split.train + split.valid
        for row in historyRows { history[row.user, default: []].insert(row.item) }
        let trainUsers = Set(split.train.map(\.user))
        var targets: [String: Set<String>] = [:]
        for row in target == .valid ? split.valid : split.test where trainUsers.contains(row.user) {
            if history[row.user]?.contains(row.item) == true { continue }
            targets[row.user, default: []].insert(row.item)
        }
        return (history, targets)
    }

    /// The metrics of `lists` (user → item ids, best first).
    public func metrics(_ lists: [String: [String]], cutoffs: [Int] = [10, 20]) -> RankingMetrics {
        let cutoffs = cutoffs.sorted()
        let deepest = cutoffs.last ?? 0
        var sums: [String: Double] = [:]
        for (user, wanted) in targets {
            guard let list = lists[user] else { continue }
            let seen = history[user] ?? []
            let ranked = list.lazy.filter { !seen.contains($0) }.prefix(deepest)
            let hitRanks = ranked.enumerated().compactMap { wanted.contains($0.element) ? $0.offset + 1 : nil }
            for cutoff in cutoffs {
                let hits = hitRanks.filter { $0 <= cutoff }
                let dcg = hits.reduce(0.0) { $0 + 1 / log2(Double($1) + 1) }
                let ideal = (1...min(cutoff, wanted.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 1) }
                sums["HR@\(cutoff)", default: 0] += hits.isEmpty ? 0 : 1
                sums["Recall@\(cutoff)", default: 0] += Double(hits.count) / Double(wanted.count)
                sums["NDCG@\(cutoff)", default: 0] += dcg / ideal
                sums["MRR@\(cutoff)", default: 0] += hits.first.map { 1 / Double($0) } ?? 0
            }
        }
        let count = Double(max(1, targets.count))
        return RankingMetrics(cutoffs: cutoffs, means: sums.mapValues { $0 / count }, users: targets.count)
    }
}

/// NDCG@10 of rankings given as catalog indices, for the many scorings of one search (every
/// transformer epoch, every blend weighting): the figure `RankingScorer` gives for the same lists,
/// without building an id string per ranked item.
struct IndexedNDCG: Sendable {
    /// Positions in the log's users of the users that are scored (those with a target).
    let users: [Int]
    /// Per entry of `users`: the target items' catalog indices (-1: an item outside the catalog,
    /// never ranked, still counted in the ideal DCG).
    private let wanted: [[Int32]]
    /// Per entry of `users`: the history items a ranking skips before the cut-off.
    private let seen: [Set<Int32>]
    /// Target users the log has no history for (each scores zero, as in `RankingScorer`).
    private let missingUsers: Int
    static let cutoff = 10

    /// `split`'s `target` items for the users of `log` (whose histories are the target's history:
    /// train for valid, train + valid for test).
    init(split: Split, target: EvaluationTarget, log: InteractionLog) {
        let index = Dictionary(
            uniqueKeysWithValues: log.catalog.ids.enumerated().map { ($0.element.rawValue, Int32($0.offset)) }
        )
        // The same targets as `RankingScorer`, then read as indices.
        let (history, targets) = RankingScorer.prepare(split: split, target: target)
        var users: [Int] = []
        var wanted: [[Int32]] = []
        var seen: [Set<Int32>] = []
        for (position, user) in log.users.enumerated() {
            guard let items = targets[user] else { continue }
            users.append(position)
            wanted.append(items.map { index[$0] ?? -1 })
            seen.append(Set((history[user] ?? []).compactMap { index[$0] }))
        }
        self.users = users
        self.wanted = wanted
        self.seen = seen
        // A target user missing from the log has no ranking and scores zero.
        missingUsers = targets.count - users.count
    }

    /// Mean NDCG@10 over the target users; `rankings[i]` ranks (catalog indices, best first) for
    /// `users[i]`.
    func score(_ rankings: [[Int]]) -> Double {
        precondition(rankings.count == users.count, "one ranking per scored user")
        guard !users.isEmpty else { return 0 }
        var sum = 0.0
        for (entry, ranking) in rankings.enumerated() {
            let wanted = self.wanted[entry]
            var rank = 0
            var dcg = 0.0
            for item in ranking {
                let item = Int32(item)
                if seen[entry].contains(item) { continue }
                rank += 1
                if rank > Self.cutoff { break }
                if wanted.contains(item) { dcg += 1 / log2(Double(rank) + 1) }
            }
            let ideal = (1...min(Self.cutoff, wanted.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 1) }
            sum += dcg / ideal
        }
        return sum / Double(users.count + missingUsers)
    }
}
