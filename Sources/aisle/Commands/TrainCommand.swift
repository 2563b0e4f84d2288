import AisleCore
import AisleEngine
import ArgumentParser
import Foundation

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the recommendation models on a data folder and save the snapshot there.",
        discussion: """
            Reads every event and item of the data folder, trains the models (trends, item-to-item,
            next-item, bought-together, ALS, the tuned feed blend), and saves them to
            <data>/models/snapshot.aisle, which `aisle serve` loads at start. While a server runs
            on the folder, train through it instead: POST /v1/models:train with the admin key
            (the server also retrains on its own schedule).
            """
    )

    @Option(help: "Data folder (env AISLE_DATA; default ./aisle-data).")
    var data: String?

    @Option(help: "A shared PostgreSQL database to train on (env AISLE_STORE; default: the data folder's store).")
    var store: String?

    @Option(help: "Threads for training and OpenBLAS (env AISLE_THREADS; default: every processor).")
    var threads: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // The serve settings from the environment (event weights, decay, threads), then the flags.
        var configuration = try ServerOptions.parse([]).configuration(environment: environment)
        configuration.store.dataDirectory = data ?? configuration.store.dataDirectory
        configuration.recommend.threads = threads ?? configuration.recommend.threads
        configuration.store.url = store ?? configuration.store.url
        let directory = configuration.store.dataDirectory
        guard configuration.store.url != nil || FileManager.default.fileExists(atPath: directory) else {
            throw ValidationError("no data folder at \(directory); import data first (aisle import) or pass --data")
        }
        let folder: DataFolder
        do {
            folder = try await Setup.mappingFailures { try await DataFolder.open(configuration: configuration) }
        } catch is DataFolder.InUse {
            throw ValidationError(
                "\(directory) is in use by a running server; train through it: POST /v1/models:train with the admin key"
            )
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await folder.train { Console.error("train: \($0)") }
        let seconds = (clock.now - start).seconds
        Console.line(
            "train: \(report.interactions) interactions from \(report.events) events, \(report.shoppers) shoppers, \(report.items) items in \(String(format: "%.1f", seconds)) s; blend \(report.blendSource)"
        )
        Console.line("train: saved \(folder.snapshotPath)")
    }
}
