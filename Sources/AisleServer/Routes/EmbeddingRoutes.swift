import AisleCore
import AisleStore
import AisleText
import Hummingbird

/// Text embeddings: any texts on request, and the stored vectors of catalog items.
struct EmbeddingRoutes {
    let store: any Store
    let configuration: AisleConfiguration
    /// Nil when no model is loaded: the routes then answer 503 with advice.
    let encoder: TextEncoder?

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.post("embeddings", use: embed)
        group.get("items/{id}/embedding", use: itemEmbedding)
    }

    func loadedEncoder() throws -> TextEncoder {
        guard let encoder else {
            throw AisleError(
                code: .unavailable,
                message:
                    "no text encoder is loaded: run make models, then start the server with --model-dir models/all-MiniLM-L6-v2"
            )
        }
        return encoder
    }

    @Sendable func embed(request: Request, context: AisleRequestContext) async throws -> Response {
        let encoder = try loadedEncoder()
        var request = request
        let body = try await request.decodeBody(EmbeddingRequestBody.self, maxBytes: configuration.server.maxBodyBytes)
        let texts = try body.validated(model: encoder.name)
        let (vectors, tokens) = await encoder.embedInBackground(texts)
        return JSONResponse.encoded(EmbeddingResponseBody(vectors: vectors, model: encoder.name, tokens: tokens))
    }

    @Sendable func itemEmbedding(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        let encoder = try loadedEncoder()
        guard try await store.item(id) != nil else { throw AisleError.notFound("no item \"\(id)\"") }
        guard let stored = try await store.itemEmbedding(id, model: encoder.name) else {
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
