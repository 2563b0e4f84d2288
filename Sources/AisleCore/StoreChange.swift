/// A change one node made that every other node on the same database holds in memory (several
/// `aisle serve` nodes on PostgreSQL, docs/SCALING.md). The store carries them between nodes
/// (`ChangeFeedStore`); each node's engine applies the others'.
public enum StoreChange: Sendable, Equatable {
    /// Items upserted or deleted; empty: too many to name, re-read the catalog.
    case items([ItemID])
    /// Items' photos set or removed; empty: too many to name, re-read them all.
    case images([ItemID])
    /// Item text embeddings stored by `model`.
    case embeddings(model: String, items: [ItemID])
    /// The search synonym rules were replaced.
    case synonyms
    /// The assistant's FAQ set was replaced.
    case faqs
    /// An experiment was created or changed.
    case experiment(ExperimentID)
    /// A bandit's definition was created or changed.
    case bandit(BanditID)
    /// A user's consent changed.
    case consent(UserID)
    /// A user was erased; `units` are their `ExposureUnit` keys (the user's and their devices').
    case userErased(UserID, units: [String])
    /// A key made with `POST /v1/keys` was created or revoked.
    case madeKeys
    /// A new recommendation snapshot was saved.
    case model
    /// The feed was interrupted and changes may have been missed: re-read everything held.
    case resync
}
