/// What a shopper did. Standard types have fixed meanings; stores add their own as `x_name`.
public struct EventType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public static let view = Self(uncheckedRawValue: "view")
    public static let click = Self(uncheckedRawValue: "click")
    public static let addToCart = Self(uncheckedRawValue: "add_to_cart")
    public static let removeFromCart = Self(uncheckedRawValue: "remove_from_cart")
    public static let purchase = Self(uncheckedRawValue: "purchase")
    public static let rate = Self(uncheckedRawValue: "rate")
    public static let review = Self(uncheckedRawValue: "review")
    public static let search = Self(uncheckedRawValue: "search")
    public static let like = Self(uncheckedRawValue: "like")
    public static let share = Self(uncheckedRawValue: "share")

    /// The standard types, in documentation order.
    public static let standard: [Self] = [
        .view, .click, .addToCart, .removeFromCart, .purchase, .rate, .review, .search, .like, .share,
    ]

    private init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// Wraps a type read back from the store.
    public init(stored rawValue: String) {
        self.rawValue = rawValue
    }

    /// A standard type, or a custom one: `x_` then 1 to 62 of `a-z 0-9 _`.
    public init(validating rawValue: String, field: String) throws(AisleError) {
        if Self.standardNames.contains(rawValue) || Self.isCustom(rawValue) {
            self.rawValue = rawValue
            return
        }
        throw .invalid(
            field,
            "unknown event type \"\(rawValue.prefix(64))\"; use one of \(Self.standard.map(\.rawValue).joined(separator: ", ")) or a custom type x_name"
        )
    }

    /// Whether the type is about one item, so `item_id` is required.
    public var needsItem: Bool {
        Self.itemTypes.contains(rawValue)
    }

    /// Whether `value` counts units (cart and purchase events).
    public var valueIsQuantity: Bool {
        self == .addToCart || self == .removeFromCart || self == .purchase
    }

    public var isCustom: Bool { Self.isCustom(rawValue) }

    public var description: String { rawValue }

    private static let standardNames = Set(standard.map(\.rawValue))
    private static let itemTypes: Set<String> = [
        "view", "click", "add_to_cart", "remove_from_cart", "purchase", "rate", "review", "like", "share",
    ]

    private static func isCustom(_ value: String) -> Bool {
        let bytes = value.utf8
        guard bytes.count >= 3, bytes.count <= 64, value.hasPrefix("x_") else { return false }
        return bytes.dropFirst(2).allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
    }
}

/// The kind of device an event came from.
public enum Platform: String, Sendable, Codable, CaseIterable {
    case ios, android, web, desktop
}

/// The device an event came from, as the app reports it.
public struct DeviceInfo: Sendable, Equatable {
    public var platform: Platform?
    public var model: String?
    public var appVersion: String?

    public init(platform: Platform? = nil, model: String? = nil, appVersion: String? = nil) {
        self.platform = platform
        self.model = model
        self.appVersion = appVersion
    }

    public var isEmpty: Bool { platform == nil && model == nil && appVersion == nil }
}

/// A validated behaviour event. `userID` or `deviceID` (or both) is set.
public struct Event: Sendable, Equatable {
    public var eventID: EventID?
    public var type: EventType
    public var userID: UserID?
    public var deviceID: DeviceID?
    public var itemID: ItemID?
    /// Rating 1–5 for `rate`, a quantity for cart and purchase events, free for custom types.
    public var value: Double?
    /// The search text, for `search` events.
    public var query: String?
    /// Set by the client, or assigned on ingest by `SessionPolicy`.
    public var sessionID: SessionID?
    public var device: DeviceInfo
    public var timestamp: Timestamp
    public var context: [String: JSONValue]?

    public init(
        eventID: EventID? = nil,
        type: EventType,
        userID: UserID? = nil,
        deviceID: DeviceID? = nil,
        itemID: ItemID? = nil,
        value: Double? = nil,
        query: String? = nil,
        sessionID: SessionID? = nil,
        device: DeviceInfo = DeviceInfo(),
        timestamp: Timestamp,
        context: [String: JSONValue]? = nil
    ) {
        self.eventID = eventID
        self.type = type
        self.userID = userID
        self.deviceID = deviceID
        self.itemID = itemID
        self.value = value
        self.query = query
        self.sessionID = sessionID
        self.device = device
        self.timestamp = timestamp
        self.context = context
    }
}

/// An event as the store keeps it: the resolved owner and the session are always set.
public struct StoredEvent: Sendable, Equatable {
    /// Store-assigned, increasing in arrival order; breaks timestamp ties deterministically.
    public var sequence: Int64
    public var event: Event
    public var receivedAt: Timestamp

    public init(sequence: Int64, event: Event, receivedAt: Timestamp) {
        self.sequence = sequence
        self.event = event
        self.receivedAt = receivedAt
    }
}

/// A device linked to a user by `identify`.
public struct DeviceLink: Sendable, Equatable {
    public var deviceID: DeviceID
    public var userID: UserID
    public var linkedAt: Timestamp
    /// The latest event seen from the device, if any.
    public var lastSeen: Timestamp?
    /// What the device's latest event said about it.
    public var device: DeviceInfo

    public init(
        deviceID: DeviceID,
        userID: UserID,
        linkedAt: Timestamp,
        lastSeen: Timestamp? = nil,
        device: DeviceInfo = DeviceInfo()
    ) {
        self.deviceID = deviceID
        self.userID = userID
        self.linkedAt = linkedAt
        self.lastSeen = lastSeen
        self.device = device
    }
}

/// An event as training reads it: only what models learn from, without the payload a client
/// sent (context, query, device model). The store's lean scan returns these.
public struct InteractionEvent: Sendable, Equatable {
    /// Store-assigned arrival order.
    public var sequence: Int64
    public var type: EventType
    /// The owner after identity resolution; nil for an anonymous device's event.
    public var userID: UserID?
    public var deviceID: DeviceID?
    public var itemID: ItemID
    public var value: Double?
    public var sessionID: SessionID?
    public var platform: Platform?
    public var timestamp: Timestamp

    public init(
        sequence: Int64,
        type: EventType,
        userID: UserID?,
        deviceID: DeviceID?,
        itemID: ItemID,
        value: Double?,
        sessionID: SessionID?,
        platform: Platform?,
        timestamp: Timestamp
    ) {
        self.sequence = sequence
        self.type = type
        self.userID = userID
        self.deviceID = deviceID
        self.itemID = itemID
        self.value = value
        self.sessionID = sessionID
        self.platform = platform
        self.timestamp = timestamp
    }
}
