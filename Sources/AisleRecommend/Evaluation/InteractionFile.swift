import Foundation

/// Reads an interaction log file the way ../shared/bench/recs/split.py does, so that Aisle's
/// splits are the benchmark's splits: tab- or comma-separated with a header naming the user, item
/// and timestamp columns (RecBole's `user_id:token` headers included), or a header-less MovieLens
/// `u.data` (user, item, rating, timestamp). Every row is one interaction of weight 1.
public enum InteractionFile {
    static let userNames = ["user_id", "userid", "user", "uid", "visitorid", "visitor_id"]
    static let itemNames = ["item_id", "itemid", "item", "iid", "movie_id", "movieid", "product_id"]
    static let timeNames = ["timestamp", "time", "ts", "datetime"]

    /// The rows of `path` in file order. Throws `EvaluationError` naming the line that is wrong.
    public static func read(_ path: String) throws -> [Interaction] {
        let text = try readText(path)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        let body = lines.last == "" ? lines.dropLast() : lines[...]
        guard let first = body.first, !first.isEmpty else { throw EvaluationError("\(path): file is empty") }
        let separator: Character = first.contains("\t") ? "\t" : ","
        let fields = first.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        let names = fields.map {
            $0.split(separator: ":", maxSplits: 1).first.map(String.init)?.trimmed.lowercased() ?? ""
        }
        let hasHeader = !fields.allSatisfy { Double($0.trimmed) != nil }
        var columns: (user: Int, item: Int, time: Int)
        var rows = body[...]
        var lineNumber = 1
        if hasHeader {
            func find(_ candidates: [String]) -> Int? { candidates.lazy.compactMap { names.firstIndex(of: $0) }.first }
            guard let user = find(userNames), let item = find(itemNames), let time = find(timeNames) else {
                throw EvaluationError("\(path): header \"\(first)\" needs user, item and timestamp columns")
            }
            columns = (user, item, time)
            rows = rows.dropFirst()
            lineNumber = 2
        } else {
            guard fields.count >= 4 else {
                throw EvaluationError(
                    "\(path): no header and fewer than 4 columns; expected user, item, rating, timestamp"
                )
            }
            columns = (0, 1, 3)
        }
        var interactions: [Interaction] = []
        interactions.reserveCapacity(rows.count)
        for line in rows {
            defer { lineNumber += 1 }
            let parts = line.split(separator: separator, omittingEmptySubsequences: false)
            guard parts.count == fields.count else {
                throw EvaluationError("\(path):\(lineNumber): expected \(fields.count) fields, found \(parts.count)")
            }
            let user = String(parts[columns.user]).trimmed
            let item = String(parts[columns.item]).trimmed
            guard !user.isEmpty, !item.isEmpty else {
                throw EvaluationError("\(path):\(lineNumber): empty user or item id")
            }
            guard let time = Double(String(parts[columns.time]).trimmed), time.isFinite else {
                throw EvaluationError(
                    "\(path):\(lineNumber): timestamp \"\(parts[columns.time])\" is not a finite number"
                )
            }
            interactions.append(Interaction(user: user, item: item, timestamp: time))
        }
        guard !interactions.isEmpty else { throw EvaluationError("\(path): no interactions") }
        return interactions
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError("\(path): cannot read the file (missing, or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw EvaluationError("\(path): not UTF-8 text") }
        return text
    }
}

/// A problem with an evaluation input (a file, a split, a list); the message says what and where.
public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, with the file and line.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
