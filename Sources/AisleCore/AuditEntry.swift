/// One admin action in the audit log (`GET /v1/audit`): who (the key's id), what, on what, and
/// how it ended.
public struct AuditEntry: Sendable, Equatable {
    /// Increasing; the list's cursor. 0 before it is stored.
    public var sequence: Int64
    public var at: Timestamp
    /// `admin`, `ingest` or a made key's `key_…` id: never a secret.
    public var keyID: String
    /// `keys.create`, `items.delete`, `users.erase`, `consent.set`, … (docs/SECURITY.md).
    public var action: String
    /// What it acted on: `user u-42`, `item sku-1`, `key key_…`; nil for batches and settings.
    /// An erased user's id is replaced by a keyed pseudonym.
    public var target: String?
    /// The HTTP status it ended with.
    public var status: Int

    public init(sequence: Int64 = 0, at: Timestamp, keyID: String, action: String, target: String?, status: Int) {
        self.sequence = sequence
        self.at = at
        self.keyID = keyID
        self.action = action
        self.target = target
        self.status = status
    }
}

/// How audit entries name what they acted on.
public enum AuditTarget {
    public static func user(_ id: UserID) -> String { "user " + id.rawValue }
    public static func item(_ id: ItemID) -> String { "item " + id.rawValue }
    public static func key(_ id: String) -> String { "key " + id }
    public static func review(_ id: String) -> String { "review " + id }
    public static func experiment(_ id: String) -> String { "experiment " + id }
    public static func bandit(_ id: String) -> String { "bandit " + id }
    public static func order(_ id: String) -> String { "order " + id }
    public static func conversation(_ id: String) -> String { "conversation " + id }
}
