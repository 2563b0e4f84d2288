import AisleCore
public import AisleMath

/// Training data: every user's history over one catalog, and the user × item matrix models fit.
///
/// Built once per training run from the store's events (or a benchmark file); immutable after.
public struct InteractionLog: Sendable {
    /// The items, with their indices.
    public let catalog: Catalog
    /// User ids by row of `matrix`, in id order.
    public let users: [String]
    /// Each user's history, ordered by (time, item index): the order split.py uses.
    public let histories: [History]
    /// user × item, the summed weight of the user's interactions with the item.
    public let matrix: CSRMatrix
    /// The newest interaction's time (seconds since the epoch); 0 for an empty log.
    public let latestTimestamp: Double

    /// A log of `interactions`; `extraItems` joins the catalog without interactions (new items,
    /// or items only seen in a test split, so that every model ranks the same catalog).
    public init(_ interactions: [Interaction], extraItems: [String] = []) {
        let catalog = Catalog(interactions.lazy.map(\.item) + extraItems)
        self.init(interactions, catalog: catalog)
    }

    /// A log of `interactions` over a given catalog; interactions with items outside it are skipped.
    public init(_ interactions: [Interaction], catalog: Catalog) {
        self.catalog = catalog
        let users = IDOrder.sorted(Set(interactions.lazy.map(\.user)))
        var userIndex: [String: Int] = [:]
        userIndex.reserveCapacity(users.count)
        for (position, user) in users.enumerated() { userIndex[user] = position }
        var histories = [History](repeating: History(), count: users.count)
        var latest = 0.0
        for interaction in interactions {
            guard let item = catalog.index(of: ItemID(interaction.item)), let user = userIndex[interaction.user] else {
                continue
            }
            histories[user].append(item: item, weight: interaction.weight, timestamp: interaction.timestamp)
            latest = max(latest, interaction.timestamp)
        }
        var entries: [CSRMatrix.Entry] = []
        entries.reserveCapacity(interactions.count)
        for user in histories.indices {
            histories[user] = histories[user].sortedByTime()
            for (item, weight) in zip(histories[user].items, histories[user].weights) {
                entries.append(CSRMatrix.Entry(row: user, column: Int(item), value: weight))
            }
        }
        self.users = users
        self.histories = histories
        self.matrix = CSRMatrix(rows: users.count, columns: catalog.count, entries: entries)
        self.latestTimestamp = latest
    }

    /// Number of interactions.
    public var interactionCount: Int { histories.reduce(0) { $0 + $1.items.count } }
}

extension History {
    /// The same entries ordered by (time, item index), stable.
    func sortedByTime() -> History {
        let order = items.indices.sorted { lhs, rhs in
            timestamps[lhs] != timestamps[rhs] ? timestamps[lhs] < timestamps[rhs] : items[lhs] < items[rhs]
        }
        return History(
            items: order.map { items[$0] },
            weights: order.map { weights[$0] },
            timestamps: order.map { timestamps[$0] }
        )
    }
}
