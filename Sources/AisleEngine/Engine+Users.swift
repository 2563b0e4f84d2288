public import AisleCore
public import AisleStore

/// Users: profiles, linked devices, merged history, erasure.
extension Engine {
    /// Stores profiles, their personal attributes sealed; answers them as stored, opened.
    public func putUsers(_ users: [User]) async throws -> [User] {
        guard let seal else { return try await store.putUsers(users, at: .now()) }
        return try await store.putUsers(try users.map(seal.seal), at: .now()).map(seal.open)
    }

    /// The profile, its personal attributes opened.
    public func user(_ id: UserID) async throws -> User? {
        let stored = try await store.user(id)
        return seal.map { seal in stored.map(seal.open) } ?? stored
    }

    /// Erases everything stored of a user: profile, events from every device, device links,
    /// reviews, consent, orders, conversations with the assistant (theirs and their devices')
    /// and their searches' shopper digests. In the audit log their id is
    /// replaced by `auditPseudonym` (a keyed digest the server makes), so the log still shows
    /// that a user's data was changed and erased, not whose.
    public func eraseUser(_ id: UserID, auditPseudonym: String? = nil) async throws -> UserErasure {
        // Their exposures and bandit choices held in memory go first, so no pending write
        // brings an exposure back after the store forgot it.
        let units = Set(
            [ExposureUnit.user(id).key] + (try await store.devices(of: id)).map { ExposureUnit.device($0.deviceID).key }
        )
        exposureLog.forget(units: units)
        experimentTallies.forget(units: units)
        bandits.forget(units: units)
        let erased = try await store.eraseUser(id)
        consents.forget(id)
        await store.publish(.userErased(id, units: units.sorted()))
        if let auditPseudonym {
            try await store.replaceAuditTarget(AuditTarget.user(id), with: "user " + auditPseudonym)
        }
        return erased
    }

    /// Everything stored of a user but their events (which `history` pages through): profile,
    /// devices, consent, reviews, orders and conversations with the assistant, for a data export. Nil when nothing is stored of them.
    public func exportProfile(of id: UserID) async throws -> UserExport? {
        let devices = try await store.devices(of: id)
        var conversations: [Conversation] = []
        for conversation in try await store.conversationIDs(of: id, devices: devices.map(\.deviceID)) {
            if let stored = try await store.conversation(conversation, turnLimit: Conversation.maxTurns) {
                conversations.append(stored)
            }
        }
        let export = UserExport(
            user: try await user(id),
            devices: devices,
            consent: try await consent(of: id),
            reviews: try await store.reviews(by: id, limit: 1_000_000),
            orders: try await store.orders(of: id, limit: 1_000_000),
            conversations: conversations
        )
        let hasEvents = !(try await store.history(of: id, types: [], after: nil, limit: 1).isEmpty)
        if export.user == nil && export.devices.isEmpty && export.reviews.isEmpty && !hasEvents
            && export.consent == .granted && export.orders.isEmpty && export.conversations.isEmpty
        {
            return nil
        }
        return export
    }

    /// What `exportProfile` gathers.
    public struct UserExport: Sendable {
        public var user: User?
        public var devices: [DeviceLink]
        public var consent: Consent
        public var reviews: [Review]
        public var orders: [Order]
        /// Conversations with the assistant, the user's and their devices'.
        public var conversations: [Conversation]
    }

    /// The user's linked devices, most recently linked first.
    public func devices(of user: UserID) async throws -> [DeviceLink] {
        try await store.devices(of: user)
    }

    /// The user's events from every device, newest first.
    public func history(
        of user: UserID,
        types: [EventType],
        after cursor: HistoryCursor?,
        limit: Int
    ) async throws -> [StoredEvent] {
        try await store.history(of: user, types: types, after: cursor, limit: limit)
    }
}
