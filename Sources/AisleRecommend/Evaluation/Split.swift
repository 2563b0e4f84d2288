import Foundation

/// How a log is cut into train, validation and test, exactly as ../shared/bench/recs/split.py.
public enum SplitProtocol: String, Sendable, CaseIterable {
    /// Per-user temporal leave-last-out (protocol A): each user's last interaction is test, the
    /// second-last validation, the rest train; users with fewer than 5 go to train whole.
    case leaveLastOut = "loo"
    /// Global temporal split (protocol B): the first 80% of all interactions by time are train, the
    /// next 10% validation, the last 10% test.
    case global = "global"
}

/// A train / validation / test split of an interaction log.
public struct Split: Sendable {
    /// Fitting data.
    public let train: [Interaction]
    /// Tuning targets.
    public let valid: [Interaction]
    /// Final targets.
    public let test: [Interaction]

    /// A split from its three parts (read back from files, say).
    public init(train: [Interaction], valid: [Interaction], test: [Interaction]) {
        self.train = train
        self.valid = valid
        self.test = test
    }

    /// Every item of the three parts: the catalog the benchmark ranks over.
    public var catalogItems: Set<String> {
        Set(train.lazy.map(\.item)).union(valid.lazy.map(\.item)).union(test.lazy.map(\.item))
    }

    /// Splits `rows` (file order) with `splitProtocol`, after keeping only each (user, item) pair's
    /// earliest interaction (ties: the first in the file), as split.py does.
    public init(_ rows: [Interaction], protocol splitProtocol: SplitProtocol, minimumInteractions: Int = 5) {
        let kept = Self.earliestPerPair(rows)
        let userRank = Self.rank(Set(kept.map(\.user)))
        let itemRank = Self.rank(Set(kept.map(\.item)))
        switch splitProtocol {
        case .leaveLastOut:
            var byUser: [String: [Interaction]] = [:]
            for row in kept { byUser[row.user, default: []].append(row) }
            var train: [Interaction] = []
            var valid: [Interaction] = []
            var test: [Interaction] = []
            for user in byUser.keys.sorted(by: { userRank[$0, default: 0] < userRank[$1, default: 0] }) {
                let history = (byUser[user] ?? []).sorted { lhs, rhs in
                    lhs.timestamp != rhs.timestamp
                        ? lhs.timestamp < rhs.timestamp
                        : itemRank[lhs.item, default: 0] < itemRank[rhs.item, default: 0]
                }
                if history.count < minimumInteractions {
                    train.append(contentsOf: history)
                    continue
                }
                train.append(contentsOf: history.dropLast(2))
                valid.append(history[history.count - 2])
                test.append(history[history.count - 1])
            }
            self.init(train: train, valid: valid, test: test)
        case .global:
            let ordered = kept.sorted { lhs, rhs in
                if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
                let (lu, ru) = (userRank[lhs.user, default: 0], userRank[rhs.user, default: 0])
                if lu != ru { return lu < ru }
                return itemRank[lhs.item, default: 0] < itemRank[rhs.item, default: 0]
            }
            let trainEnd = Int((0.8 * Double(ordered.count)).rounded(.down))
            let validEnd = Int((0.9 * Double(ordered.count)).rounded(.down))
            self.init(
                train: Array(ordered[..<trainEnd]),
                valid: Array(ordered[trainEnd..<validEnd]),
                test: Array(ordered[validEnd...])
            )
        }
    }

    /// Reads a folder written by split.py (train.tsv, valid.tsv, test.tsv).
    public init(folder: String) throws {
        func part(_ name: String) throws -> [Interaction] {
            let path = (folder as NSString).appendingPathComponent("\(name).tsv")
            let text = try InteractionFile.readText(path)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            guard lines.first == "user_id\titem_id\ttimestamp" else {
                throw EvaluationError(
                    "\(path): first line must be \"user_id<TAB>item_id<TAB>timestamp\" (a split.py folder?)"
                )
            }
            return try lines.dropFirst().enumerated().map { offset, line in
                let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, let time = Double(parts[2]) else {
                    throw EvaluationError("\(path):\(offset + 2): expected user_id<TAB>item_id<TAB>timestamp")
                }
                return Interaction(user: String(parts[0]), item: String(parts[1]), timestamp: time)
            }
        }
        self.init(train: try part("train"), valid: try part("valid"), test: try part("test"))
    }

    private static func earliestPerPair(_ rows: [Interaction]) -> [Interaction] {
        struct Pair: Hashable {
            let user: String
            let item: String
        }
        var earliest: [Pair: Int] = [:]
        for (index, row) in rows.enumerated() {
            let key = Pair(user: row.user, item: row.item)
            if let kept = earliest[key], rows[kept].timestamp <= row.timestamp { continue }
            earliest[key] = index
        }
        return earliest.values.sorted().map { rows[$0] }
    }

    private static func rank(_ ids: Set<String>) -> [String: Int] {
        var ranks: [String: Int] = [:]
        for (position, id) in IDOrder.sorted(ids).enumerated() { ranks[id] = position }
        return ranks
    }
}
