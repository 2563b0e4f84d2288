public import AisleCore
public import AisleMath
public import AisleStore
import Foundation
import Synchronization

/// The recommender as the server runs it: holds the current snapshot, trains new ones off the
/// request path and swaps them in atomically, saves them in the data folder, and answers requests
/// by reading the shopper's latest events from the store and asking a `RecommendationEngine`.
public final class RecommendationService: Sendable {
    /// Settings.
    public struct Settings: Sendable {
        /// Trainer settings (threads, model sizes).
        public var trainer: SnapshotTrainer.Settings
        /// Event weights.
        public var weights = EventWeights()
        /// Where the snapshot file lives (`<data>/models/snapshot.aisle`); nil keeps it in memory only.
        public var snapshotPath: String?
        /// Most recent events read per shopper at request time.
        public var historyLength = 500
        /// Events read per store page while training.
        public var trainingPageSize = 50_000

        /// Settings with `parallelism` workers.
        public init(parallelism: Parallelism, snapshotPath: String?) {
            trainer = SnapshotTrainer.Settings(parallelism: parallelism)
            self.snapshotPath = snapshotPath
        }
    }

    /// Whose list is asked for (`AisleCore.Shopper`).
    public typealias Shopper = AisleCore.Shopper

    private let store: any Store
    private let settings: Settings
    private let current: Mutex<RecommendationSnapshot>
    private let training = Mutex(false)
    /// The running training's latest step ("als: 0.41 s", "read 2000000 events"); nil when
    /// none runs: what `GET /v1/models` shows as progress.
    private let step = Mutex<String?>(nil)
    /// Catalog changes since the current snapshot's data was read.
    public let live = LiveCatalog()
    /// Events per item since the current snapshot's data was read (the answer before a model).
    public let popularity = LivePopularity()

    /// A service over `store`, serving `initial` until the first training.
    public init(store: any Store, settings: Settings, initial: RecommendationSnapshot) {
        self.store = store
        self.settings = settings
        current = Mutex(initial)
    }

    /// The snapshot requests are answered from now.
    public var snapshot: RecommendationSnapshot { current.withLock { $0 } }

    /// Loads the saved snapshot, if there is a readable one: from a shared store (several
    /// nodes: the trainer's latest, unless this node holds a newer one), else from the data
    /// folder. Returns whether it did.
    public func loadSaved() async -> Bool {
        if store.isShared {
            guard let bytes = try? await store.savedModel(),
                let snapshot = try? SnapshotArchive.decode(Data(bytes), source: "the shared store's snapshot")
            else { return false }
            return current.withLock { held in
                guard held.report.events == 0 || snapshot.trainedAt >= held.trainedAt else { return false }
                held = snapshot
                return true
            }
        }
        guard let path = settings.snapshotPath, let snapshot = try? SnapshotArchive.load(from: path) else {
            return false
        }
        current.withLock { $0 = snapshot }
        return true
    }

    /// Trains a new snapshot from the store and swaps it in. Runs the numeric work on a plain
    /// thread, not the request executor, so serving keeps its threads. Throws `conflict` when a
    /// training is already running, here or (a shared store) on another node, whose model
    /// reaches this node when it is saved.
    public func train(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> TrainingReport {
        guard store.isShared else { return try await trainHere(progress: progress) }
        guard let report = try await store.asTrainer({ try await self.trainHere(progress: progress) }) else {
            throw AisleError(
                code: .conflict,
                message: "another node is training; the model it saves reaches this node when it is done"
            )
        }
        return report
    }

    private func trainHere(progress: @escaping @Sendable (String) -> Void) async throws -> TrainingReport {
        let started = training.withLock { running -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard started else { throw AisleError(code: .conflict, message: "a training is already running") }
        step.withLock { $0 = "reading the catalog and the event log" }
        defer {
            step.withLock { $0 = nil }
            training.withLock { $0 = false }
        }
        let noting: @Sendable (String) -> Void = { [self] line in
            step.withLock { $0 = line }
            progress(line)
        }
        let readStart = Timestamp.now()
        var input = TrainingInput(weights: settings.weights)
        var userCursor: UserID?
        while true {
            let page = try await store.users(after: userCursor, limit: 10_000)
            input.add(users: page)
            guard page.count == 10_000, let last = page.last else { break }
            userCursor = last.id
        }
        var cursor: ItemID?
        while true {
            let page = try await store.items(after: cursor, limit: 10_000)
            input.add(page)
            guard page.count == 10_000, let last = page.last else { break }
            cursor = last.id
        }
        input.add(reviews: try await store.reviewSentiment())
        var after: Int64 = 0
        while true {
            let page = try await store.interactionEvents(after: after, limit: settings.trainingPageSize)
            guard let last = page.last else { break }
            input.add(page)
            after = last.sequence
            if input.eventsRead % 1_000_000 < settings.trainingPageSize { noting("read \(input.eventsRead) events") }
            try Task.checkCancellation()
        }
        let trainer = SnapshotTrainer(settings: settings.trainer)
        let finished = input
        // Cancelling the caller (the schedule's service at shutdown) stops the training thread
        // at its next stage; the model in use stays.
        let stop = StopFlag()
        let snapshot = try await withTaskCancellationHandler {
            try await Self.onTrainingThread {
                try trainer.train(finished, at: .now(), progress: noting, shouldStop: { stop.isSet })
            }
        } onCancel: {
            stop.set()
        }
        if let path = settings.snapshotPath {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try SnapshotArchive.save(snapshot, to: path)
        }
        if store.isShared {
            // Every node loads it when told (`StoreChange.model`), or at its start.
            try await store.saveModel([UInt8](try SnapshotArchive.encode(snapshot)), at: .now())
            await store.publish(.model)
        }
        current.withLock { $0 = snapshot }
        live.prune(before: readStart)
        // Events that arrived while training are lost to the count; the model has what it read,
        // and the count only matters until a model has interactions.
        if snapshot.report.interactions > 0 { popularity.reset() }
        return snapshot.report
    }

    /// Whether a training is running now.
    public var isTraining: Bool { training.withLock { $0 } }
    /// The running training's latest step, nil when none runs.
    public var trainingStep: String? { step.withLock { $0 } }

    /// The personal feed of `shopper`; `query.events` is filled from the store here.
    public func feed(for shopper: Shopper, query: FeedQuery) async throws -> RecommendationPage {
        engine().feed(try await shopperQuery(for: shopper, query: query))
    }

    /// `query` with the shopper's events from the store, and a user's stored locale when the
    /// query names none and there is no history to go by.
    public func shopperQuery(for shopper: Shopper, query: FeedQuery) async throws -> FeedQuery {
        var query = query
        query.events = try await events(of: shopper)
        if query.locale == nil, case .user(let user) = shopper, query.events.isEmpty,
            case .string(let locale)? = try await store.user(user)?.attributes["locale"]
        {
            query.locale = locale
        }
        return query
    }

    /// The shopper's latest events, newest first.
    public func events(of shopper: Shopper) async throws -> [Event] {
        switch shopper {
        case .anonymous:
            return []
        case .user(let user):
            return try await store.history(of: user, types: [], after: nil, limit: settings.historyLength).map(\.event)
        case .device(let device):
            if let user = try await store.linkedUser(of: device) {
                return try await events(of: .user(user))
            }
            return try await store.anonymousHistory(of: device, limit: settings.historyLength).map(\.event)
        }
    }

    /// Records upserted items: they take effect on the next request. Items whose recommender
    /// facts are unchanged from the snapshot are not recorded.
    public func itemsUpserted(_ items: [Item], at time: Timestamp) {
        let snapshot = snapshot
        live.upserted(items, at: time) { id in snapshot.catalog.index(of: id).map { snapshot.facts[Int($0)] } }
    }

    /// Records a deleted item: it disappears from the next answer.
    public func itemDeleted(_ id: ItemID, at time: Timestamp) {
        live.deleted(id, at: time)
    }

    /// Whether lists are still answered from live counts: until a model learnt from an
    /// interaction. Ingest counts events only while this holds, so a trained server's hot path
    /// does no counting.
    public var servesLivePopularity: Bool { snapshot.report.interactions == 0 }

    /// Counts accepted events toward the live popularity (the answer before the first model).
    public func observe(_ events: [Event]) {
        guard servesLivePopularity else { return }
        popularity.record(events, weights: settings.weights)
    }

    /// An engine over the current snapshot and live changes, for one request.
    public func engine() -> RecommendationEngine {
        RecommendationEngine(
            snapshot: snapshot,
            live: live.view(),
            weights: settings.weights,
            popularity: popularity.view()
        )
    }

    /// Runs `work` on a new thread and resumes with its result.
    private static func onTrainingThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Retrains on a schedule until cancelled: every `every`, or once `afterEvents` new
    /// events arrived, whichever comes first (checked every `checkInterval`). Errors are reported
    /// to `log` and retried at the next check.
    ///
    /// A training started by new events waits, after the previous one, at least
    /// `eventTriggerRest` times as long as that one took: under heavy ingest the count is
    /// reached again before a training ends, and back-to-back trainings would take the cores
    /// from ingest (batch ingest fell from 48k to 31k events/s, docs/BENCHMARKS.md). Trainings
    /// then use at most about a fifth of the time.
    /// How many times the last training's duration an event-triggered one waits after it.
    public static let eventTriggerRest = 4

    /// New events that start the first training on a store with no trained model.
    public static let firstTrainingEvents = 100

    /// New events that start the next training: as many as the current model was trained on
    /// (at least `firstTrainingEvents`), at most `afterEvents`. A fresh server trains after its
    /// first 100 events, then at 200, 400 … until the configured count: early models come
    /// quickly while each training stays a small share of the time. With the event trigger
    /// off, only the first training is started by events.
    static func eventThreshold(afterEvents: Int?, trainedOnEvents: Int) -> Int? {
        guard let afterEvents else { return trainedOnEvents == 0 ? firstTrainingEvents : nil }
        return min(afterEvents, max(firstTrainingEvents, trainedOnEvents))
    }

    /// Whether `newEvents` since the last training start one now: `afterEvents` or more, and
    /// rested `eventTriggerRest` × `lastDuration` since the last one ended.
    static func dueByEvents(newEvents: Int64, afterEvents: Int, sinceLast: Duration, lastDuration: Duration) -> Bool {
        newEvents >= Int64(afterEvents) && sinceLast >= lastDuration * eventTriggerRest
    }

    public func runSchedule(
        every: Duration?,
        afterEvents: Int?,
        checkInterval: Duration = .seconds(15),
        log: @escaping @Sendable (String) -> Void
    ) async {
        var lastTraining = ContinuousClock.now
        var lastDuration = Duration.zero
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: checkInterval)
            } catch {
                return
            }
            // Since the model in use was trained, here or (a shared store) on another node.
            let sinceTrained = Duration.milliseconds(Timestamp.now().milliseconds(since: snapshot.trainedAt))
            let dueByTime = every.map { min(ContinuousClock.now - lastTraining, sinceTrained) >= $0 } ?? false
            var dueByEvents = false
            let threshold = Self.eventThreshold(afterEvents: afterEvents, trainedOnEvents: snapshot.report.events)
            if let threshold, let latest = try? await store.latestSequence() {
                dueByEvents = Self.dueByEvents(
                    newEvents: latest - snapshot.report.lastSequence,
                    afterEvents: threshold,
                    sinceLast: ContinuousClock.now - lastTraining,
                    lastDuration: lastDuration
                )
            }
            guard dueByTime || dueByEvents, !isTraining else { continue }
            let started = ContinuousClock.now
            do {
                let report = try await train { log($0) }
                log("training done: \(report.interactions) interactions, \(report.items) items; \(report.blendSource)")
            } catch let error as AisleError where error.code == .conflict {
                log("not training: \(error.message)")
            } catch {
                log("training failed: \(error)")
            }
            lastTraining = ContinuousClock.now
            lastDuration = lastTraining - started
        }
    }
}
