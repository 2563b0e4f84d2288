public import AisleCore
import AisleRecommend
import AisleSearch
public import AisleStore
import AisleText

/// The catalog: every change reaches the store, the recommender (stock, new items at once),
/// the item embedder (texts embedded again in the background) and search (found or dropped at
/// once).
extension Engine {
    /// Stores `items` (new or replacing) and tells every part; returns them as stored.
    public func upsertItems(_ items: [Item]) async throws -> [Item] {
        let now = Timestamp.now()
        let stored = try await store.upsertItems(items, at: now)
        recommendations.itemsUpserted(stored, at: now)
        embedder?.itemsChanged()
        if stored.contains(where: { $0.imageURL != nil }) { imageURLChanges.continuation.yield() }
        searchEngine.upsert(stored)
        await store.publish(.items(stored.map(\.id)))
        return stored
    }

    /// Deletes an item everywhere; false when there was none.
    public func deleteItem(_ id: ItemID) async throws -> Bool {
        let now = Timestamp.now()
        guard try await store.deleteItem(id, at: now) else { return false }
        recommendations.itemDeleted(id, at: now)
        searchEngine.remove(id)
        visualIndex.remove(id)
        await store.publish(.items([id]))
        return true
    }

    public func item(_ id: ItemID) async throws -> Item? {
        try await store.item(id)
    }

    /// The items `ids` names that exist, in that order (each id once).
    public func items(_ ids: [ItemID]) async throws -> [Item] {
        var seen = Set<ItemID>()
        var found: [Item] = []
        for id in ids where seen.insert(id).inserted {
            if let item = try await store.item(id) { found.append(item) }
        }
        return found
    }

    /// Items in id order after `cursor`.
    public func items(after cursor: ItemID?, limit: Int) async throws -> [Item] {
        try await store.items(after: cursor, limit: limit)
    }
}

/// Sentence embeddings with the loaded text model.
extension Engine {
    /// The loaded text model's name; `unavailable`, with what to do, without one.
    public func requireTextModel() throws(AisleError) -> String {
        guard let encoder else { throw Self.noTextModel }
        return encoder.name
    }

    /// The vectors of `texts` from text model `model` (the default model for nil), read as
    /// queries or as passages (what e5's prefix says; MiniLM reads both alike), the tokens
    /// read and the model's name, computed off the caller's thread; `unavailable` without a
    /// model, `invalid` for a model this server does not run.
    public func embed(
        _ texts: [String],
        model: String? = nil,
        asQueries: Bool = false
    ) async throws(AisleError) -> (vectors: [[Float]], tokens: Int, model: String) {
        let encoder = try await textModels.encoder(named: model)
        let (vectors, tokens) = await encoder.embedInBackground(texts, as: asQueries ? .query : .passage)
        return (vectors, tokens, encoder.name)
    }

    /// `unavailable`, with what to do, when the server runs no text model at all.
    public func requireAnyTextModel() throws(AisleError) {
        if textModels.names.isEmpty { throw Self.noTextModel }
    }

    /// The text models this server runs (`GET /v1/models`).
    public var textModelDescriptions: [TextModels.Description] { textModels.descriptions }

    static let noTextModel = AisleError(
        code: .unavailable,
        message:
            "no text encoder is loaded: run make models, then start the server with --model-dir models/all-MiniLM-L6-v2"
    )

    /// An item's stored embedding under the loaded model (nil: not embedded yet);
    /// `unavailable` without a model.
    public func itemEmbedding(_ id: ItemID) async throws -> ItemEmbedding? {
        let model = try requireTextModel()
        return try await store.itemEmbedding(id, model: model)
    }
}
