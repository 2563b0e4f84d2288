import Foundation

/// An item's photo as item reads show it: enough to ask for renditions by content
/// (`/v1/images/{sha256}`, cacheable for a year) and to know one exists.
public struct PhotoBody: Codable, Sendable, Equatable {
    public var sha256: String
    /// The original's width in pixels.
    public var width: Int

    public init(sha256: String, width: Int) {
        self.sha256 = sha256
        self.width = width
    }
}

/// The JSON shape of an item, in requests (`PUT /v1/items/{id}`, `POST /v1/items:batch`) and
/// responses. Only `title` is required on input; unknown fields are rejected.
public struct ItemBody: Codable, Sendable, Equatable {
    public var id: String?
    public var title: String?
    public var description: String?
    public var categories: [String]?
    public var brand: String?
    public var price: Double?
    public var currency: String?
    public var attributes: [String: JSONValue]?
    public var imageURL: String?
    /// The item's uploaded photo, in responses only (set by `PUT /v1/items/{id}/image`).
    public var image: PhotoBody?
    public var inStock: Bool?
    public var hidden: Bool?
    public var tags: [String]?
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, title, description, categories, brand, price, currency, attributes
        case imageURL = "image_url"
        case image
        case inStock = "in_stock"
        case hidden
        case tags
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(
        id: String? = nil,
        title: String? = nil,
        description: String? = nil,
        categories: [String]? = nil,
        brand: String? = nil,
        price: Double? = nil,
        currency: String? = nil,
        attributes: [String: JSONValue]? = nil,
        imageURL: String? = nil,
        inStock: Bool? = nil,
        hidden: Bool? = nil,
        tags: [String]? = nil,
        createdAt: TimestampBody? = nil,
        updatedAt: TimestampBody? = nil
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

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        categories = try container.decodeIfPresent([String].self, forKey: .categories)
        brand = try container.decodeIfPresent(String.self, forKey: .brand)
        price = try container.decodeIfPresent(Double.self, forKey: .price)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        attributes = try container.decodeIfPresent([String: JSONValue].self, forKey: .attributes)
        imageURL = try container.decodeIfPresent(String.self, forKey: .imageURL)
        image = try container.decodeIfPresent(PhotoBody.self, forKey: .image)
        inStock = try container.decodeIfPresent(Bool.self, forKey: .inStock)
        hidden = try container.decodeIfPresent(Bool.self, forKey: .hidden)
        tags = try container.decodeIfPresent([String].self, forKey: .tags)
        createdAt = try container.decodeIfPresent(TimestampBody.self, forKey: .createdAt)
        updatedAt = try container.decodeIfPresent(TimestampBody.self, forKey: .updatedAt)
    }

    /// The response shape of a stored item.
    public init(_ item: Item) {
        self.init(
            id: item.id.rawValue,
            title: item.title,
            description: item.description,
            categories: item.categories,
            brand: item.brand,
            price: item.price,
            currency: item.currency,
            attributes: item.attributes,
            imageURL: item.imageURL,
            inStock: item.inStock,
            hidden: item.hidden,
            tags: item.tags,
            createdAt: item.createdAt.map(TimestampBody.init),
            updatedAt: item.updatedAt.map(TimestampBody.init)
        )
    }

    /// Checks every field and returns the item. `pathID` is the id from the URL, when there is
    /// one: a body id must then match it.
    public func validated(pathID: String? = nil) throws(AisleError) -> Item {
        let rawID = try Validate.id(path: pathID, body: id)
        let itemID = try ItemID(validating: rawID, field: "id")
        guard let title else { throw .invalid("title", "\"title\" is required") }
        if updatedAt != nil {
            throw .invalid("updated_at", "updated_at is set by Aisle and cannot be sent")
        }
        if image != nil {
            throw .invalid("image", "image is set by PUT /v1/items/{id}/image and cannot be sent with the item")
        }
        return Item(
            id: itemID,
            title: try Validate.text(title, field: "title", maxBytes: 4096),
            description: try Validate.optionalText(description, field: "description", maxBytes: 65_536),
            categories: try Self.categoryPaths(categories ?? []),
            brand: try Validate.optionalText(brand, field: "brand", maxBytes: 256),
            price: try price.map { (value) throws(AisleError) in
                try Validate.number(value, field: "price", in: 0...1e12)
            },
            currency: try Self.currencyCode(currency),
            attributes: try Self.attributeValues(attributes ?? [:]),
            imageURL: try Self.imageURL(imageURL),
            inStock: inStock ?? true,
            hidden: hidden ?? false,
            tags: try Validate.texts(tags ?? [], field: "tags", maxCount: 128, maxBytes: 128),
            createdAt: createdAt?.timestamp
        )
    }

    /// "Clothing>Jackets >  Down" → "Clothing > Jackets > Down": one canonical spelling, so
    /// category filters can match by prefix.
    static func categoryPaths(_ paths: [String]) throws(AisleError) -> [String] {
        if paths.count > 32 {
            throw .invalid("categories", "categories may hold at most 32 paths, got \(paths.count)")
        }
        var canonical: [String] = []
        for (index, path) in paths.enumerated() {
            let field = "categories[\(index)]"
            let segments = path.split(separator: ">", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if segments.contains(where: \.isEmpty) {
                throw .invalid(
                    field,
                    "a category path is names joined by \" > \", like \"Clothing > Jackets\"; got \"\(path.prefix(128))\""
                )
            }
            if segments.count > 10 {
                throw .invalid(field, "a category path may have at most 10 levels, got \(segments.count)")
            }
            let joined = try Validate.text(segments.joined(separator: " > "), field: field, maxBytes: 512)
            if !canonical.contains(joined) { canonical.append(joined) }
        }
        return canonical
    }

    static func currencyCode(_ code: String?) throws(AisleError) -> String? {
        guard let code else { return nil }
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw .invalid(
                "currency",
                "currency must be an ISO 4217 code of three upper-case letters like \"EUR\", got \"\(code.prefix(16))\""
            )
        }
        return code
    }

    static func attributeValues(_ attributes: [String: JSONValue]) throws(AisleError) -> [String: JSONValue] {
        for key in attributes.keys.sorted() {
            let field = "attributes.\(key.prefix(128))"
            switch attributes[key] {
            case .string, .number, .bool: continue
            case .array(let values):
                for value in values {
                    switch value {
                    case .string, .number, .bool: continue
                    default:
                        throw .invalid(
                            field,
                            "array attributes hold strings, numbers or booleans, got \(value.typeName)"
                        )
                    }
                }
            case let other?:
                throw .invalid(
                    field,
                    "attributes are strings, numbers, booleans or arrays of those, got \(other.typeName)"
                )
            case nil: continue
            }
        }
        return try Validate.object(attributes, field: "attributes", maxKeys: 256, maxBytes: 65_536)
    }

    static func imageURL(_ url: String?) throws(AisleError) -> String? {
        guard let url else { return nil }
        let checked = try Validate.text(url, field: "image_url", maxBytes: 2048)
        let lower = checked.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), !checked.contains(" ") else {
            throw .invalid("image_url", "image_url must be an http or https URL")
        }
        return checked
    }
}

/// A body of many rows, `{"items": [...]}` or `{"users": [...]}`: `POST /v1/items:batch`
/// and `POST /v1/users:batch`. Each row decodes on its own, so one bad row fails alone.
public struct BatchBody<Row: BatchElement>: Decodable, Sendable, TopLevelArrayHint {
    public var rows: [BatchRow<Row>]

    public static var arrayHint: String { "a batch is {\"\(Row.batchKey)\": [...]}" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys where key.stringValue != Row.batchKey {
            throw AisleError.invalid(
                key.stringValue,
                "unknown field \"\(key.stringValue)\"; a batch is {\"\(Row.batchKey)\": [...]}"
            )
        }
        rows = try container.decode([BatchRow<Row>].self, forKey: AnyCodingKey(stringValue: Row.batchKey))
    }
}

/// A row type that can come in a batch, under `batchKey`.
public protocol BatchElement: Decodable, Sendable {
    static var batchKey: String { get }
}

extension ItemBody: BatchElement {
    public static var batchKey: String { "items" }
}

extension UserBody: BatchElement {
    public static var batchKey: String { "users" }
}

/// The answer to a batch upsert: how many rows were stored and why the others were not.
public struct BatchResultBody: Codable, Sendable, Equatable {
    public var upserted: Int
    public var errors: [RowError]

    enum CodingKeys: String, CodingKey {
        case upserted, errors
    }

    public init(upserted: Int, errors: [RowError]) {
        self.upserted = upserted
        self.errors = errors
    }
}

/// Why one row of a batch was rejected. `field` is relative to the row.
public struct RowError: Codable, Sendable, Equatable {
    public var index: Int
    public var code: AisleError.Code
    public var message: String
    public var field: String?

    enum CodingKeys: String, CodingKey {
        case index, code, message, field
    }

    public init(index: Int, error: AisleError) {
        self.index = index
        code = error.code
        message = error.message
        field = error.field
    }
}
