/// A catalog item, validated. Built from `ItemBody` by `ItemBody.validated(id:now:)`.
public struct Item: Sendable, Equatable {
    public var id: ItemID
    public var title: String
    public var description: String?
    /// Category paths in canonical form, "Clothing > Jackets > Down".
    public var categories: [String]
    public var brand: String?
    public var price: Double?
    /// ISO 4217 code, three upper-case letters.
    public var currency: String?
    /// Attribute values are strings, numbers, booleans or arrays of those.
    public var attributes: [String: JSONValue]
    public var imageURL: String?
    public var inStock: Bool
    /// Kept in the catalog but never recommended or returned by search (a draft, a recalled item).
    public var hidden: Bool
    public var tags: [String]
    /// When the item was created; set from the first upsert when the client does not send it.
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?

    public init(
        id: ItemID,
        title: String,
        description: String? = nil,
        categories: [String] = [],
        brand: String? = nil,
        price: Double? = nil,
        currency: String? = nil,
        attributes: [String: JSONValue] = [:],
        imageURL: String? = nil,
        inStock: Bool = true,
        hidden: Bool = false,
        tags: [String] = [],
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.categories = categories
        self.brand = brand
        self.price = price
        self.currency = currency
        self.attributes = attributes
        self.imageURL = imageURL
        self.inStock = inStock
        self.hidden = hidden
        self.tags = tags
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A shopper's profile. Attributes are free-form (locale, country, age_group, …).
public struct User: Sendable, Equatable {
    public var id: UserID
    public var attributes: [String: JSONValue]
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?

    public init(
        id: UserID,
        attributes: [String: JSONValue] = [:],
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil
    ) {
        self.id = id
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
