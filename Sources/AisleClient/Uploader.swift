import AisleCore
import Foundation

/// Sends the queue to the server, oldest first, one request at a time.
///
/// - Events go in batches (`POST /v1/events`); an identify call is sent on its own, in its
///   place between the events around it.
/// - A record is acknowledged (removed from the queue) once the server answered for it: stored,
///   a duplicate (its `event_id` was stored before: a retry after a lost answer), or rejected
///   as invalid (logged and dropped: it would fail forever).
/// - 413 or 400 for a whole batch splits it in halves until the bad row is alone, then drops
///   that row; the rest goes through.
/// - No network, 408, 429 and 5xx back off exponentially with jitter, honouring `Retry-After`;
///   401 and 403 (a wrong or revoked key) back off the longest. Nothing is dropped for them.
actor Uploader {
    private let queue: EventQueue
    private let transport: Transport
    private let options: ClientOptions
    /// The upload in progress: a second `drain` waits for it instead of sending beside it.
    private var running: Task<Void, any Error>?
    private var failures = 0
    private(set) var backoffUntil: Date?
    private(set) var rejected = 0
    /// Events the server answered for, and the request bytes it took to send them.
    private(set) var sentEvents = 0
    private(set) var sentBytes = 0

    init(queue: EventQueue, transport: Transport, options: ClientOptions) {
        self.queue = queue
        self.transport = transport
        self.options = options
    }

    /// Sends everything queued when it runs. Unless `force` (an explicit flush), it does
    /// nothing but throw `backingOff` while a backoff lasts.
    func drain(force: Bool) async throws {
        while let current = running {
            _ = try? await current.value
            if running == current { running = nil }
        }
        if !force, let until = backoffUntil, until > Date() { throw ClientError.backingOff(until: until) }
        let task = Task { try await self.sendAll() }
        running = task
        defer { if running == task { running = nil } }
        try await task.value
    }

    private func sendAll() async throws {
        var batchLimit = options.maxBatchEvents
        while true {
            let batch = try queue.peek(maxRecords: batchLimit, maxBytes: options.maxBatchBytes)
            guard let first = batch.records.first else {
                succeeded()
                return
            }
            if first.kind == .identify {
                try await sendIdentify(first)
                try queue.acknowledge(through: batch.ends[0])
                continue
            }
            let count = batch.records.prefix { $0.kind == .event }.count
            let response = try await post(events: batch.records.prefix(count))
            switch response.status {
            case 200..<300:
                // Only Aisle's own answer for every row acknowledges: a captive portal's or a
                // proxy's 200 page must not empty the queue.
                guard let result = try? JSONDecoder().decode(IngestResultBody.self, from: response.body),
                    result.accepted + result.duplicates + result.errors.count + (result.notTracked?.count ?? 0)
                        == count
                else {
                    throw backOff(
                        ClientError.offline("an answer that is not Aisle's (a captive portal?)"),
                        retryAfter: nil
                    )
                }
                report(result)
                try queue.acknowledge(through: batch.ends[count - 1])
                batchLimit = options.maxBatchEvents
                succeeded()
            case 400, 413,
                422 where Self.isAisleError(response):
                // The batch as a whole was refused: halve it until the row at fault is alone.
                if count > 1 {
                    batchLimit = max(1, count / 2)
                    continue
                }
                rejected += 1
                options.log("aisle: dropped an event the server refuses (\(response.error))")
                try queue.acknowledge(through: batch.ends[0])
            default:
                throw failed(response)
            }
        }
    }

    /// Whether an error answer is Aisle's own (`{"error":{"code",…}}`), not a proxy's page:
    /// only Aisle's refusals may drop events.
    static func isAisleError(_ response: Transport.Response) -> Bool {
        if case .server(_, let code?, _) = response.error { return !code.isEmpty }
        return false
    }

    private func post(events: ArraySlice<QueueRecord>) async throws -> Transport.Response {
        // The queued payloads are the events' JSON already: join them, no re-encoding.
        var body = Data(#"{"events":["#.utf8)
        for (index, record) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: record.payload)
        }
        body.append(contentsOf: Array("]}".utf8))
        var headers: [String: String] = [:]
        if transport.acceptsGzip, let compressed = Gzip.compress(Array(body)) {
            body = Data(compressed)
            headers["Content-Encoding"] = "gzip"
        }
        do {
            let response = try await transport.send("POST", "/v1/events", body: body, headers: headers)
            if (200..<300).contains(response.status) {
                sentEvents += events.count
                sentBytes += body.count
            }
            return response
        } catch {
            throw backOff(error, retryAfter: nil)
        }
    }

    private func sendIdentify(_ record: QueueRecord) async throws {
        let call: IdentifyCall
        do {
            call = try JSONDecoder().decode(IdentifyCall.self, from: Data(record.payload))
        } catch {
            options.log("aisle: dropped an unreadable identify record")
            return
        }
        let body = try Wire.encoder().encode(IdentifyBody(deviceID: call.deviceID, userID: call.userID))
        let response: Transport.Response
        do {
            response = try await transport.send(
                "POST",
                "/v1/identify",
                body: body,
                headers: call.token.map { ["X-Aisle-User-Token": $0] } ?? [:]
            )
        } catch {
            throw backOff(error, retryAfter: nil)
        }
        switch response.status {
        case 200..<300:
            guard (try? JSONDecoder().decode(IdentifyResultBody.self, from: response.body)) != nil else {
                throw backOff(ClientError.offline("an answer that is not Aisle's (a captive portal?)"), retryAfter: nil)
            }
            succeeded()
        case 400, 401, 403, 404, 413,
            422 where Self.isAisleError(response):
            // A refused link (an expired token, a device another user holds) never succeeds.
            rejected += 1
            options.log("aisle: identify refused by the server (\(response.error))")
        default:
            throw failed(response)
        }
    }

    private func report(_ result: IngestResultBody?) {
        guard let result, !result.errors.isEmpty else { return }
        rejected += result.errors.count
        for row in result.errors {
            options.log("aisle: the server rejected an event: \(row.field ?? "") \(row.message)")
        }
    }

    /// A retryable answer (or 401/403): back off and throw what the server said.
    private func failed(_ response: Transport.Response) -> ClientError {
        let keyProblem = response.status == 401 || response.status == 403
        return backOff(response.error, retryAfter: keyProblem ? options.maximumBackoff : response.retryAfter)
    }

    private func backOff(_ error: any Error, retryAfter: Duration?) -> ClientError {
        failures += 1
        let minimum = options.minimumBackoff.seconds
        let ceiling = min(options.maximumBackoff.seconds, minimum * pow(2, Double(min(failures - 1, 30))))
        // "Equal jitter": half the step fixed, half random, so clients that failed together
        // spread out but none retries at once.
        var delay = ceiling / 2 + Double.random(in: 0...(ceiling / 2))
        if let retryAfter { delay = max(delay, retryAfter.seconds) }
        backoffUntil = Date().addingTimeInterval(delay)
        return error as? ClientError ?? .offline("\(error)")
    }

    private func succeeded() {
        failures = 0
        backoffUntil = nil
    }
}

/// An identify call as queued.
struct IdentifyCall: Codable, Sendable {
    var deviceID: String
    var userID: String
    /// The user token the store's backend minted at sign-in.
    var token: String?
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
