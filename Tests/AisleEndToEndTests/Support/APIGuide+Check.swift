import Foundation

extension APIGuide.Example {
    /// How `run` departs from what the guide shows; empty when the example holds.
    func mismatches(_ run: ExampleRunner.Run) -> [String] {
        var found: [String] = []
        if run.statuses.isEmpty {
            found.append("made no HTTP request")
        } else if statuses.isEmpty {
            found.append("shows no status; got \(run.statuses.map(String.init).joined(separator: ", "))")
        } else if !statusesMatch(run) {
            found.append("status: shown \(statuses), got \(run.statuses)")
        }
        return found + answerMismatches(run)
    }

    /// One shown status stands for every command; several name one each.
    func statusesMatch(_ run: ExampleRunner.Run) -> Bool {
        statuses.count == 1 ? Set(run.statuses) == [statuses[0]] : statuses == run.statuses
    }

    func answerMismatches(_ run: ExampleRunner.Run) -> [String] {
        let output = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        switch answer?.kind {
        case nil:
            return output.isEmpty ? [] : ["shows no answer; got \(output)"]
        case .noBody:
            return output.isEmpty ? [] : ["shows no body; got \(output)"]
        case .text:
            let shown = answer.map { Self.sortedLines($0.text) } ?? []
            return shown == Self.sortedLines(output) ? [] : ["text differs"]
        case .json:
            return jsonMismatches(output)
        }
    }

    private func jsonMismatches(_ output: String) -> [String] {
        let shown: [DocJSON]
        do {
            shown = try DocJSON.stream(answer?.text ?? "").map(\.value)
        } catch {
            return ["the shown answer is \(error)"]
        }
        let got: [DocJSON]
        do {
            got = try DocJSON.stream(output).map(\.value)
        } catch {
            return ["the server's answer is \(error)"]
        }
        guard shown.count == got.count else {
            return ["shows \(shown.count) JSON answers, got \(got.count)"]
        }
        return zip(shown, got).enumerated().flatMap { index, pair in
            pair.0.differences(from: pair.1).map { shown.count > 1 ? "answer \(index + 1): \($0)" : $0 }
        }
    }

    /// Prometheus families, like any listing of lines, come in no fixed order.
    private static func sortedLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.sorted()
    }

    /// A report a reader can fix the guide from: where, which command, what it shows and got.
    func report(_ run: ExampleRunner.Run, mismatches: [String]) -> String {
        var lines = ["docs/API.md, section \"\(heading)\": \(title)"]
        lines += mismatches.map { "  - \($0)" }
        lines.append("  shown: \(statuses) \(answer?.text ?? "(no answer)")")
        lines.append("  got:   \(run.statuses) \(run.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        if !run.errors.isEmpty { lines.append("  stderr: \(run.errors)") }
        return lines.joined(separator: "\n")
    }

    /// Edits that make the guide show `run`, each block keeping its style: compact answers get
    /// the server's own bytes, indented ones the guide's indentation.
    func replacements(for run: ExampleRunner.Run) -> [APIGuide.Replacement] {
        var edits: [APIGuide.Replacement] = []
        let statusText = APIGuide.statusLine(run.statuses.isEmpty ? [0] : run.statuses, suffix: statusSuffix)
        var inserted: [String] = []
        if let statusLine {
            if !statusesMatch(run) {
                edits.append(.init(lines: statusLine..<(statusLine + 1), text: [statusText]))
            }
        } else {
            inserted = ["", statusText]
        }
        let answerText = shownAnswer(run.output)
        if let answer, !answerMismatches(run).isEmpty {
            let fenced =
                answer.kind == .noBody ? answer.lines : (answer.lines.lowerBound - 1)..<(answer.lines.upperBound + 1)
            edits.append(.init(lines: fenced, text: answerText.isEmpty ? ["(no body)"] : answerText))
        } else if answer == nil, !answerText.isEmpty {
            inserted += [""] + answerText
        }
        // One insertion after the command (or its status), so two never compete for a line.
        if !inserted.isEmpty {
            let at = (statusLine ?? commandEnd) + 1
            edits.append(.init(lines: at..<at, text: inserted))
        }
        return edits
    }

    /// The fenced block (or nothing) that shows `output` in this example's style.
    private func shownAnswer(_ output: String) -> [String] {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        guard let values = try? DocJSON.stream(trimmed), answer?.kind != .text else {
            return ["```text"] + trimmed.components(separatedBy: "\n") + ["```"]
        }
        let shownLines = answer?.text.split(separator: "\n").count ?? 0
        let shownValues = (try? DocJSON.stream(answer?.text ?? "").count) ?? shownLines
        let pretty = shownLines > shownValues
        let body = values.map { pretty ? $0.value.pretty() : $0.text }.joined(separator: "\n")
        return ["```json"] + body.components(separatedBy: "\n") + ["```"]
    }
}
