public import AisleCore
import AisleRecommend
import AisleSearch
public import AisleStore

/// Events and identity: what apps send with the ingest key.
extension Engine {
    /// Appends events (duplicates by id are dropped), linking devices by `linking`; accepted
    /// clicks that name a search lift their item for that query, and until a model learnt from
    /// an interaction, accepted events count towards the live popularity lists.
    public func appendEvents(
        _ events: [Event],
        linking: DeviceLinking,
        at now: Timestamp = .now()
    ) async throws -> AppendOutcome {
        let outcome = try await consents.appendTracked(events, receivedAt: now, linking: linking, store: store)
        for (event, row) in zip(events, outcome.rows) where event.type == .click && row == .accepted {
            // Duplicates (a retried batch) are not accepted, so they do not count twice.
            guard let query = event.query, let item = event.itemID else { continue }
            searchEngine.recordClick(query: query, item: item)
        }
        // Counted only until a model learnt from an interaction: a trained server's ingest
        // path copies nothing here.
        if recommendations.servesLivePopularity {
            recommendations.observe(zip(events, outcome.rows).filter { $0.1 == .accepted }.map(\.0))
        }
        // Rewards for bandits in use (none: one lock, nothing else).
        if bandits.anyLoaded {
            try await rewardBandits(with: zip(events, outcome.rows).filter { $0.1 == .accepted }.map(\.0))
        }
        return outcome
    }

    /// Links `device` to `user` (its anonymous events become the user's).
    public func identify(
        device: DeviceID,
        as user: UserID,
        relinking: RelinkPolicy
    ) async throws -> IdentifyOutcome {
        try await store.identify(device: device, as: user, at: .now(), relinking: relinking)
    }

    /// The user a device is linked to, if any.
    public func linkedUser(of device: DeviceID) async throws -> UserID? {
        try await store.linkedUser(of: device)
    }
}
