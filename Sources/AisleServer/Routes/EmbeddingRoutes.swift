import AisleCore
import AisleEngine
import Hummingbird

/// Text embeddings: any texts on request, and the stored vectors of catalog items.
struct EmbeddingRoutes {
    let engine: Engine
    let configuration: AisleConfiguration

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.post("embeddings", use: embed)
        group.get("items/{id}/embedding", use: itemEmbedding)
    }

    @Sendable func embed(request: Request, context: AisleRequestContext) async throws -> Response {
        try engine.requireAnyTextModel()
        var request = request
        let body = try await request.decodeBody(EmbeddingRequestBody.self, maxBytes: configuration.server.maxBodyBytes)
        let texts = try body.validated()
        let (vectors, tokens, model) = try await engine.embed(
            texts,
            model: body.model,
            asQueries: body.inputType == .query
        )
        return JSONResponse.encoded(EmbeddingResponseBody(vectors: vectors, model: model, tokens: tokens))
    }

    @Sendable func itemEmbedding(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        _ = try engine.requireTextModel()
        guard try await engine.item(id) != nil else { throw AisleError.notFound("no item \"\(id)\"") }
        guard let stored = try await engine.itemEmbedding(id) else {
            throw AisleError.notFound(
                "item \"\(id)\" is not embedded yet; items are embedded in the background within seconds of an upsert"
            )
        }
        return JSONResponse.encoded(
            ItemEmbeddingBody(
                itemID: id.rawValue,
                model: stored.model,
                embedding: stored.vector,
                itemUpdatedAt: TimestampBody(stored.updatedAt)
            )
        )
    }
}
