public import AisleCore

/// Everything one training run learns from, collected page by page from the store: the weighted
/// interactions per shopper, the baskets (carts and purchases per session) for "bought together",
/// the platform of each event for segment trends, and the catalog's facts.
public struct TrainingInput: Sendable {
    /// Positive interactions (weight > 0), one per event.
    public private(set) var interactions: [Interaction] = []
    /// Cart and purchase events keyed by session: each session is one basket.
    public private(set) var baskets: [Interaction] = []
    /// The platform of each interaction ("" when unknown), parallel to `interactions`.
    public private(set) var platforms: [String] = []
    /// Each user's locale (`locale` profile attribute, lower-cased), by actor key.
    public private(set) var locales: [String: String] = [:]
    /// Catalog items by id (hidden and out-of-stock ones included: they still teach similarity).
    public private(set) var items: [ItemID: ItemFacts] = [:]
    /// Events read.
    public private(set) var eventsRead = 0
    /// The newest event sequence read (resume point for the next run's count).
    public private(set) var lastSequence: Int64 = 0

    /// The weights events are turned into interactions with.
    public let weights: EventWeights

    /// An empty input.
    public init(weights: EventWeights = EventWeights()) {
        self.weights = weights
    }

    /// Adds a page of events (arrival order), from the store's lean scan.
    public mutating func add(_ events: [InteractionEvent]) {
        for event in events {
            eventsRead += 1
            lastSequence = max(lastSequence, event.sequence)
            let item = event.itemID.rawValue
            let owner: String
            if let user = event.userID {
                owner = ActorKey.user(user)
            } else if let device = event.deviceID {
                owner = ActorKey.device(device)
            } else {
                continue
            }
            let weight = weights.weight(of: event.type, value: event.value)
            guard weight > 0 else { continue }
            let time = Double(event.timestamp.millisecondsSinceEpoch) / 1_000
            interactions.append(Interaction(user: owner, item: item, timestamp: time, weight: weight))
            platforms.append(event.platform?.rawValue ?? "")
            if event.type == .purchase || event.type == .addToCart, let session = event.sessionID {
                baskets.append(
                    Interaction(user: owner + "#" + session.rawValue, item: item, timestamp: time, weight: 1)
                )
            }
        }
    }

    /// Adds a page of user profiles (their `locale` attribute, for new shoppers' trends).
    public mutating func add(users: [User]) {
        for user in users {
            if case .string(let locale)? = user.attributes["locale"], let key = Self.localeKey(locale) {
                locales[ActorKey.user(user.id)] = key
            }
        }
    }

    /// Attaches review sentiment (count, mean score) to the catalog's items; call after `add(_:)`.
    public mutating func add(reviews: [ItemID: ReviewSentiment]) {
        for (id, sentiment) in reviews { items[id]?.reviews = sentiment }
    }

    /// Adds a page of catalog items.
    public mutating func add(_ catalogItems: [Item]) {
        for item in catalogItems { items[item.id] = ItemFacts(item) }
    }
}

extension TrainingInput {
    /// A locale as trends are keyed: the language subtag, lower-cased ("de-CH" and "de_DE" →
    /// "de"), so a small market still has enough events. Nil for text that is not a locale.
    public static func localeKey(_ locale: String) -> String? {
        let language = locale.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        return (2...8).contains(language.count) && language.allSatisfy(\.isLetter) ? language : nil
    }
}
