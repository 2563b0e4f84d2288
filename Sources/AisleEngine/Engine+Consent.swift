public import AisleCore
import AisleStore

/// Consent: a user may turn off a personal feed (their feed is then exactly the trending list,
/// and search is not re-ranked for them) and the storing of their events.
extension Engine {
    /// The user's consent (everything allowed when never set).
    public func consent(of user: UserID) async throws -> Consent {
        try await consents.consent(of: user, store: store)
    }

    /// Changes the user's consent: `nil` keeps a setting as it is. Takes effect on the next
    /// request.
    public func setConsent(of user: UserID, personalization: Bool?, tracking: Bool?) async throws -> Consent {
        let consent = try await store.updateConsent(
            of: user,
            personalization: personalization,
            tracking: tracking,
            at: .now()
        )
        consents.set(consent, of: user)
        await store.publish(.consent(user))
        return consent
    }

    /// The user a shopper is (a device: its linked user), when their consent restricts
    /// personalization; nil for everyone else.
    func withoutPersonalization(_ shopper: Shopper) async throws -> UserID? {
        // Nobody turned it off (the usual case): no device lookup on the feed's path.
        guard try await consents.anyWithoutPersonalization(store: store) else { return nil }
        let user: UserID?
        switch shopper {
        case .user(let id): user = id
        case .device(let device): user = try await store.linkedUser(of: device)
        case .anonymous: user = nil
        }
        guard let user else { return nil }
        return try await consent(of: user).personalization ? nil : user
    }
}
