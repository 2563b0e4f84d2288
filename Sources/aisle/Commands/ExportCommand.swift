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

    @Option(help: "Data folder (env AISLE_DATA; default ./aisle-data).")
    var data: String?

    @Option(help: "The data key file (env AISLE_DATA_KEY_FILE; default DATA/data.key).")
    var dataKeyFile: String?

    @Flag(help: "Replace user, device and session ids with keyed pseudonyms.")
    var pseudonymize = false

    @Option(help: "Write here instead of standard output.")
    var out: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = AisleConfiguration()
        configuration.store.dataDirectory = data ?? environment["AISLE_DATA"] ?? "./aisle-data"
        configuration.privacy.dataKey = environment["AISLE_DATA_KEY"]
        configuration.privacy.dataKeyFile = dataKeyFile ?? environment["AISLE_DATA_KEY_FILE"]
        guard FileManager.default.fileExists(atPath: configuration.store.dataDirectory) else {
            throw ValidationError("no data folder at \(configuration.store.dataDirectory)")
        }
        let folder: DataFolder
        do {
            folder = try DataFolder(configuration: configuration)
        } catch is DataFolder.InUse {
            throw ValidationError("\(configuration.store.dataDirectory) is in use by a running server; stop it first")
        }
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
