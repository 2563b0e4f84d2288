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

    private struct State: Sendable {
        /// Nil until loaded.
        var restricted: Restricted?
        /// Changes made while the first load ran, replayed over what it read.
        var pending: [(user: UserID, consent: Consent?)] = []
    }

    private let state = Mutex(State())

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
        record(consent, of: user)
    }

    func forget(_ user: UserID) {
        record(nil, of: user)
    }

    /// Replaces what is held with the store's restricted consents (the nodes' reconcile); before
    /// the first load there is nothing to replace (that load reads the store).
    func replaceRestricted(_ stored: [(user: UserID, consent: Consent)]) {
        state.withLock { state in
            guard state.restricted != nil else { return }
            var fresh = Restricted()
            for (user, consent) in stored { fresh.set(consent, of: user) }
            state.restricted = fresh
        }
    }

    private func record(_ consent: Consent?, of user: UserID) {
        state.withLock { state in
            if state.restricted == nil {
                // A load may be reading the store right now, from before this change.
                state.pending.append((user, consent))
            } else {
                state.restricted?.set(consent, of: user)
            }
        }
    }

    private func loaded<T: Sendable>(_ store: any UserStore, _ read: @Sendable (Restricted) -> T) async throws -> T {
        if let answer = state.withLock({ $0.restricted.map(read) }) { return answer }
        var fresh = Restricted()
        for (user, consent) in try await store.restrictedConsents() { fresh.set(consent, of: user) }
        // Two first requests may both read; either copy is right once the changes made since
        // the load began (each already in the store) are replayed over it.
        return state.withLock { state in
            if state.restricted == nil {
                for change in state.pending { fresh.set(change.consent, of: change.user) }
                state.pending = []
                state.restricted = fresh
            }
            return read(state.restricted ?? fresh)
        }
    }

    /// For each event, whether its user (or its device's linked user) turned tracking off; nil
    /// when nobody did (the usual case: no per-event work).
    func withoutTracking(_ events: [Event], store: any Store) async throws -> [Bool]? {
        guard try await anyWithoutTracking(store: store) else { return nil }
        var linked: [DeviceID: UserID?] = [:]
        var answer: [Bool] = []
        answer.reserveCapacity(events.count)
        for event in events {
            var user = event.userID
            if user == nil, let device = event.deviceID {
                if let known = linked[device] {
                    user = known
                } else {
                    let found = try await store.linkedUser(of: device)
                    linked[device] = .some(found)
                    user = found
                }
            }
            if let user {
                answer.append(try await consent(of: user, store: store).tracking == false)
            } else {
                answer.append(false)
            }
        }
        return answer
    }

    /// Stores the events whose users allow tracking; the others are answered `notTracked`. The
    /// server's ingest and `aisle import` both write through this.
    func appendTracked(
        _ events: [Event],
        receivedAt now: Timestamp,
        linking: DeviceLinking,
        store: any Store
    ) async throws -> AppendOutcome {
        guard let skipped = try await withoutTracking(events, store: store), skipped.contains(true) else {
            return try await store.appendEvents(events, receivedAt: now, linking: linking)
        }
        let kept = zip(events, skipped).filter { !$0.1 }.map(\.0)
        let stored = try await store.appendEvents(kept, receivedAt: now, linking: linking)
        var rows = stored.rows.makeIterator()
        return AppendOutcome(
            rows: skipped.map { $0 ? .notTracked : rows.next() ?? .notTracked },
            unknownItems: stored.unknownItems
        )
    }
}
