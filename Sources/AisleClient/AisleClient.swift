import AisleCore
public import Foundation

#if canImport(UIKit)
    import UIKit
#endif

/// Aisle from an app: events queued on disk and uploaded in the background, the shopper's feed,
/// similar items and search one call away.
///
/// ```swift
/// let aisle = try AisleClient(
///     baseURL: URL(string: "https://aisle.example.com")!, apiKey: ingestKey,
///     deviceID: deviceID, storageDirectory: supportFolder)
/// try await aisle.track(type: "view", itemID: "sku-1001")
/// let feed = try await aisle.recommendations(limit: 20)
/// ```
///
/// - `track` writes the event to the queue file and returns: it never waits for the network,
///   and an event tracked is sent exactly once, across app restarts and lost answers (each
///   event carries a UUID `event_id`, which the server stores once).
/// - Uploads run in the background: after `ClientOptions.flushAt` events, every
///   `flushInterval`, when the app moves to the background (iOS), and on `flush()`.
/// - Everything runs off the main actor; the client is safe to share between tasks.
/// - Call `close()` when done with it (tests, command-line tools): it stops the background
///   uploads. An app keeps one client for its lifetime.
public final class AisleClient: Sendable {
    /// The id this install sends as `device_id`.
    public let deviceID: String
    private let options: ClientOptions
    private let queue: EventQueue
    private let uploader: Uploader
    private let transport: Transport
    private let storage: URL
    private let identity: Locked<SignedIn?>
    private let lastFeed: Locked<StoredFeed?>
    private let wake: AsyncStream<Void>.Continuation
    private let background: Locked<[Task<Void, Never>]>

    private struct SignedIn: Codable, Sendable {
        var userID: String
        var token: String?
        /// The user's choice to have their events stored (`setConsent`); nil: not set here.
        var tracking: Bool?
    }

    /// The last feed, with what the server needs to say it has not changed.
    private struct StoredFeed: Codable, Sendable {
        var feed: CachedFeed
        /// The request it answered (path and limit) and the answer's `ETag`.
        var request: String
        var entityTag: String?
    }

    /// A client that keeps its queue, the signed-in user and the last feed in
    /// `storageDirectory` (created if missing; give each client its own).
    ///
    /// Throws `ClientError.invalid` for an empty key or device id, `storage` when the folder
    /// cannot be used. A damaged queue file is not an error: it is moved aside and reported
    /// through `options.log`.
    public init(
        baseURL: URL,
        apiKey: String,
        deviceID: String,
        storageDirectory: URL,
        options: ClientOptions = ClientOptions()
    ) throws {
        guard !apiKey.isEmpty else { throw ClientError.invalid("the API key is empty") }
        guard options.maxQueuedEvents >= 1, options.maxQueueBytes >= 64 * 1024 else {
            throw ClientError.invalid("the queue needs room for at least 1 event and 64 KiB")
        }
        guard options.flushAt >= 1, options.maxBatchEvents >= 1, options.maxBatchBytes >= 1 else {
            throw ClientError.invalid("flushAt, maxBatchEvents and maxBatchBytes must be at least 1")
        }
        do {
            try DeviceID.validate(deviceID, field: "device_id")
        } catch {
            throw ClientError.invalid(error.message)
        }
        self.deviceID = deviceID
        self.options = options
        storage = storageDirectory
        queue = try EventQueue(
            directory: storageDirectory.appendingPathComponent("queue"),
            limits: .init(maxRecords: options.maxQueuedEvents, maxBytes: options.maxQueueBytes)
        )
        transport = Transport(baseURL: baseURL, apiKey: apiKey, timeout: options.requestTimeout)
        uploader = Uploader(queue: queue, transport: transport, options: options)
        identity = Locked(Self.load(SignedIn.self, from: storageDirectory.appendingPathComponent("identity.json")))
        lastFeed = Locked(Self.load(StoredFeed.self, from: storageDirectory.appendingPathComponent("feed.json")))
        let (signals, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        background = Locked([])
        if let aside = queue.recovery.quarantined {
            options.log(
                "aisle: the event queue was damaged; kept \(queue.counts.records) events, lost about \(queue.recovery.recordsLostToDamage), moved the file to \(aside)"
            )
        }
        startBackgroundUploads(signals)
    }

    /// A client with its folder in the app's Application Support directory
    /// (`AisleClient/`) and a device id made on first use and kept there.
    public convenience init(baseURL: URL, apiKey: String, options: ClientOptions = ClientOptions()) throws {
        guard let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask).first
        else { throw ClientError.storage("no Application Support directory") }
        let folder = support.appendingPathComponent("AisleClient")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("device-id")
        var deviceID = (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if deviceID?.isEmpty ?? true {
            let made = UUID().uuidString.lowercased()
            try Data(made.utf8).write(to: file, options: .atomic)
            deviceID = made
        }
        try self.init(
            baseURL: baseURL,
            apiKey: apiKey,
            deviceID: deviceID ?? UUID().uuidString,
            storageDirectory: folder,
            options: options
        )
    }

    deinit {
        wake.finish()
        background.withLock { tasks in tasks.forEach { $0.cancel() } }
    }

    // MARK: - Events

    /// Queues an event; returns once it is on disk. `properties` go in the event's `context`,
    /// except `query` (the search text, required for `search` events) and `value` (a number:
    /// a quantity, a rating), which are the event's own fields.
    ///
    /// Throws `invalid` for an event the server would refuse (an unknown type, a missing item
    /// id, a rating out of range: the message says which), `storage` when the disk refuses
    /// the write. Never throws for the network.
    public func track(type: String, itemID: String?, properties: [String: String] = [:]) async throws {
        // The signed-in shopper turned tracking off: nothing is queued (the server would not
        // store it either).
        if identity.withLock({ $0?.tracking }) == false { return }
        var context = properties
        let query = context.removeValue(forKey: "query")
        var value: Double?
        if let text = context.removeValue(forKey: "value") {
            guard let number = Double(text), number.isFinite else {
                throw ClientError.invalid("value must be a number, got \"\(text.prefix(32))\"")
            }
            value = number
        }
        let signedIn = identity.withLock { $0 }
        let body = EventBody(
            eventID: UUID().uuidString.lowercased(),
            type: type,
            userID: signedIn?.userID,
            deviceID: deviceID,
            itemID: itemID,
            value: value,
            query: query,
            device: DeviceBody(platform: options.platform, appVersion: options.appVersion),
            timestamp: TimestampBody(.now()),
            context: context.isEmpty ? nil : context.mapValues { .string($0) }
        )
        do {
            _ = try body.validated(now: .now())
        } catch {
            throw ClientError.invalid((error.field.map { "\($0): " } ?? "") + error.message)
        }
        try queue.append(QueueRecord(kind: .event, payload: Array(try Wire.encoder().encode(body))))
        if queue.counts.records >= options.flushAt { wake.yield() }
    }

    /// Signs the shopper in on this device: from now on events carry `userID`, the feed is
    /// theirs, and the server links the device (its anonymous history becomes theirs). The
    /// link is queued in its place among the events, so events tracked before this call stay
    /// anonymous and those after it are the user's, even offline.
    ///
    /// `token` is the user token your backend gets from Aisle at sign-in (needed when the
    /// server runs with `--user-tokens required`, and for `explain` on the feed).
    public func identify(userID: String, token: String? = nil) async throws {
        do {
            try UserID.validate(userID, field: "user_id")
        } catch {
            throw ClientError.invalid(error.message)
        }
        let call = IdentifyCall(deviceID: deviceID, userID: userID, token: token)
        try queue.append(QueueRecord(kind: .identify, payload: Array(try JSONEncoder().encode(call))))
        let signedIn = SignedIn(userID: userID, token: token, tracking: nil)
        identity.withLock { $0 = signedIn }
        Self.save(signedIn, to: storage.appendingPathComponent("identity.json"))
        wake.yield()
    }

    /// Sets what the signed-in shopper agreed to (docs/API.md, "Consent"): `personalization`
    /// (a feed and search ranking of their own) and `tracking` (their events stored); nil keeps
    /// a setting. Sent at once, not queued: throws `offline` or the server's error, and then
    /// nothing changed. With tracking off, `track` queues nothing until it is turned on again.
    public func setConsent(personalization: Bool? = nil, tracking: Bool? = nil) async throws {
        guard var signedIn = identity.withLock({ $0 }) else {
            throw ClientError.invalid("consent is a user's: call identify(userID:) first")
        }
        guard personalization != nil || tracking != nil else {
            throw ClientError.invalid("give personalization, tracking or both")
        }
        var fields: [String: Bool] = [:]
        fields["personalization"] = personalization
        fields["tracking"] = tracking
        let response = try await transport.send(
            "PUT",
            Transport.path("v1", "users", signedIn.userID, "consent"),
            body: try JSONEncoder().encode(fields),
            headers: signedIn.token.map { ["X-Aisle-User-Token": $0] } ?? [:]
        )
        guard (200..<300).contains(response.status) else { throw response.error }
        signedIn.tracking = tracking ?? signedIn.tracking
        let saved = signedIn
        // Only if the same shopper is still signed in: a sign-out or another identify while
        // the request was out must not be undone.
        let current = identity.withLock { identity -> Bool in
            guard identity?.userID == saved.userID else { return false }
            identity = saved
            return true
        }
        if current { Self.save(saved, to: storage.appendingPathComponent("identity.json")) }
    }

    /// Forgets the signed-in user on this device: later events are anonymous again.
    public func signOut() {
        identity.withLock { $0 = nil }
        try? FileManager.default.removeItem(at: storage.appendingPathComponent("identity.json"))
        lastFeed.withLock { $0 = nil }
        try? FileManager.default.removeItem(at: storage.appendingPathComponent("feed.json"))
    }

    /// Sends every queued event now and returns when the queue is empty. Throws what stopped
    /// it (`offline`, `server`); the events stay queued and the background retries them.
    public func flush() async throws {
        queue.sync()
        try await uploader.drain(force: true)
    }

    /// The queue now.
    public func queueStatus() async -> QueueStatus {
        let counts = queue.counts
        return QueueStatus(
            pending: counts.records,
            pendingBytes: counts.bytes,
            dropped: counts.dropped,
            rejected: await uploader.rejected,
            backingOffUntil: await uploader.backoffUntil,
            sentEvents: await uploader.sentEvents,
            sentBytes: await uploader.sentBytes
        )
    }

    /// Stops the background uploads (the queue stays on disk for the next client).
    public func close() async {
        wake.finish()
        let tasks = background.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        queue.sync()
    }

    // MARK: - Reads

    /// The shopper's feed: the signed-in user's (with their token), else this device's. The
    /// answer is kept (`cachedFeed`) to show while offline; asked again, the server answers
    /// `304 Not Modified` when it has not changed, and the kept one is returned.
    public func recommendations(limit: Int) async throws -> [Recommendation] {
        let signedIn = identity.withLock { $0 }
        let path =
            signedIn.map { Transport.path("v1", "users", $0.userID, "recommendations") }
            ?? Transport.path("v1", "devices", deviceID, "recommendations")
        let request = "\(path)?limit=\(limit)"
        let stored = lastFeed.withLock { $0 }
        var headers = signedIn?.token.map { ["X-Aisle-User-Token": $0] } ?? [:]
        if let stored, stored.request == request, let tag = stored.entityTag { headers["If-None-Match"] = tag }
        let response = try await transport.send(
            "GET",
            path,
            query: [URLQueryItem(name: "limit", value: String(limit))],
            headers: headers
        )
        var fresh: StoredFeed
        switch response.status {
        case 304:
            guard var unchanged = stored else {
                throw ClientError.server(status: 304, code: nil, message: "nothing cached")
            }
            unchanged.feed.fetchedAt = Date()
            fresh = unchanged
        case 200..<300:
            let body: RecommendationListBody
            do {
                body = try JSONDecoder().decode(RecommendationListBody.self, from: response.body)
            } catch {
                throw ClientError.server(
                    status: response.status,
                    code: nil,
                    message: "an answer this client cannot read: \(error)"
                )
            }
            fresh = StoredFeed(
                feed: CachedFeed(items: body.data.map(Recommendation.init), fetchedAt: Date()),
                request: request,
                entityTag: response.headers["etag"]
            )
        default:
            throw response.error
        }
        lastFeed.withLock { $0 = fresh }
        Self.save(fresh, to: storage.appendingPathComponent("feed.json"))
        return fresh.feed.items
    }

    /// The last feed `recommendations` got, with its age; nil before the first.
    public var cachedFeed: CachedFeed? { lastFeed.withLock { $0?.feed } }

    /// Items similar to `itemID` (a product page).
    public func similar(to itemID: String, limit: Int) async throws -> [Recommendation] {
        let body = try await transport.get(
            Transport.path("v1", "items", itemID, "similar"),
            query: [URLQueryItem(name: "limit", value: String(limit))],
            as: RecommendationListBody.self
        )
        return body.data.map(Recommendation.init)
    }

    /// Searches the catalog, re-ranked for the shopper. `cursor` is the last page's
    /// `nextCursor`.
    public func search(_ query: String, limit: Int, cursor: String? = nil) async throws -> SearchPage {
        let signedIn = identity.withLock { $0 }
        var parameters = [URLQueryItem(name: "q", value: query), URLQueryItem(name: "limit", value: String(limit))]
        if let signedIn {
            parameters.append(URLQueryItem(name: "user_id", value: signedIn.userID))
        } else {
            parameters.append(URLQueryItem(name: "device_id", value: deviceID))
        }
        if let cursor { parameters.append(URLQueryItem(name: "cursor", value: cursor)) }
        let body = try await transport.get(
            "/v1/search",
            query: parameters,
            headers: signedIn?.token.map { ["X-Aisle-User-Token": $0] } ?? [:],
            as: SearchResultsBody.self
        )
        return SearchPage(
            hits: body.data.map { SearchPage.Hit(itemID: $0.itemID, score: $0.score) },
            total: body.total,
            corrections: body.corrections,
            nextCursor: body.nextCursor
        )
    }

    /// Searches the catalog, re-ranked for the shopper: the first page.
    public func search(_ query: String, limit: Int) async throws -> SearchPage {
        try await search(query, limit: limit, cursor: nil)
    }

    // MARK: - Background

    /// Uploads when woken (by `track` past `flushAt`, by the timer, by the app moving to the
    /// background), one at a time, waiting out backoffs.
    private func startBackgroundUploads(_ signals: AsyncStream<Void>) {
        let uploader = uploader
        let wake = wake
        let interval = options.flushInterval
        let queue = queue
        let loop = Task.detached(priority: .utility) {
            for await _ in signals {
                if let until = await uploader.backoffUntil, until > Date() {
                    try? await Task.sleep(for: .seconds(until.timeIntervalSinceNow))
                }
                guard !Task.isCancelled else { return }
                if queue.counts.records > 0 { try? await uploader.drain(force: false) }
            }
        }
        let timer = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        background.withLock { $0 = [loop, timer] }
        #if canImport(UIKit) && !os(watchOS)
            let observer = Task { @MainActor in
                for await _ in NotificationCenter.default.notifications(
                    named: UIApplication.didEnterBackgroundNotification
                ) {
                    queue.sync()
                    wake.yield()
                }
            }
            background.withLock { $0.append(observer) }
        #endif
        if queue.counts.records > 0 { wake.yield() }
    }

    private static func load<T: Decodable>(_ type: T.Type, from url: URL) -> T? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    private static func save<T: Encodable>(_ value: T, to url: URL) {
        guard let data = try? JSONEncoder().encode(value) else { return }
        try? data.write(to: url, options: .atomic)
    }
}

extension Recommendation {
    init(_ body: RecommendationBody) {
        self.init(itemID: body.itemID, score: body.score, reason: body.reason?.type)
    }
}
