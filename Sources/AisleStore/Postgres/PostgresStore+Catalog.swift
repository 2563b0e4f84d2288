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
        guard Set(items.map(\.id.rawValue)).count == items.count else {
            // An upsert statement cannot touch a row twice: a batch naming an item twice is
            // written in parts, so the later one wins, and every position reads the row as
            // stored at the end, as on SQLite.
            var stored: [CacheKey: Item] = [:]
            var part: [Item] = []
            var ids = Set<String>()
            func write() async throws {
                for item in try await upsertItems(part, at: now) { stored[CacheKey(item.id.rawValue)] = item }
            }
            for item in items {
                if !ids.insert(item.id.rawValue).inserted {
                    try await write()
                    part = []
                    ids = [item.id.rawValue]
                }
                part.append(item)
            }
            try await write()
            return items.compactMap { stored[CacheKey($0.id.rawValue)] }
        }
        let rows = ItemRows(items, now: now)
        return try await transaction { connection in
            // Locks the existing rows in id order (two nodes upserting the same items never wait
            // on each other in a cycle) and reads their creation times, which an item that does
            // not name its own keeps.
            var created: [CacheKey: Int64] = [:]
            for try await (id, time) in try await connection.query(
                "SELECT id, created_at FROM items WHERE id = ANY(\(rows.ids)::text[]) ORDER BY id FOR UPDATE",
                logger: logger
            ).decode((String, Int64).self) {
                created[CacheKey(id)] = time
            }
            let createdAt = items.map { item in
                item.createdAt?.millisecondsSinceEpoch ?? created[CacheKey(item.id.rawValue)]
                    ?? now.millisecondsSinceEpoch
            }
            var stored: [CacheKey: Item] = [:]
            for try await row in try await rows.upsert(createdAt: createdAt, connection, logger: logger) {
                let item = try Self.item(from: row)
                stored[CacheKey(item.id.rawValue)] = item
            }
            return try items.map { item in
                guard let row = stored[CacheKey(item.id.rawValue)] else {
                    throw AisleError(code: .unavailable, message: "item \(item.id) vanished during its upsert")
                }
                return row
            }
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

/// The columns of a batch of items, as arrays for one `unnest` upsert. Arrays of parameters hold
/// no NULL, so a per-row mask says which optional value is absent.
struct ItemRows {
    let ids: [String]
    private let titles: [String]
    private let descriptions: [String]
    private let categories: [String]
    private let brands: [String]
    private let prices: [Double]
    private let currencies: [String]
    private let attributes: [String]
    private let imageURLs: [String]
    private let inStock: [Bool]
    private let hidden: [Bool]
    private let tags: [String]
    private let absent: [Int32]
    private let now: Int64

    /// Bits of `absent`, one per optional column.
    private enum Absent {
        static let description: Int32 = 1
        static let brand: Int32 = 2
        static let price: Int32 = 4
        static let currency: Int32 = 8
        static let imageURL: Int32 = 16
    }

    init(_ items: [Item], now: Timestamp) {
        var absent = [Int32](repeating: 0, count: items.count)
        func text(_ values: [String?], _ bit: Int32) -> [String] {
            values.enumerated().map { index, value in
                if value == nil { absent[index] |= bit }
                return value ?? ""
            }
        }
        ids = items.map(\.id.rawValue)
        titles = items.map(\.title)
        descriptions = text(items.map(\.description), Absent.description)
        categories = items.map { JSONValue.array($0.categories.map(JSONValue.string)).jsonText }
        brands = text(items.map(\.brand), Absent.brand)
        prices = items.enumerated().map { index, item in
            if item.price == nil { absent[index] |= Absent.price }
            return item.price ?? 0
        }
        currencies = text(items.map(\.currency), Absent.currency)
        attributes = items.map { JSONValue.object($0.attributes).jsonText }
        imageURLs = text(items.map(\.imageURL), Absent.imageURL)
        inStock = items.map(\.inStock)
        hidden = items.map(\.hidden)
        tags = items.map { JSONValue.array($0.tags.map(JSONValue.string)).jsonText }
        self.absent = absent
        self.now = now.millisecondsSinceEpoch
    }

    /// Inserts or replaces the rows (in id order), with `createdAt[i]` for the i-th item, and
    /// returns them as stored.
    func upsert(createdAt: [Int64], _ connection: PostgresConnection, logger: Logger) async throws
        -> PostgresRowSequence
    {
        func present(_ column: String, _ bit: Int32) -> String {
            "CASE WHEN absent & \(bit) = 0 THEN \(column) END"
        }
        return try await connection.query(
            """
            INSERT INTO items (id, title, description, categories, brand, price, currency, attributes,
                image_url, in_stock, hidden, tags, created_at, updated_at, deleted_at)
            SELECT id, title, \(unescaped: present("description", Absent.description)), categories::jsonb,
                \(unescaped: present("brand", Absent.brand)), \(unescaped: present("price", Absent.price)),
                \(unescaped: present("currency", Absent.currency)), attributes::jsonb,
                \(unescaped: present("image_url", Absent.imageURL)), in_stock, hidden, tags::jsonb, created_at,
                \(now), NULL
            FROM unnest(\(ids)::text[], \(titles)::text[], \(descriptions)::text[], \(categories)::text[],
                \(brands)::text[], \(prices)::float8[], \(currencies)::text[], \(attributes)::text[],
                \(imageURLs)::text[], \(inStock)::boolean[], \(hidden)::boolean[], \(tags)::text[],
                \(createdAt)::bigint[], \(absent)::integer[])
                AS i(id, title, description, categories, brand, price, currency, attributes, image_url, in_stock,
                    hidden, tags, created_at, absent)
            ORDER BY id
            ON CONFLICT (id) DO UPDATE SET
                title = excluded.title, description = excluded.description,
                categories = excluded.categories, brand = excluded.brand, price = excluded.price,
                currency = excluded.currency, attributes = excluded.attributes,
                image_url = excluded.image_url, in_stock = excluded.in_stock, hidden = excluded.hidden,
                tags = excluded.tags, created_at = excluded.created_at, updated_at = excluded.updated_at,
                deleted_at = NULL
            RETURNING \(unescaped: PostgresStore.itemColumns)
            """,
            logger: logger
        )
    }
}
