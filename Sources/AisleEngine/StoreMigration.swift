public import AisleCore
public import AisleStore
import Foundation

/// `aisle migrate`: copies an embedded store into an empty shared one, role by role, and checks
/// the counts on both sides. Events keep their sequence numbers, owners, sessions and arrival
/// times; profiles stay sealed under the same data key (every node must be given it).
///
/// Not copied: assistant conversations (chat history, kept 30 days), the search query log and
/// click counts (analytics that start again), photo fetch retries, and the trained model
/// (`aisle train --store …` makes one). Photos' files are copied by `DataFolder.migrate`.
public enum StoreMigration {
    /// How many of each kind were copied.
    public struct Report: Sendable {
        public var items = 0
        public var users = 0
        public var consents = 0
        public var deviceLinks = 0
        public var events = 0
        public var reviews = 0
        public var embeddings = 0
        public var images = 0
        /// Distinct photo files copied into the shared store.
        public var imageOriginals = 0
        public var orders = 0
        public var experiments = 0
        public var exposures = 0
        public var bandits = 0
        public var keys = 0
        public var auditEntries = 0
        public var faqs = 0
        public var synonyms = 0
        /// The stores' counts after the copy (source, destination): equal when nothing was lost.
        public var counts: (source: StoreCounts, destination: StoreCounts)? = nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Copies everything `source` holds into `destination`, which must be empty. `progress` gets
    /// one line per step and per million events.
    public static func copy(
        from source: any MigrationSource,
        to destination: any MigrationDestination,
        progress: (String) -> Void
    ) async throws -> Report {
        guard try await destination.isEmptyForMigration() else {
            throw Failure(
                description:
                    "the destination already holds items, users or events; migrate into a new, empty database"
            )
        }
        var report = Report()
        let now = Timestamp.now()

        var cursor: ItemID?
        repeat {
            let page = try await source.items(after: cursor, limit: 5_000)
            report.items += try await destination.upsertItems(page, at: now).count
            cursor = page.count == 5_000 ? page.last?.id : nil
        } while cursor != nil
        progress("migrate: \(report.items) items")

        var userCursor: UserID?
        repeat {
            let page = try await source.users(after: userCursor, limit: 5_000)
            report.users += try await destination.putUsers(page, at: now).count
            userCursor = page.count == 5_000 ? page.last?.id : nil
        } while userCursor != nil
        for (user, consent) in try await source.restrictedConsents() {
            try await destination.updateConsent(
                of: user,
                personalization: consent.personalization,
                tracking: consent.tracking,
                at: consent.updatedAt ?? now
            )
            report.consents += 1
        }
        progress("migrate: \(report.users) users, \(report.consents) with consent withheld")

        // Links before events: a link moves no event yet, and the events arrive with their owners.
        for link in try await source.allDeviceLinks() {
            _ = try await destination.identify(
                device: link.deviceID,
                as: link.userID,
                at: link.linkedAt,
                relinking: .allow
            )
            report.deviceLinks += 1
        }
        progress("migrate: \(report.deviceLinks) device links")

        try await destination.beginMigratedEvents()
        var eventCursor: Int64?
        var reported = 0
        repeat {
            let page = try await source.migratedEvents(after: eventCursor, limit: 2_000)
            try await destination.loadMigratedEvents(page.events)
            report.events += page.events.count
            eventCursor = page.next
            if report.events / 1_000_000 > reported {
                reported = report.events / 1_000_000
                progress("migrate: \(report.events) events")
            }
        } while eventCursor != nil
        try await destination.finishMigratedEvents {
            progress("migrate: \(report.events) events; building the event indexes")
        }

        let reviews = try await source.newestReviews(limit: Int.max)
        for start in stride(from: 0, to: reviews.count, by: 5_000) {
            let part = Array(reviews[start..<min(start + 5_000, reviews.count)])
            report.reviews += try await destination.putReviews(part, at: now, existing: .replace).stored.count
        }
        for model in try await source.embeddingModels() {
            var cursor: ItemID?
            repeat {
                let page = try await source.itemEmbeddings(model: model, after: cursor, limit: 5_000)
                report.embeddings += try await destination.putItemEmbeddings(page)
                cursor = page.count == 5_000 ? page.last?.itemID : nil
            } while cursor != nil
        }
        var imageCursor: ItemID?
        repeat {
            let page = try await source.itemImages(after: imageCursor, limit: 1_000)
            for image in page where try await destination.putItemImage(image) != nil { report.images += 1 }
            imageCursor = page.count == 1_000 ? page.last?.itemID : nil
        } while imageCursor != nil
        progress("migrate: \(report.reviews) reviews, \(report.embeddings) item vectors, \(report.images) photos")

        for order in try await source.allOrders() {
            _ = try await destination.putOrder(order, at: order.updatedAt ?? now)
            report.orders += 1
        }
        let faqs = try await source.faqs().entries
        if !faqs.isEmpty { _ = try await destination.setFAQs(faqs, at: now) }
        report.faqs = faqs.count
        let synonyms = try await source.searchSynonyms().rules
        if !synonyms.isEmpty { _ = try await destination.setSearchSynonyms(synonyms, at: now) }
        report.synonyms = synonyms.count
        for experiment in try await source.experiments() {
            _ = try await destination.putExperiment(experiment, at: experiment.updatedAt ?? now)
            let exposures = try await source.exposures(in: experiment.id)
            try await destination.recordExposures(exposures.map { (experiment.id, $0) })
            report.experiments += 1
            report.exposures += exposures.count
        }
        for id in try await source.banditIDs() {
            guard let bandit = try await source.bandit(id) else { continue }
            try await destination.putBandit(bandit, at: now)
            if let state = try await source.banditState(of: id) { try await destination.saveBanditState(state, of: id) }
            report.bandits += 1
        }
        for (scope, hash) in try await source.allKeyHashes() {
            try await destination.setAPIKeyHash(hash, scope: scope, at: now)
            report.keys += 1
        }
        for key in try await source.apiKeys() {
            try await destination.createAPIKey(key)
            report.keys += 1
        }
        // The audit trail oldest first, so the destination's order is the source's.
        var entries: [AuditEntry] = []
        var auditCursor: Int64?
        repeat {
            let page = try await source.auditEntries(before: auditCursor, limit: 5_000, actions: nil)
            entries += page
            auditCursor = page.count == 5_000 ? page.last?.sequence : nil
        } while auditCursor != nil
        for entry in entries.reversed() { try await destination.appendAudit(entry) }
        report.auditEntries = entries.count
        progress(
            "migrate: \(report.orders) orders, \(report.faqs) FAQs, \(report.synonyms) synonym rules, \(report.experiments) experiments (\(report.exposures) exposures), \(report.bandits) bandits, \(report.keys) keys, \(report.auditEntries) audit entries"
        )

        let counts = (source: try await source.counts(), destination: try await destination.counts())
        report.counts = counts
        guard counts.source == counts.destination else {
            throw Failure(
                description:
                    "the counts differ after the copy: source \(describe(counts.source)), destination \(describe(counts.destination))"
            )
        }
        progress("migrate: verified: \(describe(counts.destination)) on both sides")
        return report
    }

    static func describe(_ counts: StoreCounts) -> String {
        "\(counts.items) items, \(counts.users) users, \(counts.devices) devices, \(counts.events) events, \(counts.reviews) reviews"
    }
}
