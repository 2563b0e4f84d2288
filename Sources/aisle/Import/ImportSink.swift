import AisleCore
import AisleEngine
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where imported rows go: the store in a data folder, or a running server over HTTP.
protocol ImportSink: Sendable {
    /// Stores `events`; `result[i]` tells what happened to `events[i]`.
    func write(events: [Event]) async throws -> SinkOutcome
    func write(items: [Item]) async throws -> SinkOutcome
    func write(users: [User]) async throws -> SinkOutcome
    /// Analyses (in a folder) and stores reviews; reviews of unknown items come back rejected.
    func write(reviews: [ReviewSubmission]) async throws -> SinkOutcome
    func close() async throws
    /// Background upkeep of the destination while the import runs (until cancelled).
    func runMaintenance() async
    func bulkLoad<T>(_ load: () async throws -> T) async throws -> T
}

extension ImportSink {
    func runMaintenance() async {}

    /// Lets the destination prepare for a large load (SQLite: indexes built at the end).
    func bulkLoad<T>(_ load: () async throws -> T) async throws -> T {
        try await load()
    }
}

struct SinkOutcome: Sendable {
    var stored = 0
    var duplicates = 0
    /// Events not stored because their user turned tracking off (consent).
    var notTracked = 0
    var unknownItems = 0
    /// Rows the destination refused, by position in the written batch.
    var rejected: [(index: Int, error: AisleError)] = []
}

/// Writes straight into a data folder (the fast path; no server may run on it).
struct FolderSink: ImportSink {
    let folder: DataFolder

    func write(reviews: [ReviewSubmission]) async throws -> SinkOutcome {
        let written = try await folder.importReviews(reviews)
        return SinkOutcome(
            stored: written.stored.count,
            unknownItems: written.rejected.count,
            rejected: written.rejected.map { ($0.index, $0.error) }
        )
    }

    func write(events: [Event]) async throws -> SinkOutcome {
        let outcome = try await folder.importEvents(events)
        return SinkOutcome(
            stored: outcome.accepted,
            duplicates: outcome.duplicates,
            notTracked: outcome.notTracked,
            unknownItems: outcome.unknownItems
        )
    }

    func write(items: [Item]) async throws -> SinkOutcome {
        SinkOutcome(stored: try await folder.importItems(items))
    }

    func write(users: [User]) async throws -> SinkOutcome {
        SinkOutcome(stored: try await folder.importUsers(users))
    }

    func close() async throws {
        try await folder.finishImport()
    }

    func runMaintenance() async {
        await folder.runMaintenance()
    }

    func bulkLoad<T>(_ load: () async throws -> T) async throws -> T {
        try await folder.bulkLoad(load) {
            Console.error(
                "import: building the event indexes (the table was empty, so they are built once, at the end)"
            )
        }
    }
}

/// Posts batches to a running server with the admin key.
struct HTTPSink: ImportSink {
    let baseURL: String
    let key: String
    let client: HTTPClient

    init(baseURL: String, key: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.key = key
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func write(events: [Event]) async throws -> SinkOutcome {
        let rows = events.map { event in
            EventBody(StoredEvent(sequence: 0, event: event, receivedAt: event.timestamp)).withoutReceivedAt()
        }
        let result: IngestResultBody = try await post("/v1/events", ["events": rows])
        return SinkOutcome(
            stored: result.accepted,
            duplicates: result.duplicates,
            notTracked: result.notTracked?.count ?? 0,
            unknownItems: result.unknownItems,
            rejected: result.errors.map(\.indexed)
        )
    }

    func write(items: [Item]) async throws -> SinkOutcome {
        let result: BatchResultBody = try await post(
            "/v1/items:batch",
            ["items": items.map(ItemBody.init).map(\.withoutServerTimes)]
        )
        return SinkOutcome(stored: result.upserted, rejected: result.errors.map(\.indexed))
    }

    func write(users: [User]) async throws -> SinkOutcome {
        let bodies = users.map { UserBody(id: $0.id.rawValue, attributes: $0.attributes) }
        let result: BatchResultBody = try await post("/v1/users:batch", ["users": bodies])
        return SinkOutcome(stored: result.upserted, rejected: result.errors.map(\.indexed))
    }

    func write(reviews: [ReviewSubmission]) async throws -> SinkOutcome {
        let bodies = reviews.map { review in
            ReviewBody(
                id: review.id.rawValue,
                itemID: review.itemID.rawValue,
                userID: review.userID?.rawValue,
                rating: review.rating,
                text: review.text,
                language: review.language?.rawValue,
                createdAt: review.createdAt.map(TimestampBody.init)
            )
        }
        let result: BatchResultBody = try await post("/v1/reviews:batch", ["reviews": bodies])
        let rejected = result.errors.map(\.indexed)
        return SinkOutcome(
            stored: result.upserted,
            unknownItems: rejected.count { $0.error.code == .notFound },
            rejected: rejected
        )
    }

    func close() async throws {
        try await client.shutdown()
    }

    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try Wire.encoder().encode(body)))
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let data = Data(bytes.readableBytesView)
        guard response.status.code == 200 else {
            let detail =
                (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error.message
                ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw ImportFailure("the server answered \(response.status.code) to POST \(path): \(detail)")
        }
        return try JSONDecoder().decode(Answer.self, from: data)
    }
}

extension RowError {
    /// The row's position in its batch and the error, as the server reported them.
    fileprivate var indexed: (index: Int, error: AisleError) {
        (index, AisleError(code: code, message: message, field: field))
    }
}

extension EventBody {
    fileprivate func withoutReceivedAt() -> EventBody {
        var copy = self
        copy.receivedAt = nil
        return copy
    }
}

extension ItemBody {
    fileprivate var withoutServerTimes: ItemBody {
        var copy = self
        copy.updatedAt = nil
        return copy
    }
}
