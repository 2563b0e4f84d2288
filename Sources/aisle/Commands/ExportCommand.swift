import AisleCore
import AisleEngine
import ArgumentParser
import Foundation

/// `aisle export events`: the event log as JSON Lines for analysts, optionally pseudonymised.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export data from a data folder (no server may run on it).",
        subcommands: [ExportEventsCommand.self]
    )
}

struct ExportEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Every event that names an item, oldest first, as JSON Lines.",
        discussion: """
            With --pseudonymize, user, device and session ids become keyed pseudonyms (p_…,
            HMAC-SHA256 under the data key): the same shopper is the same pseudonym in every
            export, and the ids cannot be recovered without the key. Search events (no item) are
            not exported.
            """
    )

    @OptionGroup var folderOptions: FolderOptions

    @Flag(help: "Replace user, device and session ids with keyed pseudonyms.")
    var pseudonymize = false

    @Option(help: "Write here instead of standard output.")
    var out: String?

    func run() async throws {
        let folder = try await folderOptions.open()
        let output: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw ValidationError("cannot create \(out)") }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        } else {
            output = FileHandle.standardOutput
        }
        let count = try await folder.exportEvents(pseudonymize: pseudonymize) { written in
            if written > 0 && written % 1_000_000 == 0 { Console.error("export: \(written) events") }
        } write: { chunk in
            try output.write(contentsOf: chunk)
        }
        if out != nil { try output.close() }
        Console.error("export: \(count) events\(pseudonymize ? ", pseudonymised" : "")")
    }
}
