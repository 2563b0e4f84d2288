import AisleCore
import AisleEngine
import ArgumentParser
import Foundation

/// `aisle keys …`: key chores done on a data folder while no server runs on it.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Key chores on a data folder (no server may run on it).",
        subcommands: [RotateDataKeyCommand.self]
    )
}

/// The data folder and its data key, for the commands that work on a folder no server runs on.
struct FolderOptions: ParsableArguments {
    @Option(help: "Data folder (env AISLE_DATA; default ./aisle-data).")
    var data: String?

    @Option(help: "The data key file (env AISLE_DATA_KEY_FILE; default DATA/data.key).")
    var dataKeyFile: String?

    @Option(help: "A shared PostgreSQL database (env AISLE_STORE; default: the data folder's store).")
    var store: String?

    /// Opens the folder (which must exist), taking its lock; a running server is a clear error.
    /// `embeddedOnly` opens the folder's own store whatever --store and AISLE_STORE say.
    func open(embeddedOnly: Bool = false) async throws -> DataFolder {
        let environment = ProcessInfo.processInfo.environment
        var configuration = AisleConfiguration()
        configuration.store.dataDirectory = data ?? environment["AISLE_DATA"] ?? "./aisle-data"
        configuration.privacy.dataKey = environment["AISLE_DATA_KEY"]
        configuration.privacy.dataKeyFile = dataKeyFile ?? environment["AISLE_DATA_KEY_FILE"]
        configuration.store.url =
            embeddedOnly ? nil : store ?? environment["AISLE_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        guard FileManager.default.fileExists(atPath: configuration.store.dataDirectory) else {
            throw ValidationError("no data folder at \(configuration.store.dataDirectory)")
        }
        do {
            return try await Setup.mappingFailures { try await DataFolder.open(configuration: configuration) }
        } catch is DataFolder.InUse {
            throw ValidationError("\(configuration.store.dataDirectory) is in use by a running server; stop it first")
        }
    }
}

struct RotateDataKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-data-key",
        abstract: "Re-seal every profile's personal attributes under a new data key, then replace the key file.",
        discussion: """
            Writes the new key beside the old one (DATA_KEY_FILE.next), re-seals every profile
            that holds sealed attributes, and replaces the key file last: if it stops half way,
            run it again. Stop the server first; keep a copy of the old key until it is done.
            """
    )

    @OptionGroup var folderOptions: FolderOptions

    func run() async throws {
        let folder = try await folderOptions.open()
        do {
            let count = try await folder.rotateDataKey { Console.error("rotate-data-key: \($0) profiles re-sealed") }
            Console.line("rotate-data-key: \(count) profiles re-sealed under the new key; the key file is replaced")
        } catch let failure as EngineSetup.Failure {
            throw ValidationError(failure.message)
        }
    }
}
