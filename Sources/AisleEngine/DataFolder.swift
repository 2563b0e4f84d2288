public import AisleCore
import AisleRecommend
import AisleStore
public import AisleText
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The engine's work on a data folder while no server runs on it: `aisle import`, `aisle train`
/// and the loading half of `aisle demo`. Holds the folder's lock from `open` until it is
/// released, so a server cannot start on the folder meanwhile (nor can `open` while one runs).
///
/// Rows go to the store only: the live catalog, the embeddings and the search index are a
/// server's, and a server builds them from the store when it starts.
public final class DataFolder: Sendable {
    /// The folder's lock is held by another process (a server, an import).
    public struct InUse: Error, CustomStringConvertible {
        public var directory: String
        public var reason: any Error
        public var description: String { "\(reason)" }
    }

    /// The folder's path.
    public let directory: String
    private let configuration: AisleConfiguration
    private let store: any BulkLoadingStore
    private let reviewAnalyzer: ReviewAnalyzer
    private let lock: DataDirectoryLock
    private let consents = ConsentRegistry()
    private let images: ImageLibrary
    /// What an import changed that running nodes on a shared store hold in memory, told to them
    /// once at `finishImport`.
    private let changed = Mutex<Set<Change>>([])

    private enum Change: Hashable {
        case items, faqs, images
    }

    /// Opens the folder of `configuration` (creating it), taking its lock, and its store: the
    /// folder's SQLite store, or the PostgreSQL database `configuration.store.url` names (the
    /// folder then keeps local files only: photos, the snapshot, the data key). Throws `InUse`
    /// while a server or another import holds the folder. Reviews are analysed with
    /// `reviewAnalyzer`.
    public static func open(
        configuration: AisleConfiguration,
        reviewAnalyzer: ReviewAnalyzer = ReviewAnalyzer(model: nil),
        report: (String) -> Void = { _ in }
    ) async throws -> DataFolder {
        let directory = configuration.store.dataDirectory
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock(directory: directory)
        } catch {
            throw InUse(directory: directory, reason: error)
        }
        // Offline work (imports of 100,000-row batches, training scans) is not a shopper's
        // request: a statement may take minutes on a large shared database.
        var configuration = configuration
        configuration.store.requestTimeout = max(configuration.store.requestTimeout, Self.offlineStatementTimeout)
        let store = try await EngineSetup.store(configuration: configuration, report: report)
        return DataFolder(configuration: configuration, store: store, lock: lock, reviewAnalyzer: reviewAnalyzer)
    }

    /// The least time one statement on a shared database may take in a command run on the
    /// folder (`import`, `train`, `export`, `migrate`), whatever `--store-timeout-seconds` says.
    public static let offlineStatementTimeout = Duration.seconds(600)

    private init(
        configuration: AisleConfiguration,
        store: any BulkLoadingStore,
        lock: DataDirectoryLock,
        reviewAnalyzer: ReviewAnalyzer
    ) {
        directory = configuration.store.dataDirectory
        self.lock = lock
        self.store = store
        self.configuration = configuration
        self.reviewAnalyzer = reviewAnalyzer
        images = ImageLibrary(
            directory: (directory as NSString).appendingPathComponent("images"),
            maxPixels: configuration.images.maxPixels,
            cacheBytes: configuration.images.cacheBytes
        )
    }

    /// Appends events; duplicates by id are dropped; devices are not linked (past logs).
    public func importEvents(_ events: [Event]) async throws -> AppendOutcome {
        // Consent holds for imports too: a user who turned tracking off gets none stored.
        try await consents.appendTracked(events, receivedAt: .now(), linking: .none, store: store)
    }

    /// Sets an item's photo, as `PUT /v1/items/{id}/image` does (the same checks and errors);
    /// a server started on the folder later serves it.
    public func importItemImage(_ id: ItemID, bytes: [UInt8], mediaType: String?) async throws -> ItemImage {
        changed.withLock { _ = $0.insert(.images) }
        return try await images.put(bytes, mediaType: mediaType, for: id, settings: configuration.images, store: store)
    }

    /// Creates or replaces items; returns how many were written.
    public func importItems(_ items: [Item]) async throws -> Int {
        changed.withLock { _ = $0.insert(.items) }
        return try await store.upsertItems(items, at: .now()).count
    }

    /// Replaces the assistant's FAQs; returns the set's revision. A server started on the folder
    /// embeds them at its start.
    public func importFAQs(_ faqs: [FAQ]) async throws -> Int {
        changed.withLock { _ = $0.insert(.faqs) }
        return try await store.setFAQs(faqs, at: .now())
    }

    /// Creates or replaces orders.
    public func importOrders(_ orders: [Order]) async throws {
        for order in orders { _ = try await store.putOrder(order, at: .now()) }
    }

    /// Creates or replaces users; returns how many were written.
    public func importUsers(_ users: [User]) async throws -> Int {
        let seal = try sealer(makingKey: true)
        return try await store.putUsers(try users.map(seal.seal), at: .now()).count
    }

    /// Analyses and stores reviews, as the server's batch route does (reviews of unknown items
    /// come back rejected).
    public func importReviews(_ submissions: [ReviewSubmission]) async throws -> Engine.ReviewBatchOutcome {
        try await Engine.writeReviews(submissions, analyzer: reviewAnalyzer, store: store)
    }

    /// Runs `load` the way the store loads fastest (SQLite: the event indexes built once at
    /// the end when the table was empty); `indexing` is told when that index work starts.
    public func bulkLoad<T>(_ load: () async throws -> T, indexing: () -> Void) async throws -> T {
        try await store.bulkLoad(load, indexing: indexing)
    }

    /// Background upkeep of the store while a long import runs (until cancelled).
    public func runMaintenance() async {
        await store.runMaintenance()
    }

    /// Makes everything imported durable in the main files, so the next server start does not
    /// inherit the import's write-ahead work.
    public func finishImport() async throws {
        try await store.checkpointAll()
        let changes = changed.withLock { changes in
            defer { changes = [] }
            return changes
        }
        // Nodes serving a shared store re-read what the import changed.
        if changes.contains(.items) { await store.publish(.items([])) }
        if changes.contains(.faqs) { await store.publish(.faqs) }
        if changes.contains(.images) { await store.publish(.images([])) }
    }

    /// Trains the recommendation models on everything in the folder and saves the snapshot
    /// where `aisle serve` loads it (`models/snapshot.aisle`).
    public func train(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> TrainingReport {
        try await EngineSetup.recommender(configuration: configuration, store: store).train(progress: progress)
    }

    /// Writes every stored event that names an item, oldest first, one JSON object per line
    /// (the history shape without event ids), through `write`. With `pseudonymize`, user,
    /// device and session ids are replaced by keyed pseudonyms (`PersonalDataSeal.pseudonym`):
    /// a file for analysts that still tells shoppers apart but does not name them. Returns the
    /// events written.
    public func exportEvents(
        pseudonymize: Bool,
        progress: @Sendable (Int) -> Void = { _ in },
        write: (Data) throws -> Void
    ) async throws -> Int {
        let seal = pseudonymize ? try sealer(makingKey: false) : nil
        let encoder = Wire.encoder()
        var after: Int64 = 0
        var written = 0
        while true {
            let page = try await store.interactionEvents(after: after, limit: 10_000)
            var chunk = Data()
            for event in page {
                var body = EventBody(
                    type: event.type.rawValue,
                    userID: event.userID?.rawValue,
                    deviceID: event.deviceID?.rawValue,
                    itemID: event.itemID.rawValue,
                    value: event.value,
                    sessionID: event.sessionID?.rawValue,
                    device: event.platform.map { DeviceBody(platform: $0.rawValue) },
                    timestamp: TimestampBody(event.timestamp)
                )
                if let seal {
                    body.userID = body.userID.map { seal.pseudonym($0, kind: "user") }
                    body.deviceID = body.deviceID.map { seal.pseudonym($0, kind: "device") }
                    body.sessionID = body.sessionID.map { seal.pseudonym($0, kind: "session") }
                }
                chunk += try encoder.encode(body)
                chunk.append(UInt8(ascii: "\n"))
            }
            try write(chunk)
            written += page.count
            progress(written)
            guard page.count == 10_000, let last = page.last else { break }
            after = last.sequence
        }
        return written
    }

    /// Seals every profile's personal attributes under a new data key and makes it the key.
    /// The new key is written first beside the old one (`data.key.next`), so a rotation that
    /// stops half way is finished by running it again; the old file is replaced last. Needs a
    /// key file (with `AISLE_DATA_KEY` set there is no file to rotate). Returns the profiles
    /// re-sealed.
    public func rotateDataKey(progress: @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        if configuration.privacy.dataKey != nil {
            throw EngineSetup.Failure(
                option: "AISLE_DATA_KEY",
                message: "the data key comes from the environment; unset it to rotate the key file, or re-seal by hand"
            )
        }
        let path = PersonalDataSeal.keyFile(for: configuration)
        guard let old = try PersonalDataSeal.readKey(at: path) else {
            throw EngineSetup.Failure(option: "--data-key-file", message: "no data key at \(path): nothing to rotate")
        }
        let nextPath = path + ".next"
        let next = try PersonalDataSeal.readKey(at: nextPath) ?? PersonalDataSeal.writeNewKey(at: nextPath)
        let sealer = PersonalDataSeal(
            key: next,
            olderKeys: [old],
            personalAttributes: configuration.privacy.personalAttributes
        )
        var cursor: UserID?
        var resealed = 0
        while true {
            let page = try await store.users(after: cursor, limit: 1_000)
            let sealed = page.filter(PersonalDataSeal.holdsSealed)
            if !sealed.isEmpty {
                _ = try await store.putUsers(try sealed.map { try sealer.seal(sealer.openEvery($0)) }, at: .now())
                resealed += sealed.count
                progress(resealed)
            }
            guard page.count == 1_000, let last = page.last else { break }
            cursor = last.id
        }
        // Nodes sharing the store check their key against this fingerprint at start.
        if store.isShared {
            try await store.setAPIKeyHash(
                PersonalDataSeal.fingerprint(next),
                scope: PersonalDataSeal.fingerprintScope,
                at: .now()
            )
        }
        // rename(2): atomic, so the key file is the old key or the new one, never neither.
        guard rename(nextPath, path) == 0 else {
            throw EngineSetup.Failure(
                option: "--data-key-file",
                message: "cannot replace \(path) with \(nextPath): \(String(cString: strerror(errno)))"
            )
        }
        return resealed
    }

    /// Copies this folder's embedded store into the empty shared database at `url`
    /// (`aisle migrate`), then checks the counts on both sides. The folder's data key stays the
    /// key: the database records its fingerprint, and every node must be given the key.
    public func migrate(
        to url: String,
        maximumConnections: Int,
        progress: (String) -> Void
    ) async throws -> StoreMigration.Report {
        guard let source = store as? any MigrationSource else {
            throw StoreMigration.Failure(description: "the source must be a data folder's embedded store")
        }
        var target = configuration
        target.store.url = url
        target.store.maximumConnections = maximumConnections
        target.store.requestTimeout = max(target.store.requestTimeout, Self.offlineStatementTimeout)
        let opened = try await EngineSetup.store(configuration: target, report: progress)
        guard let destination = opened as? any MigrationDestination else {
            throw StoreMigration.Failure(description: "the destination must be a PostgreSQL database (postgres://…)")
        }
        var report = try await StoreMigration.copy(from: source, to: destination, progress: progress)
        // The photos' originals: files in this folder, rows in the shared store.
        if let originals = destination as? any ImageOriginalStore {
            var cursor: ItemID?
            var copied = Set<String>()
            repeat {
                let page = try await destination.itemImages(after: cursor, limit: 1_000)
                for image in page where !copied.contains(image.sha256) {
                    guard let bytes = FileManager.default.contents(atPath: images.originalPath(image.sha256)) else {
                        progress("migrate: the original of item \(image.itemID)'s photo is missing from the folder")
                        continue
                    }
                    try await originals.putImageOriginal(Array(bytes), sha256: image.sha256)
                    copied.insert(image.sha256)
                }
                cursor = page.count == 1_000 ? page.last?.itemID : nil
            } while cursor != nil
            report.imageOriginals = copied.count
            progress("migrate: \(copied.count) photo originals")
        }
        let keyFile = PersonalDataSeal.keyFile(for: configuration)
        if configuration.privacy.dataKey != nil || FileManager.default.fileExists(atPath: keyFile) {
            let key = try PersonalDataSeal.key(for: configuration, making: false)
            try await EngineSetup.checkSharedDataKey(key, store: destination)
        }
        return report
    }

    /// The folder's seal: the configured key or key file; a new key file only for
    /// `makingKey` (an import of the first profiles), never for an export or a rotation.
    private func sealer(makingKey: Bool) throws -> PersonalDataSeal {
        let key = try PersonalDataSeal.key(for: configuration, making: makingKey)
        return PersonalDataSeal(key: key, personalAttributes: configuration.privacy.personalAttributes)
    }

    /// Where `train` saves the snapshot.
    public var snapshotPath: String { EngineSetup.snapshotPath(configuration) }
}
