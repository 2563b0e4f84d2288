import Foundation

extension DocJSON {
    /// Fields whose values the server makes up on each run: the times it stamps, the tokens it
    /// signs and how long training took. Their presence is still compared, never their value.
    static let volatileKeys: Set<String> = [
        "created_at", "updated_at", "received_at", "linked_at", "trained_at", "expires_at", "started_at",
        "last_searched_at", "item_updated_at", "token", "seconds", "key", "at", "conversation_id",
    ]

    /// Parts of messages that name the server's clock ("server time 2026-…Z").
    /// (Computed: a `Regex` is not `Sendable`, so it cannot be a stored static.)
    private static var volatileText: Regex<(Substring, Substring?)> {
        #/server time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/#
    }

    /// The ids of keys made with POST /v1/keys (random, like their secrets).
    private static var madeKeyID: Regex<Substring> { #/key_[0-9a-f]{16}/# }

    /// Where `actual` departs from `self`, one line per difference ("data[0].score: expected
    /// 0.5, got 0.7"). Empty when the two agree up to volatile values and float rounding.
    func differences(from actual: DocJSON, at path: String = "") -> [String] {
        switch (self, actual) {
        case (.object(let expectedPairs), .object(let actualPairs)):
            let expected = Dictionary(expectedPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            let got = Dictionary(actualPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            var found: [String] = []
            for (key, value) in expectedPairs {
                let here = path.isEmpty ? key : "\(path).\(key)"
                guard let other = got[key] else {
                    found.append("\(here): expected \(value.compact), missing")
                    continue
                }
                if !Self.volatileKeys.contains(key) { found += value.differences(from: other, at: here) }
            }
            for (key, value) in actualPairs where expected[key] == nil {
                found.append("\(path.isEmpty ? key : "\(path).\(key)"): not shown, got \(value.compact)")
            }
            return found
        case (.array(let expected), .array(let got)) where expected.count == got.count:
            return zip(expected, got).enumerated().flatMap { index, pair in
                pair.0.differences(from: pair.1, at: "\(path)[\(index)]")
            }
        case (.number(let expected, _), .number(let got, _)):
            return Self.close(expected, got) ? [] : ["\(path): expected \(compact), got \(actual.compact)"]
        case (.string(let expected), .string(let got)):
            let same =
                expected.replacing(Self.volatileText, with: "server time …").replacing(Self.madeKeyID, with: "key_…")
                == got.replacing(Self.volatileText, with: "server time …").replacing(Self.madeKeyID, with: "key_…")
            return same ? [] : ["\(path): expected \(compact), got \(actual.compact)"]
        default:
            return self == actual
                ? [] : ["\(path.isEmpty ? "answer" : path): expected \(compact), got \(actual.compact)"]
        }
    }

    /// Whole numbers must match exactly (counts, epoch times); fractions, which are scores the
    /// server rounds after float arithmetic that may differ across machines, within 0.1 %.
    private static func close(_ expected: Double, _ got: Double) -> Bool {
        if expected == got { return true }
        if expected.rounded() == expected, got.rounded() == got { return false }
        return abs(expected - got) <= 1e-3 * max(1, abs(expected), abs(got))
    }
}
