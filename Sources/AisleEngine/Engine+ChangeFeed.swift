public import AisleCore
import AisleRecommend
import AisleSearch
import AisleStore
import AisleText
import Logging
import ServiceLifecycle

/// Several nodes on one database (docs/SCALING.md): each node holds part of the data in memory
/// (the search index, the live catalog, settings, consent, made keys), so it tells the others
/// what it changed (`ChangeFeedStore.publish`) and applies what they changed. A periodic
/// reconcile re-reads what is cheap to re-read, in case a change was lost.
extension Engine {
    /// Applies another node's change to what this node holds.
    public func apply(_ change: StoreChange) async throws {
        switch change {
        case .items(let ids) where ids.isEmpty:
            try await reloadCatalog()
        case .items(let ids):
            let now = Timestamp.now()
            for id in ids {
                if let item = try await store.item(id) {
                    recommendations.itemsUpserted([item], at: now)
                    searchEngine.upsert([item])
                } else {
                    recommendations.itemDeleted(id, at: now)
                    searchEngine.remove(id)
                    visualIndex.remove(id)
                }
            }
        case .images(let ids) where ids.isEmpty:
            try await visualIndex.reload(from: store)
        case .images(let ids):
            for id in ids {
                if let image = try await store.itemImage(id) {
                    visualIndex.update(image)
                } else {
                    visualIndex.remove(id)
                }
            }
        case .embeddings(let model, let ids):
            guard model == encoder?.name else { return }
            if ids.isEmpty {
                embedder?.itemsChanged()
                return
            }
            var vectors: [(itemID: ItemID, vector: [Float])] = []
            for id in ids {
                if let stored = try await store.itemEmbedding(id, model: model) { vectors.append((id, stored.vector)) }
            }
            searchEngine.setVectors(vectors)
        case .synonyms:
            try await reloadSynonyms()
        case .faqs:
            try await reloadFAQs()
        case .experiment(let id):
            if let experiment = try await store.experiment(id) { exposureLog.remember(experiment) }
        case .bandit(let id):
            if let bandit = try await store.bandit(id) { bandits.replace(bandit) }
        case .consent(let user):
            consents.set(try await store.consent(of: user) ?? .granted, of: user)
        case .userErased(let user, let units):
            let keys = Set(units + [ExposureUnit.user(user).key])
            exposureLog.forget(units: keys)
            experimentTallies.forget(units: keys)
            bandits.forget(units: keys)
            consents.forget(user)
        case .madeKeys:
            madeKeyChanges.continuation.yield()
        case .model:
            _ = await loadSavedModel()
        case .resync:
            try await reconcile()
            try await reloadCatalog()
            try await visualIndex.reload(from: store)
        }
    }

    /// Re-reads what other nodes may have changed without this node hearing of it: settings,
    /// experiments, consent, made keys; wakes the item embedder for items still without a
    /// vector. (The catalog is re-read only on `.resync`: it is the costly one.)
    public func reconcile() async throws {
        try await reloadSynonyms()
        try await reloadFAQs()
        for experiment in try await store.experiments() { exposureLog.remember(experiment) }
        consents.replaceRestricted(try await store.restrictedConsents())
        madeKeyChanges.continuation.yield()
        embedder?.itemsChanged()
    }

    /// Ticks when made keys may have changed on another node (the server re-reads them).
    public var madeKeysChanged: AsyncStream<Void> { madeKeyChanges.stream }

    private func reloadSynonyms() async throws {
        let stored = try await store.searchSynonyms()
        guard stored.revision != searchEngine.synonymRevision else { return }
        try searchEngine.setSynonyms(stored.rules, revision: stored.revision)
    }

    private func reloadFAQs() async throws {
        let (entries, revision) = try await store.faqs()
        assistant.publish(entries, revision: revision, models: textModels)
    }

    /// Every catalog item into the search index and the live catalog, and out of them every
    /// item the store no longer has.
    private func reloadCatalog() async throws {
        let now = Timestamp.now()
        var cursor: ItemID?
        var present = Set<ItemID>()
        while !Task.isCancelled {
            let page = try await store.items(after: cursor, limit: 5_000)
            recommendations.itemsUpserted(page, at: now)
            searchEngine.upsert(page)
            present.formUnion(page.map(\.id))
            guard page.count == 5_000, let last = page.last else { break }
            cursor = last.id
        }
        for id in searchEngine.itemIDs where !present.contains(id) {
            recommendations.itemDeleted(id, at: now)
            searchEngine.remove(id)
            visualIndex.remove(id)
        }
        embedder?.itemsChanged()
    }
}

/// Applies the other nodes' changes as they come, and reconciles every `reconcileInterval`.
/// Idles for a store no other process writes (a service that returned would stop the group).
struct ChangeFeedService: Service {
    let engine: Engine
    let logger: Logger

    static let reconcileInterval = Duration.seconds(60)

    func run() async throws {
        guard engine.store.isShared else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await change in engine.store.changes() {
                        do {
                            try await engine.apply(change)
                        } catch {
                            logger.warning("a change from another node was not applied (reconciled later): \(error)")
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.reconcileInterval)
                        if Task.isCancelled { break }
                        do {
                            try await engine.reconcile()
                        } catch {
                            logger.warning("reconcile with the other nodes failed, retried later: \(error)")
                        }
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
