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
        var history: [String: Set<String>] = [:]
        let historyRows = target == .valid ? split.train : split.train + split.valid
        for row in historyRows { history[row.user, default: []].insert(row.item) }
        let trainUsers = Set(split.train.map(\.user))
        var targets: [String: Set<String>] = [:]
        for row in target == .valid ? split.valid : split.test where trainUsers.contains(row.user) {
            if history[row.user]?.contains(row.item) == true { continue }
            targets[row.user, default: []].insert(row.item)
        }
        self.history = history
        self.targets = targets
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
