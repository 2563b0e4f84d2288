import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// `/v1/users`: profiles, linked devices, merged history, erasure.
struct UserRoutes {
    let engine: Engine
    let configuration: AisleConfiguration
    let tokens: UserTokens

    func register(on group: RouterGroup<AisleRequestContext>) {
        group.put("users/{id}", use: put)
        group.post("users:batch", use: batch)
        group.get("users/{id}", use: get)
        group.delete("users/{id}", use: erase)
        group.get("users/{id}/devices", use: devices)
        group.get("users/{id}/history", use: history)
        group.post("users/{id}/token", use: token)
        group.get("users/{id}/export", use: export)
    }

    /// Consent is the shopper's to set from their app (the ingest key; with required user
    /// tokens, their own token) or the store's backend.
    func register(consent group: RouterGroup<AisleRequestContext>) {
        group.put("users/{id}/consent", use: setConsent)
        group.get("users/{id}/consent", use: consent)
    }

    @Sendable func setConsent(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        if context.userTokenMode == .required { _ = try context.mayReadPersonalData(of: id) }
        var request = request
        let body = try await request.decodeBody(ConsentUpdateBody.self, maxBytes: 4096)
        let consent = try await engine.setConsent(
            of: id,
            personalization: body.personalization,
            tracking: body.tracking
        )
        return JSONResponse.encoded(ConsentBody(consent))
    }

    @Sendable func consent(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        if context.userTokenMode == .required { _ = try context.mayReadPersonalData(of: id) }
        return JSONResponse.encoded(ConsentBody(try await engine.consent(of: id)))
    }

    /// A user token for the app of a shopper who just signed in (called by the store's backend).
    @Sendable func token(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        var request = request
        let bytes = try await request.bodyBytes(maxBytes: 4096)
        let body =
            bytes.isEmpty ? UserTokenRequestBody() : try Wire.decode(UserTokenRequestBody.self, from: Data(bytes))
        let ttl = body.ttlSeconds ?? UserTokens.defaultTTLSeconds
        guard (1...UserTokens.maxTTLSeconds).contains(ttl) else {
            throw AisleError.invalid(
                "ttl_seconds",
                "ttl_seconds must be from 1 to \(UserTokens.maxTTLSeconds) (30 days), got \(ttl)"
            )
        }
        let issued = tokens.issue(for: id, now: .now(), ttlSeconds: ttl)
        return JSONResponse.encoded(
            UserTokenBody(userID: id.rawValue, token: issued.token, expiresAt: TimestampBody(issued.expiresAt))
        )
    }

    @Sendable func put(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        var request = request
        let body = try await request.decodeBody(UserBody.self, maxBytes: configuration.server.maxBodyBytes)
        let stored = try await engine.putUsers([try body.validated(pathID: id.rawValue)])
        guard let first = stored.first else { throw AisleError.notFound("no user \"\(id)\"") }
        return JSONResponse.encoded(UserBody(first))
    }

    @Sendable func batch(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(BatchBody<UserBody>.self, maxBytes: configuration.server.maxBodyBytes)
        let batch = try BatchValidation.rows(
            body.rows,
            field: "users",
            maxRows: configuration.ingest.maxBatchRows,
            id: \.id
        ) { (body) throws(AisleError) in try body.validated() }
        let stored = try await engine.putUsers(batch.values)
        return JSONResponse.encoded(BatchResultBody(upserted: stored.count, errors: batch.errors))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        guard let user = try await engine.user(id) else { throw AisleError.notFound("no user \"\(id)\"") }
        return JSONResponse.encoded(UserBody(user))
    }

    @Sendable func erase(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        let erased = try await engine.eraseUser(id, auditPseudonym: tokens.pseudonym(of: id))
        if erased.isEmpty { throw AisleError.notFound("nothing is stored for user \"\(id)\"") }
        return JSONResponse.encoded(
            UserErasureBody(user: id, erased)
        )
    }

    @Sendable func devices(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        let links = try await engine.devices(of: id)
        return JSONResponse.encoded(PageBody(data: links.map(DeviceLinkBody.init), nextCursor: nil))
    }

    @Sendable func history(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        let limit = try request.queryInt("limit", default: 100, in: 1...1000)
        let types = try (request.queryString("types")?.split(separator: ",") ?? []).map { name in
            try EventType(validating: String(name), field: "types")
        }
        let cursor = try request.queryString("cursor").map(Self.historyCursor)
        let events = try await engine.history(of: id, types: types, after: cursor, limit: limit + 1)
        let page = Array(events.prefix(limit))
        let next = events.count > limit ? page.last.map(Self.cursorText) : nil
        return JSONResponse.encoded(PageBody(data: page.map(EventBody.init), nextCursor: next))
    }

    static func cursorText(_ event: StoredEvent) -> String {
        Cursor.encode("\(event.event.timestamp.millisecondsSinceEpoch).\(event.sequence)")
    }

    static func historyCursor(_ text: String) throws -> HistoryCursor {
        let parts = try Cursor.decode(text).split(separator: ".")
        guard parts.count == 2, let ms = Int64(parts[0]), let sequence = Int64(parts[1]) else {
            throw AisleError.invalid("cursor", "cursor is not one this server issued; pass next_cursor back unchanged")
        }
        return HistoryCursor(timestamp: Timestamp(millisecondsSinceEpoch: ms), sequence: sequence)
    }
}

extension UserRoutes {
    /// `GET /v1/users/{id}/export` (admin): everything stored of the user as one JSON document
    /// (a data-subject access request), streamed: the events are written page by page, so a long
    /// history never sits whole in memory.
    @Sendable func export(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        guard let profile = try await engine.exportProfile(of: id) else {
            throw AisleError.notFound("nothing is stored for user \"\(id)\"")
        }
        let engine = engine
        let encoder = Wire.encoder()
        var head = Data("{\"user_id\":".utf8)
        head += try encoder.encode(id.rawValue)
        head += Data(",\"exported_at\":".utf8) + (try encoder.encode(TimestampBody(.now())))
        head +=
            Data(",\"profile\":".utf8)
            + (try profile.user.map { try encoder.encode(UserBody($0)) } ?? Data("null".utf8))
        head += Data(",\"devices\":".utf8) + (try encoder.encode(profile.devices.map(DeviceLinkBody.init)))
        head += Data(",\"consent\":".utf8) + (try encoder.encode(ConsentBody(profile.consent)))
        head += Data(",\"reviews\":".utf8) + (try encoder.encode(profile.reviews.map(ReviewBody.init)))
        head += Data(",\"orders\":".utf8) + (try encoder.encode(profile.orders.map(OrderBody.init)))
        head +=
            Data(",\"conversations\":".utf8) + (try encoder.encode(profile.conversations.map(ConversationBody.init)))
        head += Data(",\"events\":[".utf8)
        let opening = head
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: opening))
                let encoder = Wire.encoder()
                var cursor: HistoryCursor?
                var first = true
                while true {
                    let page = try await engine.history(of: id, types: [], after: cursor, limit: 1_000)
                    var chunk = Data()
                    for event in page {
                        if !first { chunk.append(UInt8(ascii: ",")) }
                        first = false
                        chunk += try encoder.encode(EventBody(event))
                    }
                    if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
                    guard page.count == 1_000, let last = page.last else { break }
                    cursor = HistoryCursor(timestamp: last.event.timestamp, sequence: last.sequence)
                }
                try await writer.write(ByteBuffer(bytes: Array("]}".utf8)))
                try await writer.finish(nil)
            }
        )
    }
}
