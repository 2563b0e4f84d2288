public import AisleCore
import Foundation
import GRDB

extension SQLiteStore {
    public func putItemImage(_ image: ItemImage) async throws -> ItemImage? {
        let colours = String(decoding: try JSONEncoder().encode(image.dominantColours), as: UTF8.self)
        return try await write { db in
            guard
                try Int.fetchOne(
                    db,
                    sql: "SELECT 1 FROM items WHERE id = ? AND deleted_at IS NULL",
                    arguments: [image.itemID.rawValue]
                ) != nil
            else { throw AisleError.notFound("no item \"\(image.itemID)\"") }
            let previous = try Self.itemImage(db, image.itemID)
            try db.execute(
                sql: """
                    INSERT INTO item_images (item_id, sha256, format, width, height, bytes, colours, perceptual_hash,
                        features, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (item_id) DO UPDATE SET sha256 = excluded.sha256, format = excluded.format,
                        width = excluded.width, height = excluded.height, bytes = excluded.bytes,
                        colours = excluded.colours, perceptual_hash = excluded.perceptual_hash,
                        features = excluded.features, updated_at = excluded.updated_at
                    """,
                arguments: [
                    image.itemID.rawValue, image.sha256, image.format, image.width, image.height, image.bytes, colours,
                    Int64(bitPattern: image.perceptualHash), Self.blob(image.features),
                    image.updatedAt.millisecondsSinceEpoch,
                ]
            )
            return previous
        }
    }

    public func itemImage(_ id: ItemID) async throws -> ItemImage? {
        try await read { db in try Self.itemImage(db, id) }
    }

    public func deleteItemImage(_ id: ItemID) async throws -> ItemImage? {
        try await write { db in
            let previous = try Self.itemImage(db, id)
            try db.execute(sql: "DELETE FROM item_images WHERE item_id = ?", arguments: [id.rawValue])
            return previous
        }
    }

    public func itemImages(after cursor: ItemID?, limit: Int) async throws -> [ItemImage] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.imageColumns) FROM item_images i JOIN items ON items.id = i.item_id
                    WHERE items.deleted_at IS NULL AND i.item_id > ? ORDER BY i.item_id LIMIT ?
                    """,
                arguments: [cursor?.rawValue ?? "", limit]
            ).map(Self.itemImage(from:))
        }
    }

    public func itemImageReferences(sha256: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item_images WHERE sha256 = ?", arguments: [sha256]) ?? 0
        }
    }

    public func itemsNeedingImageFetch(retryBefore: Timestamp, after cursor: ItemID?, limit: Int) async throws
        -> [(item: ItemID, url: String)]
    {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT items.id, items.image_url FROM items
                    LEFT JOIN item_image_fetches f ON f.item_id = items.id
                    WHERE items.deleted_at IS NULL AND items.image_url IS NOT NULL AND items.id > ?
                        AND (f.item_id IS NULL OR f.url != items.image_url
                            OR (f.error IS NOT NULL AND f.attempted_at < ?))
                    ORDER BY items.id LIMIT ?
                    """,
                arguments: [cursor?.rawValue ?? "", retryBefore.millisecondsSinceEpoch, limit]
            ).map { (ItemID($0["id"]), $0["image_url"]) }
        }
    }

    public func recordImageFetch(_ item: ItemID, url: String, error: String?, at time: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO item_image_fetches (item_id, url, error, attempted_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (item_id) DO UPDATE SET url = excluded.url, error = excluded.error,
                        attempted_at = excluded.attempted_at
                    """,
                arguments: [item.rawValue, url, error.map { String($0.prefix(1000)) }, time.millisecondsSinceEpoch]
            )
        }
    }

    public func imageFetch(_ item: ItemID) async throws -> ImageFetchRecord? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT url, error, attempted_at FROM item_image_fetches WHERE item_id = ?",
                arguments: [item.rawValue]
            ).map {
                ImageFetchRecord(
                    url: $0["url"],
                    error: $0["error"],
                    at: Timestamp(millisecondsSinceEpoch: $0["attempted_at"])
                )
            }
        }
    }

    static let imageColumns =
        "i.item_id, i.sha256, i.format, i.width, i.height, i.bytes, i.colours, i.perceptual_hash, i.features, i.updated_at"

    static func itemImage(_ db: Database, _ id: ItemID) throws -> ItemImage? {
        try Row.fetchOne(
            db,
            sql: "SELECT \(imageColumns) FROM item_images i WHERE i.item_id = ?",
            arguments: [id.rawValue]
        ).map(itemImage(from:))
    }

    static func itemImage(from row: Row) throws -> ItemImage {
        let colours: String = row["colours"]
        let hash: Int64 = row["perceptual_hash"]
        return ItemImage(
            itemID: ItemID(row["item_id"]),
            sha256: row["sha256"],
            format: row["format"],
            width: row["width"],
            height: row["height"],
            bytes: row["bytes"],
            dominantColours: try JSONDecoder().decode([ItemImage.Colour].self, from: Data(colours.utf8)),
            perceptualHash: UInt64(bitPattern: hash),
            features: try floats(row["features"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
        )
    }
}
