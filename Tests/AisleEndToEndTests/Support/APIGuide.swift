import Foundation

/// docs/API.md cut into its examples: each ```sh block with the statuses shown under it
/// ("→ `200 OK`", or "→ `404 Not Found`, then `400 Bad Request`" for one per command) and the
/// answer shown after that (a ```json or ```text block, or "(no body)").
struct APIGuide {
    /// A shown answer and the lines it occupies, fences excluded.
    struct Answer {
        enum Kind { case json, text, noBody }
        var kind: Kind
        var lines: Range<Int>
        var text: String
    }

    struct Example {
        /// The nearest heading above, to find the example in a report.
        var heading: String
        /// The block's text, run as written.
        var command: String
        /// The line of the block's closing fence.
        var commandEnd: Int
        var statusLine: Int?
        /// One status for every command, or one per command.
        var statuses: [Int]
        /// What follows the statuses on their line ("(indented here)").
        var statusSuffix: String
        var answer: Answer?

        /// The command's first line, to name it in a report.
        var title: String { command.split(separator: "\n").first.map(String.init) ?? command }
    }

    /// A ```sh block that sends no request: a shell definition, a build or the server's start.
    struct Skipped {
        var heading: String
        var command: String
    }

    var lines: [String]
    var examples: [Example] = []
    var skipped: [Skipped] = []

    init(_ text: String) {
        lines = text.components(separatedBy: "\n")
        var heading = ""
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("#") {
                heading = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            }
            guard line == "```sh" else {
                // Other fenced blocks are skipped whole so a "#" inside them is no heading.
                if line.hasPrefix("```"), let end = closingFence(after: index) { index = end }
                index += 1
                continue
            }
            let end = closingFence(after: index) ?? lines.count
            let command = lines[(index + 1)..<end].joined(separator: "\n")
            if Self.isSetup(command) {
                skipped.append(Skipped(heading: heading, command: command))
                index = end + 1
                continue
            }
            var example = Example(heading: heading, command: command, commandEnd: end, statuses: [], statusSuffix: "")
            var next = nextFilled(after: end)
            if let status = next, lines[status].hasPrefix("→") {
                example.statusLine = status
                (example.statuses, example.statusSuffix) = Self.statuses(in: lines[status])
                next = nextFilled(after: status)
            }
            if let start = next {
                if lines[start] == "(no body)" {
                    example.answer = Answer(kind: .noBody, lines: start..<(start + 1), text: "")
                } else if lines[start] == "```json" || lines[start] == "```text", let close = closingFence(after: start)
                {
                    let range = (start + 1)..<close
                    example.answer = Answer(
                        kind: lines[start] == "```json" ? .json : .text,
                        lines: range,
                        text: lines[range].joined(separator: "\n")
                    )
                }
            }
            examples.append(example)
            index = end + 1
        }
    }

    /// The skip rule, kept small on purpose: a block that never names `$AISLE` and only
    /// exports variables, builds, or starts the server. Anything else must run.
    static func isSetup(_ command: String) -> Bool {
        if command.contains("$AISLE") { return false }
        let first = command.trimmingCharacters(in: .whitespacesAndNewlines)
        return first.hasPrefix("export ") || first.hasPrefix("make ") || first.hasPrefix("swift ")
            || first.contains("aisle serve")
    }

    /// "→ `404 Not Found`, then `400 Bad Request` (note)" → ([404, 400], " (note)").
    static func statuses(in line: String) -> ([Int], String) {
        let matches = line.matches(of: #/`(\d{3})[^`]*`/#)
        let codes = matches.compactMap { Int($0.output.1) }
        let suffix = matches.last.map { String(line[$0.range.upperBound...]) } ?? ""
        return (codes, suffix)
    }

    /// The status line for `codes`: one status when every command got the same.
    static func statusLine(_ codes: [Int], suffix: String) -> String {
        let shown = Set(codes).count == 1 ? [codes[0]] : codes
        return "→ " + shown.map { "`\($0) \(reason($0))`" }.joined(separator: ", then ") + suffix
    }

    static func reason(_ code: Int) -> String {
        let reasons = [
            200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
            413: "Content Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
        ]
        return reasons[code] ?? "Status"
    }

    private func closingFence(after start: Int) -> Int? {
        lines.indices.dropFirst(start + 1).first { lines[$0] == "```" }
    }

    private func nextFilled(after index: Int) -> Int? {
        lines.indices.dropFirst(index + 1).first { !lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

extension APIGuide {
    /// Lines to put in place of others, applied bottom-up so earlier ranges stay valid.
    struct Replacement {
        var lines: Range<Int>
        var text: [String]
    }

    /// The guide with `replacements` applied.
    func applying(_ replacements: [Replacement]) -> String {
        var result = lines
        for replacement in replacements.sorted(by: { $0.lines.lowerBound > $1.lines.lowerBound }) {
            result.replaceSubrange(replacement.lines, with: replacement.text)
        }
        return result.joined(separator: "\n")
    }
}
