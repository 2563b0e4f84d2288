public import AisleCore
import Foundation
import PostgresNIO

/// Item text embeddings on PostgreSQL (`EmbeddingStore`): vectors as little-endian float32 bytes,
/// as the SQLite store keeps them.
extension PostgresStore: EmbeddingStore {
    public func putItemEmbeddings(_ embeddings: [ItemEmbedding]) async throws -> Int {
        guard !embeddings.isEmpty else { return 0 }
        // The last of one (item, model) in the batch wins, as one-by-one upserts would have it.
        var latest: [CacheKey: Int] = [:]
        for (position, embedding) in embeddings.enumerated() {
            latest[CacheKey(embedding.model + "\u{1F}" + embedding.itemID.rawValue)] = position
        }
        let kept = latest.values.sorted().map { embeddings[$0] }
        let vectors = kept.map { ByteBuffer(bytes: SQLiteStore.blob($0.vector)) }
        let rows = try await query(
            """
            INSERT INTO item_embeddings (item_id, model, vector, embedded_at)
            SELECT e.item_id, e.model, e.vector, e.embedded_at
            FROM unnest(\(kept.map(\.itemID.rawValue))::text[], \(kept.map(\.model))::text[], \(vectors)::bytea[],
                \(kept.map(\.updatedAt.millisecondsSinceEpoch))::bigint[]) AS e(item_id, model, vector, embedded_at)
            JOIN items ON items.id = e.item_id AND items.deleted_at IS NULL
            ORDER BY e.item_id, e.model
            ON CONFLICT (item_id, model) DO UPDATE SET vector = excluded.vector, embedded_at = excluded.embedded_at
            RETURNING item_id
            """,
            logger: logger
        )
        var stored: [CacheKey: Int] = [:]
        for try await id in rows.decode(String.self) { stored[CacheKey(id), default: 0] += 1 }
        // Counted per call entry, as the SQLite store counts them (a repeated one too).
        return embeddings.reduce(0) { count, embedding in
            count + (stored[CacheKey(embedding.itemID.rawValue)] != nil ? 1 : 0)
        }
    }

    public func itemEmbedding(_ id: ItemID, model: String) async throws -> ItemEmbedding? {
        try await embeddings(
            """
            SELECT item_id, vector, embedded_at FROM item_embeddings
            WHERE item_id = \(id.rawValue) AND model = \(model)
            """,
            model: model
        ).first
    }

    public func itemsNeedingEmbedding(model: String, after cursor: ItemID?, limit: Int) async throws -> [Item] {
        let columns = Self.itemColumns.split(separator: ",").map {
            "items." + $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        .joined(separator: ", ")
        let rows = try await query(
            """
            SELECT \(unescaped: columns)
            FROM items LEFT JOIN item_embeddings e ON e.item_id = items.id AND e.model = \(model)
            WHERE items.deleted_at IS NULL AND items.id > \(cursor?.rawValue ?? "")
                AND (e.item_id IS NULL OR e.embedded_at < items.updated_at)
            ORDER BY items.id LIMIT \(max(0, limit))
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.item(from:))
    }

    public func itemEmbeddings(model: String, after cursor: ItemID?, limit: Int) async throws -> [ItemEmbedding] {
        try await embeddings(
            """
            SELECT e.item_id, e.vector, e.embedded_at FROM item_embeddings e
            JOIN items ON items.id = e.item_id AND items.deleted_at IS NULL
            WHERE e.model = \(model) AND e.item_id > \(cursor?.rawValue ?? "")
            ORDER BY e.item_id LIMIT \(max(0, limit))
            """,
            model: model
        )
    }

    private func embeddings(_ query: PostgresQuery, model: String) async throws -> [ItemEmbedding] {
        var found: [ItemEmbedding] = []
        for try await (id, vector, embeddedAt) in try await self.query(query, logger: logger).decode(
            (String, ByteBuffer, Int64).self
        ) {
            found.append(
                ItemEmbedding(
                    itemID: ItemID(id),
                    model: model,
                    vector: try SQLiteStore.floats(Data(vector.readableBytesView)),
                    updatedAt: Timestamp(millisecondsSinceEpoch: embeddedAt)
                )
            )
        }
        return found
    }
}

/// Item photos' metadata on PostgreSQL (`ImageStore`).
extension PostgresStore: ImageStore {
    static let imageColumns =
        "i.item_id, i.sha256, i.format, i.width, i.height, i.bytes, i.colours, i.perceptual_hash, i.features, i.updated_at"

    public func putItemImage(_ image: ItemImage) async throws -> ItemImage? {
        let colours = String(decoding: try JSONEncoder().encode(image.dominantColours), as: UTF8.self)
        let logger = self.logger
        return try await transaction { connection in
            // Locks the item's row: a delete of the item waits for this write, or this sees it.
            guard
                try await !connection.query(
                    "SELECT 1 FROM items WHERE id = \(image.itemID.rawValue) AND deleted_at IS NULL FOR SHARE",
                    logger: logger
                ).collect().isEmpty
            else { throw AisleError.notFound("no item \"\(image.itemID)\"") }
            let previous = try await Self.images(
                "SELECT \(unescaped: Self.imageColumns) FROM item_images i WHERE i.item_id = \(image.itemID.rawValue) FOR UPDATE",
                connection,
                logger
            ).first
            try await connection.query(
                """
                INSERT INTO item_images (item_id, sha256, format, width, height, bytes, colours, perceptual_hash,
                    features, updated_at)
                VALUES (\(image.itemID.rawValue), \(image.sha256), \(image.format), \(image.width), \(image.height),
                    \(image.bytes), \(colours), \(Int64(bitPattern: image.perceptualHash)),
                    \(ByteBuffer(bytes: SQLiteStore.blob(image.features))), \(image.updatedAt.millisecondsSinceEpoch))
                ON CONFLICT (item_id) DO UPDATE SET sha256 = excluded.sha256, format = excluded.format,
                    width = excluded.width, height = excluded.height, bytes = excluded.bytes,
                    colours = excluded.colours, perceptual_hash = excluded.perceptual_hash,
                    features = excluded.features, updated_at = excluded.updated_at
                """,
                logger: logger
            )
            return previous
        }
    }

    public func itemImage(_ id: ItemID) async throws -> ItemImage? {
        try await images("SELECT \(unescaped: Self.imageColumns) FROM item_images i WHERE i.item_id = \(id.rawValue)")
            .first
    }

    public func deleteItemImage(_ id: ItemID) async throws -> ItemImage? {
        try await images(
            """
            DELETE FROM item_images i WHERE i.item_id = \(id.rawValue) RETURNING \(unescaped: Self.imageColumns)
            """
        ).first
    }

    public func itemImages(after cursor: ItemID?, limit: Int) async throws -> [ItemImage] {
        try await images(
            """
            SELECT \(unescaped: Self.imageColumns) FROM item_images i JOIN items ON items.id = i.item_id
            WHERE items.deleted_at IS NULL AND i.item_id > \(cursor?.rawValue ?? "")
            ORDER BY i.item_id LIMIT \(max(0, limit))
            """
        )
    }

    public func itemImageReferences(sha256: String) async throws -> Int {
        for try await count in try await query(
            "SELECT COUNT(*) FROM item_images WHERE sha256 = \(sha256)",
            logger: logger
        ).decode(Int.self) {
            return count
        }
        return 0
    }

    public func itemsNeedingImageFetch(retryBefore: Timestamp, after cursor: ItemID?, limit: Int) async throws
        -> [(item: ItemID, url: String)]
    {
        var found: [(item: ItemID, url: String)] = []
        for try await (id, url) in try await query(
            """
            SELECT items.id, items.image_url FROM items
            LEFT JOIN item_image_fetches f ON f.item_id = items.id
            WHERE items.deleted_at IS NULL AND items.image_url IS NOT NULL AND items.id > \(cursor?.rawValue ?? "")
                AND (f.item_id IS NULL OR f.url <> items.image_url
                    OR (f.error IS NOT NULL AND f.attempted_at < \(retryBefore.millisecondsSinceEpoch)))
            ORDER BY items.id LIMIT \(max(0, limit))
            """,
            logger: logger
        ).decode((String, String).self) {
            found.append((ItemID(id), url))
        }
        return found
    }

    public func recordImageFetch(_ item: ItemID, url: String, error: String?, at time: Timestamp) async throws {
        try await query(
            """
            INSERT INTO item_image_fetches (item_id, url, error, attempted_at)
            VALUES (\(item.rawValue), \(url), \(error.map { String($0.prefix(1000)) }), \(time.millisecondsSinceEpoch))
            ON CONFLICT (item_id) DO UPDATE SET url = excluded.url, error = excluded.error,
                attempted_at = excluded.attempted_at
            """,
            logger: logger
        )
    }

    public func imageFetch(_ item: ItemID) async throws -> ImageFetchRecord? {
        for try await (url, error, at) in try await query(
            "SELECT url, error, attempted_at FROM item_image_fetches WHERE item_id = \(item.rawValue)",
            logger: logger
        ).decode((String, String?, Int64).self) {
            return ImageFetchRecord(url: url, error: error, at: Timestamp(millisecondsSinceEpoch: at))
        }
        return nil
    }

    private func images(_ query: PostgresQuery) async throws -> [ItemImage] {
        let logger = self.logger
        return try await withConnection { connection in try await Self.images(query, connection, logger) }
    }

    private static func images(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [ItemImage]
    {
        var found: [ItemImage] = []
        for try await (id, sha256, format, width, height, bytes, colours, hash, features, updated)
            in try await connection
            .query(query, logger: logger).decode(
                (String, String, String, Int, Int, Int, String, Int64, ByteBuffer, Int64).self
            )
        {
            found.append(
                ItemImage(
                    itemID: ItemID(id),
                    sha256: sha256,
                    format: format,
                    width: width,
                    height: height,
                    bytes: bytes,
                    dominantColours: try SQLiteStore.decodeJSON([ItemImage.Colour].self, colours),
                    perceptualHash: UInt64(bitPattern: hash),
                    features: try SQLiteStore.floats(Data(features.readableBytesView)),
                    updatedAt: Timestamp(millisecondsSinceEpoch: updated)
                )
            )
        }
        return found
    }
}

/// Photos' originals on PostgreSQL (`ImageOriginalStore`): one `bytea` row per distinct
/// original, so a photo uploaded through one node renders on every node.
extension PostgresStore: ImageOriginalStore {
    public func putImageOriginal(_ bytes: [UInt8], sha256: String) async throws {
        try await query(
            """
            INSERT INTO image_originals (sha256, bytes, stored_at)
            VALUES (\(sha256), \(ByteBuffer(bytes: bytes)), \(Timestamp.now().millisecondsSinceEpoch))
            ON CONFLICT (sha256) DO NOTHING
            """,
            logger: logger
        )
    }

    public func imageOriginal(sha256: String) async throws -> [UInt8]? {
        for try await bytes in try await query(
            "SELECT bytes FROM image_originals WHERE sha256 = \(sha256)",
            logger: logger
        ).decode(ByteBuffer.self) {
            return Array(bytes.readableBytesView)
        }
        return nil
    }

    public func hasImageOriginal(sha256: String) async throws -> Bool {
        try await query(
            "SELECT EXISTS (SELECT 1 FROM image_originals WHERE sha256 = \(sha256))",
            logger: logger
        ).collect().first?.decode(Bool.self) ?? false
    }

    public func deleteImageOriginal(sha256: String) async throws {
        // Not while an item uses it: another node may have just given it to one.
        try await query(
            """
            DELETE FROM image_originals WHERE sha256 = \(sha256)
                AND NOT EXISTS (SELECT 1 FROM item_images WHERE sha256 = \(sha256))
            """,
            logger: logger
        )
    }
}
