import AisleCore
import AisleStore
import Synchronization

/// The users whose consent restricts something, kept in memory: ingest and feeds check every
/// request against them without a store read. Loaded from the store on first use. The counts
/// let the hot paths skip every check while nobody restricted that (the usual case).
final class ConsentRegistry: Sendable {
    private struct Restricted: Sendable {
        var consents: [UserID: Consent] = [:]
        var withoutTracking = 0
        var withoutPersonalization = 0

        mutating func set(_ consent: Consent?, of user: UserID) {
            if let old = consents[user] { count(old, by: -1) }
            consents[user] = consent.flatMap { $0.restricts ? $0 : nil }
            if let new = consents[user] { count(new, by: 1) }
        }

        private mutating func count(_ consent: Consent, by step: Int) {
            if !consent.tracking { withoutTracking += step }
            if !consent.personalization { withoutPersonalization += step }
        }
    }

    /// Nil until loaded.
    private let restricted = Mutex<Restricted?>(nil)

    /// The consent of `user` (granted unless they restricted it).
    func consent(of user: UserID, store: any UserStore) async throws -> Consent {
        try await loaded(store) { $0.consents[user] } ?? .granted
    }

    /// Whether any user turned tracking off.
    func anyWithoutTracking(store: any UserStore) async throws -> Bool {
        try await loaded(store) { $0.withoutTracking > 0 }
    }

    /// Whether any user turned personalization off.
    func anyWithoutPersonalization(store: any UserStore) async throws -> Bool {
        try await loaded(store) { $0.withoutPersonalization > 0 }
    }

    func set(_ consent: Consent, of user: UserID) {
        // Not loaded yet: the first use reads the store, which has this already.
        restricted.withLock { $0?.set(consent, of: user) }
    }

    func forget(_ user: UserID) {
        restricted.withLock { $0?.set(nil, of: user) }
    }

    private func loaded<T: Sendable>(_ store: any UserStore, _ read: @Sendable (Restricted) -> T) async throws -> T {
        if let answer = restricted.withLock({ $0.map(read) }) { return answer }
        var fresh = Restricted()
        for (user, consent) in try await store.restrictedConsents() { fresh.set(consent, of: user) }
        // Two first requests may both read; the store is the truth, so either copy is right,
        // and a `set` in between went to the store before the read.
        return restricted.withLock { current in
            if current == nil { current = fresh }
            return read(current ?? fresh)
        }
    }
}
