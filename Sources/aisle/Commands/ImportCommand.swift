import AisleCore
import AisleEngine
import AisleText
import ArgumentParser
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Import items, users, events or reviews from JSON Lines, CSV/TSV with a header, or RecBole atomic files; or a folder of product photos.",
        discussion: """
            Writes into a data folder (--data, the fast path; no server may be running on it) or
            through a running server (--url and --key). Bad rows go to a rejects file with their
            line number and reason; the import continues. See docs/IMPORT.md.
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case items, users, events, reviews, images
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case auto, jsonl, csv, tsv, recbole
    }

    @Argument(help: "What the file holds: items, users, events or reviews; or images (a folder of photos).")
    var kind: Kind

    @Argument(help: "The file to import (for images, the folder).")
    var file: String

    @Option(
        help:
            "Images only: a CSV with the columns file and item_id (a header) naming each photo's item; default: the file name without its extension."
    )
    var map: String?

    @Option(help: "Data folder to write into (env AISLE_DATA; default ./aisle-data).")
    var data: String?

    @Option(
        help:
            "A shared PostgreSQL database to write into, postgres://user@host:port/database (env AISLE_STORE; default: the data folder's store)."
    )
    var store: String?

    @Option(help: "Import through a running server instead, e.g. http://127.0.0.1:8080.")
    var url: String?

    @Option(help: "The server's admin key, with --url (env AISLE_ADMIN_KEY).")
    var key: String?

    @Option(help: "File format; auto goes by extension (.jsonl .ndjson .csv .tsv .inter .item .user).")
    var format: Format = .auto

    @Option(help: "Where bad rows go (default: FILE's name + .rejects.jsonl in the current folder).")
    var rejects: String?

    @Option(
        help:
            "Event type for tabular rows without a type column (default: rate when a rating column exists, else view)."
    )
    var eventType: String = "view"

    @Option(help: "Unit of numeric timestamps in CSV/TSV: ms or s (RecBole files are always seconds).")
    var timestampUnit: String = "ms"

    @Option(help: "Rows per write (default 100000 into a folder, 5000 over HTTP, at most 10000 there).")
    var batchSize: Int?

    @Option(
        help:
            "Minutes of inactivity that end a session, as the server's setting (env AISLE_SESSION_GAP_MINUTES; default 30)."
    )
    var sessionGapMinutes: Int?

    @Option(
        help:
            "Reviews only: the polarity model, auto (<data>/models/sentiment.aisle if present, else the shipped one), none or a file (env AISLE_SENTIMENT_MODEL)."
    )
    var sentimentModel: String?

    @Option(
        help:
            "Reviews only: auto (polarity also reads multilingual-e5-small's vector of each review when installed) or none (env AISLE_REVIEW_EMBEDDINGS)."
    )
    var reviewEmbeddings: String?

    @Option(help: "Reviews only: the multilingual-e5-small folder (env AISLE_MULTILINGUAL_MODEL; none: not used).")
    var multilingualModel: String?

    func validate() throws {
        if let reviewEmbeddings, !["auto", "none"].contains(reviewEmbeddings) {
            throw ValidationError("--review-embeddings must be auto or none")
        }
        if url != nil && data != nil { throw ValidationError("use either --data or --url, not both") }
        if !["ms", "s"].contains(timestampUnit) { throw ValidationError("--timestamp-unit must be ms or s") }
        if let batchSize, !(1...100_000).contains(batchSize) {
            throw ValidationError("--batch-size must be 1 to 100000")
        }
        if let batchSize, url != nil, batchSize > 10_000 {
            throw ValidationError(
                "--batch-size is at most 10000 with --url: the server takes at most 10,000 rows a request"
            )
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        if kind == .images { return try await importImages(environment) }
        let resolvedFormat = try format == .auto ? Self.format(of: file) : format
        let reader = try LineReader(path: file)
        let rejectsPath = rejects ?? ((file as NSString).lastPathComponent + ".rejects.jsonl")
        try? FileManager.default.removeItem(atPath: rejectsPath)
        let sink: any ImportSink
        if let url {
            guard let key = key ?? environment["AISLE_ADMIN_KEY"] else {
                throw ValidationError("--url needs the admin key: --key KEY or AISLE_ADMIN_KEY")
            }
            sink = HTTPSink(baseURL: url, key: key)
        } else {
            var configuration = AisleConfiguration()
            configuration.store.dataDirectory = data ?? environment["AISLE_DATA"] ?? "./aisle-data"
            if let text = sessionGapMinutes.map(String.init) ?? environment["AISLE_SESSION_GAP_MINUTES"] {
                guard let minutes = Int(text) else {
                    throw ValidationError("the session gap must be a whole number of minutes, got \"\(text)\"")
                }
                do {
                    configuration.ingest.sessions = try SessionPolicy(inactivityMinutes: minutes, field: "session gap")
                } catch {
                    throw ValidationError(error.message)
                }
            }
            configuration.reviews.sentimentModel = .init(
                setting: sentimentModel ?? environment["AISLE_SENTIMENT_MODEL"] ?? "auto"
            )
            configuration.reviews.readsEmbeddings =
                (reviewEmbeddings ?? environment["AISLE_REVIEW_EMBEDDINGS"] ?? "auto") != "none"
            if let model = multilingualModel ?? environment["AISLE_MULTILINGUAL_MODEL"] {
                configuration.text.multilingualModel = .init(setting: model)
            }
            let analyzer =
                kind == .reviews
                ? try await Setup.mappingFailures {
                    try EngineSetup.reviewAnalyzer(configuration: configuration, textModels: nil) {
                        Console.error("import: \($0)")
                    }
                }
                : ReviewAnalyzer(model: nil)
            configuration.store.url = store ?? environment["AISLE_STORE"].flatMap { $0.isEmpty ? nil : $0 }
            sink = FolderSink(
                folder: try await Setup.mappingFailures {
                    try await DataFolder.open(configuration: configuration, reviewAnalyzer: analyzer)
                }
            )
        }
        let summary: Importer.Summary
        do {
            summary = try await Self.importFile(
                kind: kind,
                reader: reader,
                format: resolvedFormat,
                into: sink,
                rejectsPath: rejectsPath,
                eventType: eventType,
                secondsTimestamps: timestampUnit == "s",
                batchSize: batchSize ?? (url == nil ? Self.folderBatchSize : 5_000)
            )
        } catch {
            try? await sink.close()
            throw error
        }
        try await sink.close()
        Console.line(Self.describe(summary, kind: kind, rejectsPath: rejectsPath))
    }

    /// `aisle import images DIR`: into the folder, or through a server.
    func importImages(_ environment: [String: String]) async throws {
        let rejectsPath = rejects ?? ((file as NSString).lastPathComponent + ".rejects.jsonl")
        try? FileManager.default.removeItem(atPath: rejectsPath)
        let importer = ImageImport(directory: file, mapping: map, rejectsPath: rejectsPath)
        let summary: ImageImport.Summary
        if let url {
            guard let key = key ?? environment["AISLE_ADMIN_KEY"] else {
                throw ValidationError("--url needs the admin key: --key KEY or AISLE_ADMIN_KEY")
            }
            summary = try await importer.run(into: .server(baseURL: url, key: key))
        } else {
            var configuration = AisleConfiguration()
            configuration.store.dataDirectory = data ?? environment["AISLE_DATA"] ?? "./aisle-data"
            configuration.store.url = store ?? environment["AISLE_STORE"].flatMap { $0.isEmpty ? nil : $0 }
            let folder = try await Setup.mappingFailures { try await DataFolder.open(configuration: configuration) }
            summary = try await importer.run(into: .folder(folder))
            try await folder.finishImport()
        }
        var text = "imported \(summary.imported) images"
        text +=
            " (\(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MiB) in \(String(format: "%.1f", summary.seconds)) s"
        if summary.rejected > 0 { text += "; \(summary.rejected) rejected, see \(rejectsPath)" }
        Console.line(text)
    }

    /// Rows per transaction into a folder: larger transactions rewrite fewer index pages
    /// (20k → 100k took 1M events from 145k to 185k events/s, docs/BENCHMARKS.md).
    static let folderBatchSize = 100_000

    /// Imports one file into `sink`; shared by `aisle import` and `aisle demo`.
    static func importFile(
        kind: Kind,
        reader: LineReader,
        format: Format,
        into sink: any ImportSink,
        rejectsPath: String,
        eventType: String = "view",
        secondsTimestamps: Bool = false,
        batchSize: Int = folderBatchSize
    ) async throws -> Importer.Summary {
        var importer = Importer(
            reader: reader,
            rejects: RejectsFile(path: rejectsPath),
            batchSize: batchSize,
            progress: Progress(label: "import \(kind.rawValue)", totalBytes: reader.totalBytes)
        )
        let parser = try RowParser(
            format: format,
            header: format == .jsonl ? nil : try reader.next(1).first?.bytes,
            eventType: eventType,
            secondsTimestamps: secondsTimestamps,
            now: .now()
        )
        return try await withThrowingTaskGroup(of: Importer.Summary?.self) { group in
            group.addTask {
                await sink.runMaintenance()
                return nil
            }
            let summary: Importer.Summary
            switch kind {
            case .images: throw ImportFailure("images are a folder of photos: aisle import images DIR")
            case .items: summary = try await importer.run(parse: parser.item, write: sink.write(items:))
            case .users: summary = try await importer.run(parse: parser.user, write: sink.write(users:))
            case .reviews: summary = try await importer.run(parse: parser.review, write: sink.write(reviews:))
            case .events:
                let started = ContinuousClock.now
                var loaded = try await sink.bulkLoad {
                    try await importer.run(parse: parser.event, write: sink.write(events:))
                }
                let elapsed = ContinuousClock.now - started
                // Include the index build in the rate.
                loaded.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                summary = loaded
            }
            group.cancelAll()
            return summary
        }
    }

    static func format(of path: String) throws -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "jsonl", "ndjson", "json": return .jsonl
        case "csv": return .csv
        case "tsv", "txt": return .tsv
        case "inter", "item", "user": return .recbole
        default:
            throw ValidationError(
                "cannot tell the format of \(path) from its extension; pass --format jsonl|csv|tsv|recbole"
            )
        }
    }

    static func describe(_ summary: Importer.Summary, kind: Kind, rejectsPath: String) -> String {
        let rate = Int(Double(summary.rows) / max(summary.seconds, 0.001))
        var text =
            "imported \(Progress.grouped(summary.stored)) \(kind.rawValue) of \(Progress.grouped(summary.rows)) rows"
        text += " in \(String(format: "%.1f", summary.seconds)) s (\(Progress.grouped(rate)) rows/s)"
        if summary.duplicates > 0 { text += "; \(Progress.grouped(summary.duplicates)) duplicates skipped" }
        if summary.notTracked > 0 {
            text += "; \(Progress.grouped(summary.notTracked)) not stored (their users turned tracking off)"
        }
        if kind == .reviews {
            // A review of an unknown item is not stored: it is one of the rejected rows.
            if summary.rejected > 0 {
                let unknown =
                    summary.unknownItems > 0
                    ? " (\(Progress.grouped(summary.unknownItems)) for items not in the catalog)" : ""
                text += "; \(Progress.grouped(summary.rejected)) rejected\(unknown), see \(rejectsPath)"
            }
            return text
        }
        if summary.unknownItems > 0 {
            text += "; \(Progress.grouped(summary.unknownItems)) for items not in the catalog"
        }
        if summary.rejected > 0 { text += "; \(Progress.grouped(summary.rejected)) rejected, see \(rejectsPath)" }
        return text
    }
}

/// Turns one line into a validated value, for each format. Sendable: it runs on parser tasks.
struct RowParser: Sendable {
    let tabular: TabularMapping?
    let now: Timestamp

    init(
        format: ImportCommand.Format,
        header: ArraySlice<UInt8>?,
        eventType: String,
        secondsTimestamps: Bool,
        now: Timestamp
    ) throws {
        self.now = now
        switch format {
        case .jsonl, .auto:
            tabular = nil
        case .csv, .tsv, .recbole:
            guard let header else { throw ImportFailure("the file is empty; expected a header line") }
            let kind = TabularFormat.Kind(rawValue: format.rawValue) ?? .tsv
            tabular = TabularMapping(
                format: try TabularFormat(kind: kind, header: header),
                defaultEventType: eventType,
                numericTimestampsInSeconds: format == .recbole || secondsTimestamps
            )
        }
    }

    @Sendable func item(_ line: ArraySlice<UInt8>) throws(AisleError) -> Item {
        try body(line, ItemBody.self, tabular?.item).validated()
    }

    @Sendable func user(_ line: ArraySlice<UInt8>) throws(AisleError) -> User {
        try body(line, UserBody.self, tabular?.user).validated()
    }

    @Sendable func review(_ line: ArraySlice<UInt8>) throws(AisleError) -> ReviewSubmission {
        try body(line, ReviewBody.self, tabular?.review).validated()
    }

    @Sendable func event(_ line: ArraySlice<UInt8>) throws(AisleError) -> Event {
        if tabular == nil, let fast = EventBody.fastDecode(line) {
            return try fast.validated(now: now)
        }
        return try body(line, EventBody.self, tabular?.event).validated(now: now)
    }

    private func body<Body: Decodable>(
        _ line: ArraySlice<UInt8>,
        _ type: Body.Type,
        _ map: (([String: String]) throws -> Body)?
    ) throws(AisleError) -> Body {
        guard let map, let tabular else {
            return try Wire.decode(type, from: Data(line))
        }
        do {
            return try map(try tabular.format.row(line, line: 0))
        } catch let error as AisleError {
            throw error
        } catch {
            throw AisleError(code: .invalidField, message: "\(error)")
        }
    }
}
