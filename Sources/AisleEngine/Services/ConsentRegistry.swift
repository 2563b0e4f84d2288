import AisleCore
import AisleStore
import Synchronization

/// The users whose consent restricts something, kept in memory: ingest and feeds check every
/// request against them without a store read. Loaded from the store on first use.
final class ConsentRegistry: Sendable {
    /// Nil until loaded.
    private let restricted = Mutex<[UserID: Consent]?>(nil)

    /// The consent of `user` (granted unless they restricted it).
    func consent(of user: UserID, store: any UserStore) async throws -> Consent {
        try await loaded(store)[user] ?? .granted
    }

    /// Whether any user turned tracking off (most stores: none, and ingest skips every check).
    func anyWithoutTracking(store: any UserStore) async throws -> Bool {
        try await loaded(store).values.contains { !$0.tracking }
    }

    func set(_ consent: Consent, of user: UserID) {
        restricted.withLock { restricted in
            guard restricted != nil else { return }  // loaded from the store, with this, on first use
            restricted?[user] = consent.restricts ? consent : nil
        }
    }

    func forget(_ user: UserID) {
        restricted.withLock { _ = $0?.removeValue(forKey: user) }
    }

    private func loaded(_ store: any UserStore) async throws -> [UserID: Consent] {
        if let known = restricted.withLock({ $0 }) { return known }
        var read: [UserID: Consent] = [:]
        for (user, consent) in try await store.restrictedConsents() { read[user] = consent }
        // Two first requests may both read; the store is the truth, so either copy is right,
        // and a `set` in between went to the store before the read.
        return restricted.withLock { restricted in
            if restricted == nil { restricted = read }
            return restricted ?? read
        }
    }
}
