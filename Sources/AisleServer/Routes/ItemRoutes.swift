import AisleCore
import AisleEngine
import Hummingbird

/// `/v1/items`: the catalog (the engine tells the recommender, the embedder and search).
struct ItemRoutes {
    let engine: Engine
    let configuration: AisleConfiguration

    func register(on group: RouterGroup<AisleRequestContext>) {
        group.put("items/{id}", use: upsert)
        group.get("items/{id}", use: get)
        group.delete("items/{id}", use: delete)
        group.get("items", use: list)
        group.post("items:batch", use: batch)
    }

    @Sendable func upsert(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        var request = request
        let body = try await request.decodeBody(ItemBody.self, maxBytes: configuration.server.maxBodyBytes)
        let item = try body.validated(pathID: id.rawValue)
        let stored = try await engine.upsertItems([item])
        guard let first = stored.first else { throw AisleError.notFound("no item \"\(id)\"") }
        return JSONResponse.encoded(ItemBody(first))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard let item = try await engine.item(id) else { throw AisleError.notFound("no item \"\(id)\"") }
        return JSONResponse.encoded(ItemBody(item))
    }

    @Sendable func delete(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard try await engine.deleteItem(id) else { throw AisleError.notFound("no item \"\(id)\"") }
        return Response(status: .noContent)
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        let limit = try request.queryInt("limit", default: 100, in: 1...1000)
        let after = try request.queryString("cursor").map { try ItemID(validating: Cursor.decode($0), field: "cursor") }
        let items = try await engine.items(after: after, limit: limit + 1)
        let page = Array(items.prefix(limit))
        let next = items.count > limit ? page.last.map { Cursor.encode($0.id.rawValue) } : nil
        return JSONResponse.encoded(PageBody(data: page.map(ItemBody.init), nextCursor: next))
    }

    @Sendable func batch(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(BatchBody<ItemBody>.self, maxBytes: configuration.server.maxBodyBytes)
        let batch = try BatchValidation.rows(
            body.rows,
            field: "items",
            maxRows: configuration.ingest.maxBatchRows,
            id: \.id
        ) { (body) throws(AisleError) in try body.validated() }
        let stored = try await engine.upsertItems(batch.values)
        return JSONResponse.encoded(BatchResultBody(upserted: stored.count, errors: batch.errors))
    }
}
