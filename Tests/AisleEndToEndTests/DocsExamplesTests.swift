import Foundation
import Testing

/// docs/API.md, docs/EXPERIMENTS.md and docs/ASSISTANT.md run: every curl example, in document order, on one
/// fresh server per guide, answers what the guide shows. With AISLE_DOCS_UPDATE=1 the guide is
/// rewritten with the real answers instead, for review with `git diff docs/`.
@Suite(.serialized) struct DocsExamplesTests {
    static func guidePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// The server the guide's "Start a server" section describes: no text encoder (loading it
    /// costs seconds in a debug build, and items are embedded in the background, so semantic
    /// answers would depend on timing), and models trained only when an example asks
    /// (`POST /v1/models:train`), never on a timer or an event count in the middle of the run.
    static let environment = [
        "AISLE_MODEL_DIR": "none",
        "AISLE_MULTILINGUAL_MODEL": "none",
        "AISLE_TRAIN_ON_START": "false",
        "AISLE_TRAIN_EVERY_MINUTES": "0",
        "AISLE_TRAIN_AFTER_EVENTS": "0",
    ]

    static var updating: Bool { ProcessInfo.processInfo.environment["AISLE_DOCS_UPDATE"] == "1" }

    @Test(
        "every curl example in the guide answers, in order on a fresh server, what the guide shows",
        arguments: [("docs/API.md", 40), ("docs/EXPERIMENTS.md", 5), ("docs/ASSISTANT.md", 8)]
    )
    func guideRuns(name: String, minimumExamples: Int) async throws {
        let guidePath = Self.guidePath(name)
        let guide = APIGuide(try String(contentsOfFile: guidePath, encoding: .utf8))
        #expect(guide.examples.count > minimumExamples, "the guide's examples were not found")
        let server = ServerProcess()
        try server.start(environment: Self.environment)
        defer { server.stop() }
        let runner = try ExampleRunner(
            baseURL: server.baseURL,
            adminKey: ServerProcess.adminKey,
            ingestKey: ServerProcess.ingestKey
        )
        var edits: [APIGuide.Replacement] = []
        var failed = 0
        for example in guide.examples {
            let run = try runner.run(example.command)
            let mismatches = example.mismatches(run)
            guard !mismatches.isEmpty else { continue }
            failed += 1
            if Self.updating {
                edits += example.replacements(for: run)
            } else {
                Issue.record(Comment(rawValue: example.report(run, mismatches: mismatches)))
            }
        }
        let skipped = guide.skipped.map { "\($0.heading): \($0.command.prefix(60))" }
        print(
            "\(name): ran \(guide.examples.count) examples, \(failed) differed; skipped \(skipped.count): \(skipped)"
        )
        if Self.updating, !edits.isEmpty {
            try guide.applying(edits).write(toFile: guidePath, atomically: true, encoding: .utf8)
            print("\(name): rewrote \(failed) examples with the server's answers; review with git diff")
        }
    }
}
