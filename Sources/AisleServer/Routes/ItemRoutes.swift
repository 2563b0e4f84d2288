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
        return JSONResponse.encoded(shown(first))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard let item = try await engine.item(id), Self.mayRead(item, context) else {
            throw AisleError.notFound("no item \"\(id)\"")
        }
        return JSONResponse.encoded(shown(item))
    }

    /// An item as reads show it: with its photo, when it has one.
    func shown(_ item: Item) -> ItemBody {
        var body = ItemBody(item)
        body.image = engine.photo(of: item.id).map { PhotoBody(sha256: $0.sha256, width: $0.width) }
        return body
    }

    /// Hidden items are the catalog manager's (`catalog:write`); a reader with `catalog:read`
    /// alone (the ingest key, the storefront) does not learn they exist.
    static func mayRead(_ item: Item, _ context: AisleRequestContext) -> Bool {
        !item.hidden || readsHidden(context)
    }

    /// Whether the caller sees hidden items: only with `catalog:write`.
    static func readsHidden(_ context: AisleRequestContext) -> Bool {
        context.key?.may(.catalogWrite) ?? false
    }

    /// Most ids one `GET /v1/items?ids=` names.
    static let maxIDs = 100

    @Sendable func delete(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard try await engine.deleteItem(id) else { throw AisleError.notFound("no item \"\(id)\"") }
        return Response(status: .noContent)
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        if let list = try request.queryString("ids") {
            // The items a list names (a search or recommendation page), in its order; ids
            // that are unknown or hidden are left out.
            let names = list.split(separator: ",", omittingEmptySubsequences: true)
            guard names.count <= Self.maxIDs else {
                throw AisleError.invalid("ids", "ids names at most \(Self.maxIDs) items, got \(names.count)")
            }
            let ids = try names.map { try ItemID(validating: String($0), field: "ids") }
            let items = try await engine.items(ids).filter { Self.mayRead($0, context) }
            return JSONResponse.encoded(PageBody(data: items.map(shown), nextCursor: nil))
        }
        let limit = try request.queryInt("limit", default: 100, in: 1...1000)
        let after = try request.queryString("cursor").map { try ItemID(validating: Cursor.decode($0), field: "cursor") }
        // A reader without catalog:write pages through the visible items only: hidden ones
        // are skipped while scanning, and the cursor names the last item shown, so neither
        // the page nor the cursor tells that a hidden item exists.
        let visibleOnly = !Self.readsHidden(context)
        var found: [Item] = []
        var scanFrom = after
        while found.count <= limit {
            let chunk = try await engine.items(after: scanFrom, limit: limit + 1)
            found += visibleOnly ? chunk.filter { !$0.hidden } : chunk
            guard chunk.count == limit + 1, let last = chunk.last else { break }
            scanFrom = last.id
        }
        let page = Array(found.prefix(limit))
        let next = found.count > limit ? page.last.map { Cursor.encode($0.id.rawValue) } : nil
        return JSONResponse.encoded(PageBody(data: page.map(shown), nextCursor: next))
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
