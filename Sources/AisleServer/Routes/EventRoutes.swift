import AisleCore
import AisleEngine
import Hummingbird

/// `/v1/events` and `/v1/identify`: what a mobile app may call with the ingest key.
struct EventRoutes {
    let engine: Engine
    let configuration: AisleConfiguration
    let metrics: ServerMetrics

    func register(on group: RouterGroup<AisleRequestContext>) {
        group.post("events", use: ingest)
        group.post("identify", use: identify)
    }

    @Sendable func ingest(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try EventsRequestBody.decode(
            try await request.bodyBytes(maxBytes: configuration.server.maxBodyBytes)
        )
        let now = Timestamp.now()
        let skew = configuration.ingest.maxFutureSkew
        let linking = Self.linking(for: context)
        switch body {
        case .single(let row):
            // One event: bad input is the request's error, answered with 400.
            let event = try row.validated(now: now, maxFutureSkew: skew)
            let outcome = try await engine.appendEvents([event], linking: linking, at: now)
            metrics.recordIngest(outcome, events: [event], rejected: 0)
            return JSONResponse.encoded(
                IngestResultBody(outcome, errors: [], positions: [0])
            )
        case .batch(let rows):
            let batch = try BatchValidation.rows(rows, field: "events", maxRows: configuration.ingest.maxBatchRows) {
                (row) throws(AisleError) in try row.validated(now: now, maxFutureSkew: skew)
            }
            let outcome = try await engine.appendEvents(batch.values, linking: linking, at: now)
            metrics.recordIngest(outcome, events: batch.values, rejected: batch.errors.count)
            return JSONResponse.encoded(
                IngestResultBody(outcome, errors: batch.errors, positions: batch.positions)
            )
        }
    }

    /// How events that carry both ids link their device, by the rules of identify: the admin
    /// key may move a device between users; the ingest key links only unclaimed devices, and
    /// when user tokens are required, only to the user of the request's token.
    static func linking(for context: AisleRequestContext) -> DeviceLinking {
        if context.isAdmin { return .moving }
        switch context.userTokenMode {
        case .optional: return .unclaimed(only: nil)
        case .required: return context.tokenUser.map { .unclaimed(only: $0) } ?? .none
        }
    }

    @Sendable func identify(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(IdentifyBody.self, maxBytes: configuration.server.maxBodyBytes)
        let (device, user) = try body.validated()
        // With required user tokens the ingest key links a device only to the token's user:
        // otherwise anyone holding the public key could claim any user's feed for a new device.
        _ = try context.mayReadPersonalData(of: user)
        let outcome = try await engine.identify(
            device: device,
            as: user,
            relinking: context.isAdmin ? .allow : .refuse
        )
        return JSONResponse.encoded(
            IdentifyResultBody(
                deviceID: device.rawValue,
                userID: user.rawValue,
                relinked: outcome.previousUser != nil,
                eventsAttributed: outcome.eventsAttributed
            )
        )
    }
}
