public import AisleCore
public import AisleStore

/// Users: profiles, linked devices, merged history, erasure.
extension Engine {
    public func putUsers(_ users: [User]) async throws -> [User] {
        try await store.putUsers(users, at: .now())
    }

    public func user(_ id: UserID) async throws -> User? {
        try await store.user(id)
    }

    /// Erases everything stored of a user: profile, events from every device, device links,
    /// reviews, consent and their searches' shopper digests. In the audit log their id is
    /// replaced by `auditPseudonym` (a keyed digest the server makes), so the log still shows
    /// that a user's data was changed and erased, not whose.
    public func eraseUser(_ id: UserID, auditPseudonym: String? = nil) async throws -> UserErasure {
        let erased = try await store.eraseUser(id)
        consents.forget(id)
        if let auditPseudonym {
            try await store.replaceAuditTarget(AuditTarget.user(id), with: "user " + auditPseudonym)
        }
        return erased
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
