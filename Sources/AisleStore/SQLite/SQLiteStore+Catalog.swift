public import AisleCore
import Foundation
import GRDB
import Synchronization

extension SQLiteStore {
    static let itemColumns = """
        id, title, description, categories, brand, price, currency, attributes, image_url, in_stock, hidden, tags,
        created_at, updated_at
        """

    public func upsertItems(_ items: [Item], at now: Timestamp) async throws -> [Item] {
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (id, title, description, categories, brand, price, currency, attributes,
                        image_url, in_stock, hidden, tags, created_at, updated_at, deleted_at)
                    VALUES (:id, :title, :description, :categories, :brand, :price, :currency, :attributes,
                        :image_url, :in_stock, :hidden, :tags, COALESCE(:created_at, :now), :now, NULL)
                    ON CONFLICT (id) DO UPDATE SET
                        title = excluded.title, description = excluded.description,
                        categories = excluded.categories, brand = excluded.brand, price = excluded.price,
                        currency = excluded.currency, attributes = excluded.attributes,
                        image_url = excluded.image_url, in_stock = excluded.in_stock, hidden = excluded.hidden,
                        tags = excluded.tags,
                        created_at = COALESCE(:created_at, items.created_at),
                        updated_at = :now, deleted_at = NULL
                    """
            )
            for item in items {
                let arguments: [String: (any DatabaseValueConvertible)?] = [
                    "id": item.id.rawValue,
                    "title": item.title,
                    "description": item.description,
                    "categories": JSONValue.array(item.categories.map(JSONValue.string)).jsonText,
                    "brand": item.brand,
                    "price": item.price,
                    "currency": item.currency,
                    "attributes": JSONValue.object(item.attributes).jsonText,
                    "image_url": item.imageURL,
                    "in_stock": item.inStock,
                    "hidden": item.hidden,
                    "tags": JSONValue.array(item.tags.map(JSONValue.string)).jsonText,
                    "created_at": item.createdAt?.millisecondsSinceEpoch,
                    "now": now.millisecondsSinceEpoch,
                ]
                try statement.execute(arguments: StatementArguments(arguments))
            }
            db.afterNextTransaction(onCommit: { _ in
                self.cache.withLock { cache in
                    for item in items { cache.knownItems?.insert(CacheKey(item.id.rawValue)) }
                }
            })
            let select = try db.cachedStatement(sql: "SELECT \(Self.itemColumns) FROM items WHERE id = ?")
            return try items.map { item in
                guard let row = try Row.fetchOne(select, arguments: [item.id.rawValue]) else {
                    throw AisleError(code: .unavailable, message: "item \(item.id) vanished during its upsert")
                }
                return try Self.item(from: row)
            }
        }
    }

    public func item(_ id: ItemID) async throws -> Item? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(Self.itemColumns) FROM items WHERE id = ? AND deleted_at IS NULL",
                arguments: [id.rawValue]
            ).map(Self.item(from:))
        }
    }

    public func items(after cursor: ItemID?, limit: Int) async throws -> [Item] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.itemColumns) FROM items
                    WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?
                    """,
                arguments: [cursor?.rawValue ?? "", limit]
            ).map(Self.item(from:))
        }
    }

    public func deleteItem(_ id: ItemID, at now: Timestamp) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE items SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                arguments: [now.millisecondsSinceEpoch, id.rawValue]
            )
            return db.changesCount > 0
        }
    }

    public func putUsers(_ users: [User], at now: Timestamp) async throws -> [User] {
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO users (id, attributes, created_at, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at
                    """
            )
            for user in users {
                try statement.execute(arguments: [
                    user.id.rawValue, JSONValue.object(user.attributes).jsonText, now.millisecondsSinceEpoch,
                    now.millisecondsSinceEpoch,
                ])
            }
            return try users.map { user in
                guard let stored = try Self.user(user.id, in: db) else {
                    throw AisleError(code: .unavailable, message: "user \(user.id) vanished during its upsert")
                }
                return stored
            }
        }
    }

    public func user(_ id: UserID) async throws -> User? {
        try await read { db in try Self.user(id, in: db) }
    }

    public func users(after cursor: UserID?, limit: Int) async throws -> [User] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, attributes, created_at, updated_at FROM users WHERE id > ? ORDER BY id LIMIT ?
                    """,
                arguments: [cursor?.rawValue ?? "", limit]
            ).map { row in
                User(
                    id: UserID(row["id"] as String),
                    attributes: try Self.decodeJSON([String: JSONValue].self, row["attributes"]),
                    createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
                    updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
                )
            }
        }
    }

    static func user(_ id: UserID, in db: Database) throws -> User? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT attributes, created_at, updated_at FROM users WHERE id = ?",
                arguments: [id.rawValue]
            )
        else { return nil }
        return User(
            id: id,
            attributes: try decodeJSON([String: JSONValue].self, row["attributes"]),
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
        )
    }

    static func item(from row: Row) throws -> Item {
        Item(
            id: ItemID(row["id"]),
            title: row["title"],
            description: row["description"],
            categories: try decodeJSON([String].self, row["categories"]),
            brand: row["brand"],
            price: row["price"],
            currency: row["currency"],
            attributes: try decodeJSON([String: JSONValue].self, row["attributes"]),
            imageURL: row["image_url"],
            inStock: row["in_stock"],
            hidden: row["hidden"],
            tags: try decodeJSON([String].self, row["tags"]),
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
        )
    }

    /// Decodes a JSON column written by `JSONValue.jsonText`.
    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data((text ?? "null").utf8))
        } catch {
            throw AisleError(code: .unavailable, message: "a stored JSON column is corrupt: \(error)")
        }
    }
}
