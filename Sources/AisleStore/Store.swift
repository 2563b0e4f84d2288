public import AisleCore

/// Durable storage for the catalog, users, events and device links, as one value with every
/// role below. Every implementation passes the same contract suite
/// (Tests/AisleStoreTests/StoreContractTests.swift). Writes are atomic per call: when a call
/// returns, what it reports as stored is committed. The roles mirror the SQLite store's files
/// (`SQLiteStore+Catalog.swift`, `+Events`, `+History`, `+Identity`, `+Reviews`,
/// `+Embeddings`, `+Search`), so a second store implements them role by role.
public protocol Store: CatalogStore, UserStore, EventStore, IdentityStore, HistoryStore, ReviewStore,
    EmbeddingStore, SearchSettingsStore, KeyStore, AuditStore, ExperimentStore, BanditStore, ImageStore,
    StatisticsStore, AssistantStore, MaintainedStore, ChangeFeedStore, ModelStore
{}

/// Where nodes sharing a store keep the recommendation model, and who trains it.
public protocol ModelStore: Sendable {
    /// Runs `work` as the one trainer among the nodes (a lock held while it runs, let go if the
    /// node dies); nil, without running it, while another node trains. A store no other process
    /// writes runs it at once.
    func asTrainer<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T?
    /// Keeps the latest snapshot's bytes for every node (a store no other process writes keeps
    /// none: the snapshot is a file in the data folder).
    func saveModel(_ bytes: [UInt8], at time: Timestamp) async throws
    /// The latest snapshot's bytes, nil when none was saved here.
    func savedModel() async throws -> [UInt8]?
}

/// Changes between the nodes that share a store: each node holds some of the data in memory
/// (the search index, keys, consent, settings) and hears here what the others changed.
public protocol ChangeFeedStore: Sendable {
    /// Whether other processes may write this store (PostgreSQL): then reads that a lone process
    /// could answer from memory must ask the store.
    var isShared: Bool { get }
    /// Tells the other nodes; a change that cannot be sent is logged, and their periodic
    /// reconcile catches up.
    func publish(_ change: StoreChange) async
    /// The other nodes' changes, as they come, until the consuming task is cancelled; `.resync`
    /// when the feed was interrupted. Finishes at once for a store no other process writes.
    func changes() -> AsyncStream<StoreChange>
}

/// The shopping assistant's knowledge and memory: the store's FAQs, shoppers' orders, and
/// conversations. Orders and conversations are personal data (`UserStore.eraseUser` deletes
/// them).
public protocol AssistantStore: Sendable {
    /// Replaces every FAQ in one write; returns the set's revision, one more than the last.
    func setFAQs(_ faqs: [FAQ], at now: Timestamp) async throws -> Int
    /// The FAQs in the order they were put (empty until set) and their revision (0 until set).
    func faqs() async throws -> (entries: [FAQ], revision: Int)
    /// Inserts or replaces an order; returns it as stored (`createdAt` kept from the first put,
    /// `updatedAt` the order's own or `now`).
    func putOrder(_ order: Order, at now: Timestamp) async throws -> Order
    /// The order, or nil.
    func order(_ id: OrderID) async throws -> Order?
    /// The user's orders, most recently updated first (then by id), at most `limit`.
    func orders(of user: UserID, limit: Int) async throws -> [Order]
    /// Stores the conversation's owner and focus (created on the first save) and appends
    /// `turns`; a conversation past `Conversation.maxTurns` keeps its newest.
    func saveConversation(_ conversation: Conversation, appending turns: [ConversationTurn], at now: Timestamp)
        async throws
    /// The conversation with its newest `turnLimit` turns (oldest first), or nil.
    func conversation(_ id: ConversationID, turnLimit: Int) async throws -> Conversation?
    /// The ids of the conversations of a user or of their devices, newest first (a data export).
    func conversationIDs(of user: UserID, devices: [DeviceID]) async throws -> [ConversationID]
}

/// What the operator's dashboard shows of the data: how much there is, and the newest events.
public protocol StatisticsStore: Sendable {
    /// Items (not deleted), users, devices, events and reviews stored.
    func counts() async throws -> StoreCounts
    /// The newest stored events, newest first, at most `limit`.
    func newestEvents(limit: Int) async throws -> [StoredEvent]
}

/// Photos' originals kept in a shared store, so that every node can render any photo (the
/// embedded store has none of this: its data folder's files are the originals).
public protocol ImageOriginalStore: Sendable {
    /// Keeps an original by its SHA-256 (once: the same bytes are one row).
    func putImageOriginal(_ bytes: [UInt8], sha256: String) async throws
    /// An original's bytes, nil when the store does not have it.
    func imageOriginal(sha256: String) async throws -> [UInt8]?
    /// Whether the store has the original.
    func hasImageOriginal(sha256: String) async throws -> Bool
    /// Deletes an original, unless an item uses it (another node may have just given it one).
    func deleteImageOriginal(sha256: String) async throws
}

/// Item photos' metadata (the originals' bytes are files in the data folder, named by their
/// SHA-256, that the engine keeps; a shared store also keeps them: `ImageOriginalStore`).
public protocol ImageStore: Sendable {
    /// Sets the item's image, replacing its earlier one, which is returned (its original may
    /// now be unused: `itemImageReferences`). Throws `not_found` when the item is not in the
    /// catalog.
    func putItemImage(_ image: ItemImage) async throws -> ItemImage?
    /// The item's image, or nil.
    func itemImage(_ id: ItemID) async throws -> ItemImage?
    /// Removes the item's image; returns it, nil when it had none.
    func deleteItemImage(_ id: ItemID) async throws -> ItemImage?
    /// Images of catalog items (deleted items' skipped), in item id order after `cursor`, at
    /// most `limit`.
    func itemImages(after cursor: ItemID?, limit: Int) async throws -> [ItemImage]
    /// How many items' images are this original.
    func itemImageReferences(sha256: String) async throws -> Int
    /// Catalog items whose `image_url` is due a fetch: never tried, another URL than the last
    /// try, or a failure before `retryBefore`; in id order after `cursor`, at most `limit`.
    func itemsNeedingImageFetch(retryBefore: Timestamp, after cursor: ItemID?, limit: Int) async throws -> [(
        item: ItemID, url: String
    )]
    /// Records a fetch of the item's `url`: `error` nil when its photo was stored.
    func recordImageFetch(_ item: ItemID, url: String, error: String?, at time: Timestamp) async throws
    /// The item's last `image_url` fetch, or nil.
    func imageFetch(_ item: ItemID) async throws -> ImageFetchRecord?
}

/// Bandits: their definitions, and what they learned as the engine's own bytes.
public protocol BanditStore: Sendable {
    /// Inserts or replaces a bandit's definition; what it learned is kept.
    func putBandit(_ bandit: Bandit, at now: Timestamp) async throws
    /// The ids of every bandit, in id order.
    func banditIDs() async throws -> [BanditID]
    /// The bandit, or nil.
    func bandit(_ id: BanditID) async throws -> Bandit?
    /// Replaces what the bandit learned (opaque to the store).
    func saveBanditState(_ state: [UInt8], of id: BanditID) async throws
    /// What the bandit learned, nil before anything was saved.
    func banditState(of id: BanditID) async throws -> [UInt8]?
}

/// A/B tests and who saw which variant when.
public protocol ExperimentStore: Sendable {
    /// Inserts or replaces an experiment; returns it as stored (`createdAt` kept from the first
    /// put, `startedAt` set the first time it is put running and kept after).
    func putExperiment(_ experiment: Experiment, at now: Timestamp) async throws -> Experiment
    /// The experiment, or nil.
    func experiment(_ id: ExperimentID) async throws -> Experiment?
    /// Every experiment, by id.
    func experiments() async throws -> [Experiment]
    /// Records a unit's first exposure; a unit already exposed keeps its first one, which is
    /// returned (so two nodes racing record one).
    func recordExposure(_ exposure: Exposure, in experiment: ExperimentID) async throws -> Exposure
    /// Records first exposures in one write; units already exposed keep their first.
    func recordExposures(_ exposures: [(experiment: ExperimentID, exposure: Exposure)]) async throws
    /// The unit's first exposure to the experiment, or nil.
    func exposure(of unit: ExposureUnit, in experiment: ExperimentID) async throws -> Exposure?
    /// Every unit's first exposure to the experiment, by unit key.
    func exposures(in experiment: ExperimentID) async throws -> [Exposure]
    /// The first exposures made at or after `time` (results read the new ones since their last
    /// look), in no particular order.
    func exposures(in experiment: ExperimentID, since time: Timestamp) async throws -> [Exposure]
}

/// The catalog: items, upserted, read, listed and deleted.
public protocol CatalogStore: Sendable {
    /// Inserts or replaces items; a deleted item comes back. Returns the items as stored (with
    /// `createdAt`, kept from the first upsert unless the client sent one, and `updatedAt`).
    func upsertItems(_ items: [Item], at now: Timestamp) async throws -> [Item]
    /// The item, or nil when it does not exist or was deleted.
    func item(_ id: ItemID) async throws -> Item?
    /// Items in id order (UTF-8 byte order) after `cursor`, at most `limit`; deleted ones skipped.
    func items(after cursor: ItemID?, limit: Int) async throws -> [Item]
    /// Hides the item from every read; its events stay. False when there was none to delete.
    func deleteItem(_ id: ItemID, at now: Timestamp) async throws -> Bool
}

/// User profiles and their erasure.
public protocol UserStore: Sendable {
    /// Inserts or replaces user profiles; returns them as stored (`createdAt` kept from the first put).
    func putUsers(_ users: [User], at now: Timestamp) async throws -> [User]
    func user(_ id: UserID) async throws -> User?
    /// Profiles in id order (UTF-8 byte order) after `cursor`, at most `limit`.
    func users(after cursor: UserID?, limit: Int) async throws -> [User]
    /// Erases the profile, every event owned by the user, its device links, its reviews and
    /// its consent.
    func eraseUser(_ id: UserID) async throws -> UserErasure
    /// The user's consent; nil when never set (everything allowed).
    func consent(of user: UserID) async throws -> Consent?
    /// Changes what is given (nil keeps a setting) in one transaction, so two changes at once
    /// both count; returns the consent as stored.
    func updateConsent(of user: UserID, personalization: Bool?, tracking: Bool?, at now: Timestamp) async throws
        -> Consent
    /// Every user whose consent restricts something, for the engine to check events and feeds
    /// against without a read per request.
    func restrictedConsents() async throws -> [(user: UserID, consent: Consent)]
}

/// Appending events.
public protocol EventStore: Sendable {
    /// Stores events in order: links the devices of events that carry both ids as `linking`
    /// allows, resolves device-only events to their linked user, assigns sessions to events
    /// without one, skips repeated event ids. All or nothing per call.
    func appendEvents(_ events: [Event], receivedAt: Timestamp, linking: DeviceLinking) async throws
        -> AppendOutcome
}

/// Which devices belong to which user.
public protocol IdentityStore: Sendable {
    /// Links a device to a user; the device's anonymous events become the user's. A device
    /// linked to another user moves only with `.allow`; with `.refuse` that throws `forbidden`.
    func identify(device: DeviceID, as user: UserID, at now: Timestamp, relinking: RelinkPolicy) async throws
        -> IdentifyOutcome
    /// The user's linked devices, most recently linked first.
    func devices(of user: UserID) async throws -> [DeviceLink]
    /// The user a device is linked to, if any.
    func linkedUser(of device: DeviceID) async throws -> UserID?
}

/// Reading events back: per user, per anonymous device, and in arrival order for training.
public protocol HistoryStore: Sendable {
    /// The user's events (from every linked device), newest first; ties by arrival, newest first.
    func history(of user: UserID, types: [EventType], after cursor: HistoryCursor?, limit: Int) async throws
        -> [StoredEvent]

    /// The device's anonymous events (sent while it was linked to no user), newest first.
    func anonymousHistory(of device: DeviceID, limit: Int) async throws -> [StoredEvent]

    /// Events that name an item, in arrival order after `sequence` (0: from the start), at most
    /// `limit`, with only the fields training reads: the scan training reads the log with.
    func interactionEvents(after sequence: Int64, limit: Int) async throws -> [InteractionEvent]
    /// The newest event's sequence (0 when there are none): training schedules count new events by it.
    func latestSequence() async throws -> Int64
    /// Events of `types` in arrival order after `sequence`, at most `limit`, with their owners:
    /// the scan experiment results are tallied from.
    func ownedEvents(after sequence: Int64, types: Set<EventType>, limit: Int) async throws -> [OwnedEvent]
    /// The events of `types` owned by each of `owners` (`ExposureUnit` keys), at or after
    /// `since` and at most `sequence`, in one read: a late-exposed unit's events the scan
    /// above has passed already.
    func ownedEvents(of owners: [String], types: Set<EventType>, since: Timestamp, through sequence: Int64)
        async throws -> [OwnedEvent]
}

/// Reviews with their analyses.
public protocol ReviewStore: Sendable {
    /// Stores reviews with their analyses. With `.replace` a review replaces any with the same
    /// id (`createdAt` is kept from the first write unless the review carries one); with
    /// `.createOnly` an existing id is left alone: the same review again (item, user, rating
    /// and text byte for byte) is reported as stored, anything else throws `conflict`. Reviews
    /// of items that are not in the catalog are not stored; their positions come back in
    /// `unknownItems`. All or nothing.
    func putReviews(_ reviews: [Review], at now: Timestamp, existing: ExistingReviewPolicy) async throws
        -> ReviewWrite
    /// The review, or nil.
    func review(_ id: ReviewID) async throws -> Review?
    /// The item's reviews, newest first (creation time, then id), after `cursor`, at most `limit`.
    func reviews(of item: ItemID, after cursor: ReviewCursor?, limit: Int) async throws -> [Review]
    /// Every item's reviews together, newest first, at most `limit` (the dashboard's overview).
    func newestReviews(limit: Int) async throws -> [Review]
    /// The user's reviews, newest first, at most `limit` (a data export).
    func reviews(by user: UserID, limit: Int) async throws -> [Review]
    /// Deletes a review; false when there was none.
    func deleteReview(_ id: ReviewID) async throws -> Bool
    /// Review count and mean score of every reviewed item: the item feature ranking reads.
    func reviewSentiment() async throws -> [ItemID: ReviewSentiment]
}

/// Item text embeddings per model.
public protocol EmbeddingStore: Sendable {
    /// Stores item text embeddings, replacing earlier ones of the same item and model. Each
    /// carries the `updatedAt` of the item version it was computed from, so a later upsert of
    /// the item makes it stale (`itemsNeedingEmbedding`). Items not in the catalog (or deleted)
    /// are skipped; returns how many were stored.
    func putItemEmbeddings(_ embeddings: [ItemEmbedding]) async throws -> Int
    /// The item's embedding by `model`, or nil when it has none (yet).
    func itemEmbedding(_ id: ItemID, model: String) async throws -> ItemEmbedding?
    /// Catalog items with no embedding by `model`, or one older than their last upsert, in id
    /// order after `cursor`, at most `limit`: what the background embedder still has to do.
    func itemsNeedingEmbedding(model: String, after cursor: ItemID?, limit: Int) async throws -> [Item]
    /// Stored embeddings by `model` of catalog items, in item id order after `cursor`, at most
    /// `limit` (the search index loads them at start).
    func itemEmbeddings(model: String, after cursor: ItemID?, limit: Int) async throws -> [ItemEmbedding]
}

/// Search's query log, clicks, shoppers per query, and synonym rules.
public protocol SearchSettingsStore: Sendable {
    /// Adds search counts and clicks to the stored ones, and the shoppers newly seen for a
    /// query (a shopper already stored for it is kept once).
    func addSearchActivity(_ activity: SearchActivity) async throws
    /// The stored query log, most searched first, at most `limit`.
    func searchQueries(limit: Int) async throws -> [SearchQueryStats]
    /// The stored shoppers of queries (digests, never ids), at most `limit` rows, those of the
    /// most searched queries first.
    func searchQueryShoppers(limit: Int) async throws -> [SearchQueryShopper]
    /// The stored clicks after searches, most clicked first, at most `limit`.
    func searchClicks(limit: Int) async throws -> [SearchClickCount]
    /// The search synonym rules (empty until set) and their revision (0 until set).
    func searchSynonyms() async throws -> (rules: [SynonymRule], revision: Int)
    /// Replaces the synonym rules; returns their revision, one more than the last.
    func setSearchSynonyms(_ rules: [SynonymRule], at now: Timestamp) async throws -> Int
}

/// Hashes of API keys and the user-token secret, by scope.
public protocol KeyStore: Sendable {
    /// The stored hash of an API key scope, if one was stored.
    func apiKeyHash(scope: String) async throws -> String?
    func setAPIKeyHash(_ hash: String, scope: String, at now: Timestamp) async throws
    /// Stores a key made with `POST /v1/keys`.
    func createAPIKey(_ key: APIKeyRecord) async throws
    /// The keys made with `POST /v1/keys` and not revoked, oldest first.
    func apiKeys() async throws -> [APIKeyRecord]
    /// Revokes a made key; false when there is no such key (or it was revoked before).
    func revokeAPIKey(id: String, at now: Timestamp) async throws -> Bool
}

/// The audit log of admin actions.
public protocol AuditStore: Sendable {
    func appendAudit(_ entry: AuditEntry) async throws
    /// Entries newest first, before `cursor` (a sequence), at most `limit`; `actions`, when
    /// given, keeps only those.
    func auditEntries(before cursor: Int64?, limit: Int, actions: Set<String>?) async throws -> [AuditEntry]
    /// Deletes entries older than `time`; returns how many.
    func pruneAudit(before time: Timestamp) async throws -> Int
    /// Replaces `target` in every entry with `replacement` (an erased user's id by its pseudonym).
    func replaceAuditTarget(_ target: String, with replacement: String) async throws
}

/// Readiness and background upkeep.
public protocol MaintainedStore: Sendable {
    /// Throws when the store cannot serve reads (for `/ready`).
    func checkReady() async throws
    /// Background upkeep (SQLite: WAL checkpoints) until the calling task is cancelled. Its
    /// owner runs it beside the writes: the server as a service, an import beside the import.
    func runMaintenance() async
}

extension EventStore {
    /// Stores events without linking devices: imports of past logs, and tests.
    public func appendEvents(_ events: [Event], receivedAt: Timestamp) async throws -> AppendOutcome {
        try await appendEvents(events, receivedAt: receivedAt, linking: .none)
    }
}

/// A store that takes large imports in bulk: the import tool writes through this role, so it
/// needs no knowledge of which store it has (SQLite builds its event indexes once, at the end).
public protocol BulkLoadingStore: Store {
    /// Runs `load` (an import; the caller is the only writer) the way this store loads fastest;
    /// `indexing` is called when the deferred index work starts, for progress output.
    func bulkLoad<T>(_ load: () async throws -> T, indexing: () -> Void) async throws -> T
    /// Makes everything written so far durable in the main files (the end of an import), so the
    /// next server start does not inherit the import's write-ahead work.
    func checkpointAll() async throws
}

extension ReviewStore {
    /// Stores reviews, replacing any with the same id (the admin key's bulk path and imports).
    public func putReviews(_ reviews: [Review], at now: Timestamp) async throws -> ReviewWrite {
        try await putReviews(reviews, at: now, existing: .replace)
    }
}
