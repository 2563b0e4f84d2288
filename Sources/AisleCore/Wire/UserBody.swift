/// The JSON shape of a user profile (`PUT /v1/users/{id}` and responses).
public struct UserBody: Codable, Sendable, Equatable {
    public var id: String?
    /// Free-form: locale, country, age_group, … Any JSON values, at most 256 keys and 64 KiB.
    public var attributes: [String: JSONValue]?
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, attributes
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(
        id: String? = nil,
        attributes: [String: JSONValue]? = nil,
        createdAt: TimestampBody? = nil,
        updatedAt: TimestampBody? = nil
    ) {
        self.id = id
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        attributes = try container.decodeIfPresent([String: JSONValue].self, forKey: .attributes)
        createdAt = try container.decodeIfPresent(TimestampBody.self, forKey: .createdAt)
        updatedAt = try container.decodeIfPresent(TimestampBody.self, forKey: .updatedAt)
    }

    public init(_ user: User) {
        self.init(
            id: user.id.rawValue,
            attributes: user.attributes,
            createdAt: user.createdAt.map(TimestampBody.init),
            updatedAt: user.updatedAt.map(TimestampBody.init)
        )
    }

    /// Checks the body; `pathID` is the id from the URL, which a body id must match.
    public func validated(pathID: String? = nil) throws(AisleError) -> User {
        let rawID = try Validate.id(path: pathID, body: id)
        if createdAt != nil || updatedAt != nil {
            throw .invalid(
                createdAt != nil ? "created_at" : "updated_at",
                "timestamps are set by Aisle and cannot be sent"
            )
        }
        return User(
            id: try UserID(validating: rawID, field: "id"),
            attributes: try Validate.object(attributes ?? [:], field: "attributes", maxKeys: 256, maxBytes: 65_536)
        )
    }
}

/// What `DELETE /v1/users/{id}` erased.
public struct UserErasureBody: Codable, Sendable, Equatable {
    public var userID: String
    public var profiles: Int
    public var events: Int
    public var devices: Int
    public var reviews: Int
    public var orders: Int
    /// Conversations with the assistant.
    public var conversations: Int

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case profiles, events, devices, reviews, orders, conversations
    }

    public init(
        userID: String,
        profiles: Int,
        events: Int,
        devices: Int,
        reviews: Int,
        orders: Int = 0,
        conversations: Int = 0
    ) {
        self.userID = userID
        self.profiles = profiles
        self.events = events
        self.devices = devices
        self.reviews = reviews
        self.orders = orders
        self.conversations = conversations
    }
}

/// A page of a list. `next_cursor` is absent on the last page; pass it back as `cursor`.
public struct PageBody<Element: Codable & Sendable>: Codable, Sendable {
    public var data: [Element]
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    public init(data: [Element], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }
}

/// The error envelope: `{"error":{"code","message","field"}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var field: String?
    }

    public var error: Detail

    public init(_ error: AisleError) {
        self.init(code: error.code.rawValue, message: error.message, field: error.field)
    }

    public init(code: String, message: String, field: String? = nil) {
        error = Detail(code: code, message: message, field: field)
    }
}

extension UserErasureBody {
    /// What erasing `user` removed.
    public init(user: UserID, _ erased: UserErasure) {
        self.init(
            userID: user.rawValue,
            profiles: erased.profiles,
            events: erased.events,
            devices: erased.devices,
            reviews: erased.reviews,
            orders: erased.orders,
            conversations: erased.conversations
        )
    }
}

/// `PUT /v1/users/{id}/consent`: `{"personalization": bool, "tracking": bool}`; a field left
/// out keeps its value.
public struct ConsentUpdateBody: Decodable, Sendable, Equatable {
    public var personalization: Bool?
    public var tracking: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case personalization, tracking
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        if container.contains(AnyCodingKey(stringValue: "updated_at")) {
            throw AisleError.invalid("updated_at", "updated_at is set by Aisle and cannot be sent")
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let known = try decoder.container(keyedBy: CodingKeys.self)
        personalization = try known.decodeIfPresent(Bool.self, forKey: .personalization)
        tracking = try known.decodeIfPresent(Bool.self, forKey: .tracking)
        if personalization == nil && tracking == nil {
            throw AisleError.invalid("personalization", "send personalization, tracking or both (true or false)")
        }
    }
}

/// A user's consent as the API answers it.
public struct ConsentBody: Codable, Sendable, Equatable {
    public var personalization: Bool
    public var tracking: Bool
    public var updatedAt: TimestampBody?

    enum CodingKeys: String, CodingKey {
        case personalization, tracking
        case updatedAt = "updated_at"
    }

    public init(_ consent: Consent) {
        personalization = consent.personalization
        tracking = consent.tracking
        updatedAt = consent.updatedAt.map(TimestampBody.init)
    }
}
