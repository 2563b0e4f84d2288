/// What a user agreed to (`PUT /v1/users/{id}/consent`). Both default to true: a user who never
/// said otherwise gets a personal feed and has their events stored.
public struct Consent: Sendable, Equatable {
    /// A feed and search ranking of their own; without it their feed is exactly the trending
    /// list and search is not re-ranked for them.
    public var personalization: Bool
    /// Their events stored; without it events of theirs are answered as `not_tracked` and not
    /// stored.
    public var tracking: Bool
    /// When it last changed; nil for the default.
    public var updatedAt: Timestamp?

    public init(personalization: Bool = true, tracking: Bool = true, updatedAt: Timestamp? = nil) {
        self.personalization = personalization
        self.tracking = tracking
        self.updatedAt = updatedAt
    }

    /// Everything allowed: what a user who never set consent has.
    public static let granted = Consent()

    /// Whether this differs from the default (a user the engine must remember).
    public var restricts: Bool { !personalization || !tracking }
}
