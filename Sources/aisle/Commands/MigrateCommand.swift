import AisleCore
import AisleEngine
import ArgumentParser
import Foundation

/// `aisle migrate --from DIR --to postgres://…`: an embedded store into a new shared database.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a data folder's embedded store into an empty PostgreSQL database (no server may run on it).",
        discussion: """
            Copies items, users and their consent, device links, every event (sequence numbers,
            owners and sessions kept), reviews, item vectors, photos (records and originals),
            orders, FAQs, synonyms, experiments with their exposures, bandits, keys and the audit
            trail, then checks that both stores count the same items, users, devices, events and
            reviews. Profiles stay sealed under the folder's data key: give every node that key.
            Not copied: assistant conversations, the search query log, photo fetch retries and
            the trained model (run `aisle train --store …` once).

              aisle migrate --from ./aisle-data --to postgres://aisle@db.internal/aisle
            """
    )

    @Option(help: "The data folder to copy (default ./aisle-data).")
    var from: String = "./aisle-data"

    @Option(help: "The PostgreSQL database to fill: postgres://user[:password]@host[:port]/database.")
    var to: String

    @Option(help: "The data key file (env AISLE_DATA_KEY_FILE; default FROM/data.key).")
    var dataKeyFile: String?

    @Option(help: "Connections to the database.")
    var storeConnections = 4

    func run() async throws {
        guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
            throw ValidationError("--to must be a postgres:// URL, got \(to.prefix(40))")
        }
        var options = FolderOptions()
        options.data = from
        options.dataKeyFile = dataKeyFile
        let folder = try await options.open(embeddedOnly: true)
        let started = ContinuousClock.now
        let report: StoreMigration.Report
        do {
            report = try await Setup.mappingFailures {
                try await folder.migrate(to: to, maximumConnections: storeConnections) { Console.error($0) }
            }
        } catch let failure as StoreMigration.Failure {
            throw ValidationError(failure.description)
        }
        let seconds = (ContinuousClock.now - started).components.seconds
        Console.line("migrated \(report.events) events, \(report.items) items, \(report.users) users in \(seconds) s")
    }
}
