/// A shopper's order as the store's backend reports it (`PUT /v1/orders/{id}`): what the
/// assistant answers "where is my order" from. Orders are personal data: a user's export
/// includes them and their erasure deletes them.
public struct Order: Sendable, Equatable {
    /// Where an order is.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case placed, paid, shipped, delivered, cancelled, returned
    }

    /// One line of the order.
    public struct Line: Sendable, Equatable, Codable {
        public var itemID: ItemID
        public var quantity: Int
        /// Unit price, in the shop's currency; nil when not sent.
        public var price: Double?

        public init(itemID: ItemID, quantity: Int, price: Double? = nil) {
            self.itemID = itemID
            self.quantity = quantity
            self.price = price
        }

        enum CodingKeys: String, CodingKey {
            case itemID = "item_id"
            case quantity, price
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            itemID = ItemID(try container.decode(String.self, forKey: .itemID))
            quantity = try container.decode(Int.self, forKey: .quantity)
            price = try container.decodeIfPresent(Double.self, forKey: .price)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(itemID.rawValue, forKey: .itemID)
            try container.encode(quantity, forKey: .quantity)
            try container.encodeIfPresent(price, forKey: .price)
        }
    }

    public var id: OrderID
    public var userID: UserID
    public var status: Status
    public var lines: [Line]
    public var carrier: String?
    public var trackingNumber: String?
    /// When the carrier expects to deliver it.
    public var eta: Timestamp?
    /// When the order last changed, as the backend says (the time of the put when not sent).
    public var updatedAt: Timestamp?
    /// When it was first stored.
    public var createdAt: Timestamp?

    public init(
        id: OrderID,
        userID: UserID,
        status: Status,
        lines: [Line],
        carrier: String? = nil,
        trackingNumber: String? = nil,
        eta: Timestamp? = nil,
        updatedAt: Timestamp? = nil,
        createdAt: Timestamp? = nil
    ) {
        self.id = id
        self.userID = userID
        self.status = status
        self.lines = lines
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.eta = eta
        self.updatedAt = updatedAt
        self.createdAt = createdAt
    }

    /// Most lines an order may have.
    public static let maxLines = 500
    /// Longest carrier name and tracking number, in UTF-8 bytes.
    public static let maxFieldBytes = 128

    /// Throws `invalid_field` naming the first field out of range.
    public func validate() throws(AisleError) {
        if lines.isEmpty { throw .invalid("items", "an order needs at least one item") }
        if lines.count > Self.maxLines {
            throw .invalid("items", "an order has at most \(Self.maxLines) items, got \(lines.count)")
        }
        for (index, line) in lines.enumerated() {
            if line.quantity < 1 || line.quantity > 1_000_000 {
                throw .invalid("items[\(index)].quantity", "quantity must be 1 to 1000000, got \(line.quantity)")
            }
            if let price = line.price, !price.isFinite || price < 0 {
                throw .invalid("items[\(index)].price", "price must be a number >= 0")
            }
        }
        for (field, value) in [("carrier", carrier), ("tracking_number", trackingNumber)] {
            guard let value else { continue }
            if value.isEmpty || value.utf8.count > Self.maxFieldBytes {
                throw .invalid(field, "\(field) must be 1 to \(Self.maxFieldBytes) UTF-8 bytes")
            }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw .invalid(field, "\(field) must not contain control characters")
            }
        }
    }
}

public enum OrderKind: IdentifierKind { public static var name: String { "order id" } }
public typealias OrderID = Identifier<OrderKind>
