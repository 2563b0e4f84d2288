public import AisleCore
import Foundation
import PostgresNIO

/// The catalog role on PostgreSQL: the SQLite store's semantics (`CatalogStore`), one
/// transaction per call.
extension PostgresStore: CatalogStore {
    static let itemColumns = """
        id, title, description, categories::text, brand, price, currency, attributes::text, image_url, in_stock,
        hidden, tags::text, created_at, updated_at
        """

    public func upsertItems(_ items: [Item], at now: Timestamp) async throws -> [Item] {
        guard !items.isEmpty else { return [] }
        let logger = self.logger
        // Rows are written in id order, whatever the request's: two nodes upserting the same
        // items lock their rows in the same order, so neither waits on the other in a cycle.
        let order = items.indices.sorted { (items[$0].id.rawValue, $0) < (items[$1].id.rawValue, $1) }
        return try await transaction { connection in
            var stored = [Item?](repeating: nil, count: items.count)
            for position in order {
                let item = items[position]
                let categories = JSONValue.array(item.categories.map(JSONValue.string)).jsonText
                let attributes = JSONValue.object(item.attributes).jsonText
                let tags = JSONValue.array(item.tags.map(JSONValue.string)).jsonText
                let rows = try await connection.query(
                    """
                    INSERT INTO items (id, title, description, categories, brand, price, currency, attributes,
                        image_url, in_stock, hidden, tags, created_at, updated_at, deleted_at)
                    VALUES (\(item.id.rawValue), \(item.title), \(item.description), \(categories)::jsonb,
                        \(item.brand), \(item.price), \(item.currency), \(attributes)::jsonb, \(item.imageURL),
                        \(item.inStock), \(item.hidden), \(tags)::jsonb,
                        COALESCE(\(item.createdAt?.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch)),
                        \(now.millisecondsSinceEpoch), NULL)
                    ON CONFLICT (id) DO UPDATE SET
                        title = excluded.title, description = excluded.description,
                        categories = excluded.categories, brand = excluded.brand, price = excluded.price,
                        currency = excluded.currency, attributes = excluded.attributes,
                        image_url = excluded.image_url, in_stock = excluded.in_stock, hidden = excluded.hidden,
                        tags = excluded.tags,
                        created_at = COALESCE(\(item.createdAt?.millisecondsSinceEpoch), items.created_at),
                        updated_at = excluded.updated_at, deleted_at = NULL
                    RETURNING \(unescaped: Self.itemColumns)
                    """,
                    logger: logger
                )
                guard let row = try await rows.collect().first else {
                    throw AisleError(code: .unavailable, message: "item \(item.id) vanished during its upsert")
                }
                stored[position] = try Self.item(from: row)
            }
            return stored.compactMap { $0 }
        }
    }

    public func item(_ id: ItemID) async throws -> Item? {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.itemColumns) FROM items WHERE id = \(id.rawValue) AND deleted_at IS NULL
            """,
            logger: logger
        )
        return try await rows.collect().first.map(Self.item(from:))
    }

    public func items(after cursor: ItemID?, limit: Int) async throws -> [Item] {
        let rows = try await query(
            """
            SELECT \(unescaped: Self.itemColumns) FROM items
            WHERE deleted_at IS NULL AND id > \(cursor?.rawValue ?? "") ORDER BY id LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.item(from:))
    }

    public func deleteItem(_ id: ItemID, at now: Timestamp) async throws -> Bool {
        let rows = try await query(
            """
            UPDATE items SET deleted_at = \(now.millisecondsSinceEpoch)
            WHERE id = \(id.rawValue) AND deleted_at IS NULL RETURNING id
            """,
            logger: logger
        )
        return try await !rows.collect().isEmpty
    }

    static func item(from row: PostgresRow) throws -> Item {
        let row = row.makeRandomAccess()
        return Item(
            id: ItemID(try row["id"].decode(String.self)),
            title: try row["title"].decode(String.self),
            description: try row["description"].decode(String?.self),
            categories: try SQLiteStore.decodeJSON([String].self, row["categories"].decode(String.self)),
            brand: try row["brand"].decode(String?.self),
            price: try row["price"].decode(Double?.self),
            currency: try row["currency"].decode(String?.self),
            attributes: try SQLiteStore.decodeJSON([String: JSONValue].self, row["attributes"].decode(String.self)),
            imageURL: try row["image_url"].decode(String?.self),
            inStock: try row["in_stock"].decode(Bool.self),
            hidden: try row["hidden"].decode(Bool.self),
            tags: try SQLiteStore.decodeJSON([String].self, row["tags"].decode(String.self)),
            createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row["updated_at"].decode(Int64.self))
        )
    }
}
