import Foundation

/// The JSON shape of one event (`POST /v1/events`, history responses and import rows).
public struct EventBody: Codable, Sendable, Equatable {
    public var eventID: String?
    public var type: String?
    public var userID: String?
    public var deviceID: String?
    public var itemID: String?
    public var value: Double?
    public var query: String?
    public var sessionID: String?
    public var device: DeviceBody?
    public var timestamp: TimestampBody?
    public var context: [String: JSONValue]?
    /// Response only: when Aisle stored the event.
    public var receivedAt: TimestampBody?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case eventID = "event_id"
        case type
        case userID = "user_id"
        case deviceID = "device_id"
        case itemID = "item_id"
        case value, query
        case sessionID = "session_id"
        case device, timestamp, context
        case receivedAt = "received_at"
    }

    public init(
        eventID: String? = nil,
        type: String? = nil,
        userID: String? = nil,
        deviceID: String? = nil,
        itemID: String? = nil,
        value: Double? = nil,
        query: String? = nil,
        sessionID: String? = nil,
        device: DeviceBody? = nil,
        timestamp: TimestampBody? = nil,
        context: [String: JSONValue]? = nil,
        receivedAt: TimestampBody? = nil
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
        self.receivedAt = receivedAt
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        eventID = try container.decodeIfPresent(String.self, forKey: .eventID)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        deviceID = try container.decodeIfPresent(String.self, forKey: .deviceID)
        itemID = try container.decodeIfPresent(String.self, forKey: .itemID)
        value = try container.decodeIfPresent(Double.self, forKey: .value)
        query = try container.decodeIfPresent(String.self, forKey: .query)
        sessionID = try container.decodeIfPresent(String.self, forKey: .sessionID)
        device = try container.decodeIfPresent(DeviceBody.self, forKey: .device)
        timestamp = try container.decodeIfPresent(TimestampBody.self, forKey: .timestamp)
        context = try container.decodeIfPresent([String: JSONValue].self, forKey: .context)
        receivedAt = try container.decodeIfPresent(TimestampBody.self, forKey: .receivedAt)
    }

    /// The response shape of a stored event.
    public init(_ stored: StoredEvent) {
        let event = stored.event
        self.init(
            eventID: event.eventID?.rawValue,
            type: event.type.rawValue,
            userID: event.userID?.rawValue,
            deviceID: event.deviceID?.rawValue,
            itemID: event.itemID?.rawValue,
            value: event.value,
            query: event.query,
            sessionID: event.sessionID?.rawValue,
            device: event.device.isEmpty ? nil : DeviceBody(event.device),
            timestamp: TimestampBody(event.timestamp),
            context: event.context,
            receivedAt: TimestampBody(stored.receivedAt)
        )
    }

    /// Checks every field. A missing timestamp means `now`; more than `maxFutureSkew` past
    /// `now` is rejected (a phone with a wrong clock must not poison "recent" signals).
    public func validated(now: Timestamp, maxFutureSkew: Duration = .seconds(24 * 3600)) throws(AisleError) -> Event {
        guard let type else { throw .invalid("type", "\"type\" is required") }
        if receivedAt != nil {
            throw .invalid("received_at", "received_at is set by Aisle and cannot be sent")
        }
        let eventType = try EventType(validating: type, field: "type")
        let user = try userID.map { (id) throws(AisleError) in try UserID(validating: id, field: "user_id") }
        let deviceID = try deviceID.map { (id) throws(AisleError) in try DeviceID(validating: id, field: "device_id") }
        if user == nil && deviceID == nil {
            throw .invalid("user_id", "an event needs user_id, device_id or both")
        }
        let item = try itemID.map { (id) throws(AisleError) in try ItemID(validating: id, field: "item_id") }
        if eventType.needsItem && item == nil {
            throw .invalid("item_id", "\"item_id\" is required for \(type) events")
        }
        let checkedValue = try Self.checkedValue(value, for: eventType)
        // Any type may carry a query (a click on a search result); search events need one.
        let checkedQuery = try Validate.optionalText(query, field: "query", maxBytes: 1024)
        if eventType == .search && checkedQuery == nil {
            throw .invalid("query", "\"query\" is required for search events")
        }
        let time = timestamp?.timestamp ?? now
        if time.milliseconds(since: now) > maxFutureSkew.milliseconds {
            throw .invalid(
                "timestamp",
                "timestamp \(time.rfc3339) is more than \(maxFutureSkew.milliseconds / 3_600_000) h in the future (server time \(now.rfc3339))"
            )
        }
        return Event(
            eventID: try eventID.map { (id) throws(AisleError) in try EventID(validating: id, field: "event_id") },
            type: eventType,
            userID: user,
            deviceID: deviceID,
            itemID: item,
            value: checkedValue,
            query: checkedQuery,
            sessionID: try sessionID.map { (id) throws(AisleError) in try SessionID(validating: id, field: "session_id")
            },
            device: try device?.validated() ?? DeviceInfo(),
            timestamp: time,
            context: try context.map { (object) throws(AisleError) in
                try Validate.object(object, field: "context", maxKeys: 64, maxBytes: 16_384)
            }
        )
    }

    static func checkedValue(_ value: Double?, for type: EventType) throws(AisleError) -> Double? {
        if type == .rate {
            guard let value else {
                throw .invalid("value", "\"value\" (the rating, 1 to 5) is required for rate events")
            }
            return try Validate.number(value, field: "value", in: 1...5)
        }
        guard let value else { return nil }
        if type.valueIsQuantity {
            let quantity = try Validate.number(value, field: "value", in: 1...1_000_000)
            guard quantity == quantity.rounded() else {
                throw .invalid(
                    "value",
                    "value is a quantity for \(type) events and must be a whole number, got \(value)"
                )
            }
            return quantity
        }
        return try Validate.number(value, field: "value", in: -1e15...1e15)
    }
}

/// The `device` object of an event.
public struct DeviceBody: Codable, Sendable, Equatable {
    public var platform: String?
    public var model: String?
    public var appVersion: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case platform, model
        case appVersion = "app_version"
    }

    public init(platform: String? = nil, model: String? = nil, appVersion: String? = nil) {
        self.platform = platform
        self.model = model
        self.appVersion = appVersion
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        platform = try container.decodeIfPresent(String.self, forKey: .platform)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        appVersion = try container.decodeIfPresent(String.self, forKey: .appVersion)
    }

    public init(_ info: DeviceInfo) {
        self.init(platform: info.platform?.rawValue, model: info.model, appVersion: info.appVersion)
    }

    func validated() throws(AisleError) -> DeviceInfo {
        var info = DeviceInfo()
        if let platform {
            guard let known = Platform(rawValue: platform) else {
                throw .invalid(
                    "device.platform",
                    "platform must be one of ios, android, web, desktop; got \"\(platform.prefix(32))\""
                )
            }
            info.platform = known
        }
        info.model = try Validate.optionalText(model, field: "device.model", maxBytes: 128)
        info.appVersion = try Validate.optionalText(appVersion, field: "device.app_version", maxBytes: 64)
        return info
    }
}

/// The body of `POST /v1/events`: one event object, or `{"events": [...]}`.
public enum EventsRequestBody: Decodable, Sendable, TopLevelArrayHint {
    public static var arrayHint: String { #"a batch is {"events": [...]}"# }

    case single(EventBody)
    case batch([BatchRow<EventBody>])

    enum BatchKeys: String, CodingKey, CaseIterable {
        case events
    }

    /// Decodes a request body: the fast path for plain events, JSONDecoder for the rest (and
    /// for every error message).
    public static func decode(_ bytes: [UInt8]) throws(AisleError) -> EventsRequestBody {
        try JSONStrictness.check(bytes, arrayHint: arrayHint)
        if let rows = EventBody.fastDecodeBatch(bytes[...]) {
            return .batch(rows.map { BatchRow(.success($0)) })
        }
        if let row = EventBody.fastDecode(bytes[...]) {
            return .single(row)
        }
        return try Wire.decode(EventsRequestBody.self, from: Data(bytes))
    }

    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyCodingKey.self).allKeys
        if keys.contains(where: { $0.stringValue == "events" }) {
            try decoder.rejectUnknownKeys(BatchKeys.self)
            let container = try decoder.container(keyedBy: BatchKeys.self)
            self = .batch(try container.decode([BatchRow<EventBody>].self, forKey: .events))
        } else {
            self = .single(try EventBody(from: decoder))
        }
    }
}

/// The answer to `POST /v1/events`.
public struct IngestResultBody: Codable, Sendable, Equatable {
    /// Rows stored now.
    public var accepted: Int
    /// Rows whose event_id was already stored; not stored again.
    public var duplicates: Int
    /// Accepted rows whose item_id is not (yet) in the catalog; kept, never recommended.
    public var unknownItems: Int
    public var errors: [RowError]
    /// Rows not stored because their user turned tracking off, by index; absent when none.
    public var notTracked: [Int]?

    enum CodingKeys: String, CodingKey {
        case accepted, duplicates
        case unknownItems = "unknown_items"
        case errors
        case notTracked = "not_tracked"
    }

    public init(accepted: Int, duplicates: Int, unknownItems: Int, errors: [RowError], notTracked: [Int]? = nil) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.unknownItems = unknownItems
        self.errors = errors
        self.notTracked = notTracked
    }
}

/// The body of `POST /v1/identify`.
public struct IdentifyBody: Codable, Sendable, Equatable {
    public var deviceID: String?
    public var userID: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case deviceID = "device_id"
        case userID = "user_id"
    }

    public init(deviceID: String?, userID: String?) {
        self.deviceID = deviceID
        self.userID = userID
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try container.decodeIfPresent(String.self, forKey: .deviceID)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
    }

    public func validated() throws(AisleError) -> (DeviceID, UserID) {
        guard let deviceID else { throw .invalid("device_id", "\"device_id\" is required") }
        guard let userID else { throw .invalid("user_id", "\"user_id\" is required") }
        return (
            try DeviceID(validating: deviceID, field: "device_id"), try UserID(validating: userID, field: "user_id")
        )
    }
}

/// The answer to `POST /v1/identify`.
public struct IdentifyResultBody: Codable, Sendable, Equatable {
    public var deviceID: String
    public var userID: String
    /// True when the device was linked to another user before. Who that was is not said: the
    /// ingest key ships in apps, and must not reveal which user owns a device.
    public var relinked: Bool
    /// Anonymous events of the device that now belong to the user.
    public var eventsAttributed: Int

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case userID = "user_id"
        case relinked
        case eventsAttributed = "events_attributed"
    }

    public init(deviceID: String, userID: String, relinked: Bool, eventsAttributed: Int) {
        self.deviceID = deviceID
        self.userID = userID
        self.relinked = relinked
        self.eventsAttributed = eventsAttributed
    }
}

/// One linked device in `GET /v1/users/{id}/devices`.
public struct DeviceLinkBody: Codable, Sendable, Equatable {
    public var deviceID: String
    public var linkedAt: TimestampBody
    public var lastSeen: TimestampBody?
    public var platform: String?
    public var model: String?
    public var appVersion: String?

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id"
        case linkedAt = "linked_at"
        case lastSeen = "last_seen"
        case platform, model
        case appVersion = "app_version"
    }

    public init(_ link: DeviceLink) {
        deviceID = link.deviceID.rawValue
        linkedAt = TimestampBody(link.linkedAt)
        lastSeen = link.lastSeen.map(TimestampBody.init)
        platform = link.device.platform?.rawValue
        model = link.device.model
        appVersion = link.device.appVersion
    }
}

extension IngestResultBody {
    /// What an ingest call did, with the errors of the rows that were not valid. `positions[i]`
    /// is the request index of `outcome.rows[i]` (a single event: `[0]`).
    public init(_ outcome: AppendOutcome, errors: [RowError], positions: [Int]) {
        let skipped = zip(outcome.rows, positions).filter { $0.0 == .notTracked }.map(\.1)
        self.init(
            accepted: outcome.accepted,
            duplicates: outcome.duplicates,
            unknownItems: outcome.unknownItems,
            errors: errors,
            notTracked: skipped.isEmpty ? nil : skipped
        )
    }
}
