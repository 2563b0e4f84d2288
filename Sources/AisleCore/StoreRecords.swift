// What the store's calls take and answer, beside the domain types: outcomes of writes, cursors,
// and the policies a caller picks. Plain values, here so that every layer can name them
// without importing the store (docs/ARCHITECTURE.md).

/// What `appendEvents` did with each row.
public struct AppendOutcome: Sendable, Equatable {
    public enum Row: Sendable, Equatable {
        case accepted
        case duplicate
        /// Not stored: the event's user turned tracking off (consent).
        case notTracked
    }

    public var rows: [Row]
    /// Accepted rows whose item id is not in the catalog (yet).
    public var unknownItems: Int

    public init(rows: [Row], unknownItems: Int) {
        self.rows = rows
        self.unknownItems = unknownItems
    }

    public var accepted: Int { rows.count { $0 == .accepted } }
    public var duplicates: Int { rows.count { $0 == .duplicate } }
    public var notTracked: Int { rows.count { $0 == .notTracked } }
}

/// Whether an event that carries both `user_id` and `device_id` links the device to the user,
/// as `identify` would (the device's anonymous events become the user's).
public enum DeviceLinking: Sendable, Equatable {
    /// Events link nothing.
    case none
    /// Links a device that no user holds yet (the ingest key); with `only`, just to that user
    /// (the user of the request's token when tokens are required). A device held by another
    /// user stays theirs; the event is still stored as its `user_id`'s.
    case unclaimed(only: UserID?)
    /// Links the device, moving it from another user if need be (the admin key).
    case moving
}

/// Whether `identify` may move a device that is linked to another user.
public enum RelinkPolicy: Sendable, Equatable {
    /// The admin key (the store's backend) may move devices between users.
    case allow
    /// The ingest key ships in apps: it must not take over another user's device.
    case refuse
}

public struct IdentifyOutcome: Sendable, Equatable {
    public var previousUser: UserID?
    public var eventsAttributed: Int

    public init(previousUser: UserID?, eventsAttributed: Int) {
        self.previousUser = previousUser
        self.eventsAttributed = eventsAttributed
    }
}

public struct UserErasure: Sendable, Equatable {
    public var profiles: Int
    public var events: Int
    public var devices: Int
    public var reviews: Int
    public var orders: Int
    /// Conversations with the assistant, the user's and their devices'.
    public var conversations: Int

    public init(profiles: Int, events: Int, devices: Int, reviews: Int = 0, orders: Int = 0, conversations: Int = 0) {
        self.profiles = profiles
        self.events = events
        self.devices = devices
        self.reviews = reviews
        self.orders = orders
        self.conversations = conversations
    }

    /// Nothing of the user existed.
    public var isEmpty: Bool {
        profiles == 0 && events == 0 && devices == 0 && reviews == 0 && orders == 0 && conversations == 0
    }
}

/// A stored item embedding.
public struct ItemEmbedding: Sendable, Equatable {
    public var itemID: ItemID
    public var model: String
    public var vector: [Float]
    /// The `updatedAt` of the item version the vector was computed from.
    public var updatedAt: Timestamp

    public init(itemID: ItemID, model: String, vector: [Float], updatedAt: Timestamp) {
        self.itemID = itemID
        self.model = model
        self.vector = vector
        self.updatedAt = updatedAt
    }
}

/// What a review write does to a review that already has the same id.
public enum ExistingReviewPolicy: Sendable, Equatable {
    /// Edits it (the admin key: moderation, corrections, imports).
    case replace
    /// Keeps it: a retry of the same review is harmless, anything else is a `conflict`. The
    /// ingest key ships inside apps, so with it nobody may rewrite another shopper's review.
    case createOnly
}

/// What `putReviews` did.
public struct ReviewWrite: Sendable, Equatable {
    /// The reviews stored, as stored (with their times).
    public var stored: [Review]
    /// Positions (in the call) of reviews not stored because their item is not in the catalog.
    public var unknownItems: [Int]

    public init(stored: [Review], unknownItems: [Int]) {
        self.stored = stored
        self.unknownItems = unknownItems
    }
}

/// Where a page of an item's reviews ended: the last review's creation time and id.
public struct ReviewCursor: Sendable, Equatable {
    public var createdAt: Timestamp
    public var id: ReviewID

    public init(createdAt: Timestamp, id: ReviewID) {
        self.createdAt = createdAt
        self.id = id
    }
}

/// Where a history page ended: the last event's time and sequence.
public struct HistoryCursor: Sendable, Equatable {
    public var timestamp: Timestamp
    public var sequence: Int64

    public init(timestamp: Timestamp, sequence: Int64) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    public init(after event: StoredEvent) {
        self.init(timestamp: event.event.timestamp, sequence: event.sequence)
    }
}

/// An event as experiment results read it: who owns it (an `ExposureUnit` key: "u:" + user id,
/// or "d:" + device id for an anonymous device's event), and the fields a metric needs.
public struct OwnedEvent: Sendable, Equatable {
    /// Store-assigned arrival order.
    public var sequence: Int64
    public var owner: String
    public var type: EventType
    public var itemID: ItemID?
    public var value: Double?
    public var timestamp: Timestamp

    public init(sequence: Int64, owner: String, type: EventType, itemID: ItemID?, value: Double?, timestamp: Timestamp)
    {
        self.sequence = sequence
        self.owner = owner
        self.type = type
        self.itemID = itemID
        self.value = value
        self.timestamp = timestamp
    }
}

/// How much a store holds (the dashboard's data panel).
public struct StoreCounts: Sendable, Equatable {
    /// Items in the catalog (hidden ones too; not deleted ones).
    public var items: Int
    /// Users with a profile, or with events or linked devices.
    public var users: Int
    /// Devices seen: linked to a user, or with anonymous events of their own.
    public var devices: Int
    public var events: Int
    public var reviews: Int

    public init(items: Int, users: Int, devices: Int, events: Int, reviews: Int) {
        self.items = items
        self.users = users
        self.devices = devices
        self.events = events
        self.reviews = reviews
    }
}
