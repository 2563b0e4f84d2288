public import AisleCore
import Foundation
import GRDB

extension SQLiteStore {
    public func putItemEmbeddings(_ embeddings: [ItemEmbedding]) async throws -> Int {
        let rows = embeddings.map {
            ($0.itemID.rawValue, $0.model, Self.blob($0.vector), $0.updatedAt.millisecondsSinceEpoch)
        }
        return try await write { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM items WHERE id = ? AND deleted_at IS NULL")
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO item_embeddings (item_id, model, vector, embedded_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (item_id, model) DO UPDATE SET vector = excluded.vector, embedded_at = excluded.embedded_at
                    """
            )
            var stored = 0
            for (id, model, blob, version) in rows where try Int.fetchOne(exists, arguments: [id]) != nil {
                try upsert.execute(arguments: [id, model, blob, version])
                stored += 1
            }
            return stored
        }
    }

    public func itemEmbedding(_ id: ItemID, model: String) async throws -> ItemEmbedding? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT vector, embedded_at FROM item_embeddings WHERE item_id = ? AND model = ?",
                    arguments: [id.rawValue, model]
                )
            else { return nil }
            return ItemEmbedding(
                itemID: id,
                model: model,
                vector: try Self.floats(row["vector"]),
                updatedAt: Timestamp(millisecondsSinceEpoch: row["embedded_at"])
            )
        }
    }

    public func itemsNeedingEmbedding(model: String, after cursor: ItemID?, limit: Int) async throws -> [Item] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.itemColumns.split(separator: ",").map { "items." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
                    FROM items LEFT JOIN item_embeddings e ON e.item_id = items.id AND e.model = ?
                    WHERE items.deleted_at IS NULL AND items.id > ?
                        AND (e.item_id IS NULL OR e.embedded_at < items.updated_at)
                    ORDER BY items.id LIMIT ?
                    """,
                arguments: [model, cursor?.rawValue ?? "", limit]
            ).map(Self.item(from:))
        }
    }

    static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func floats(_ data: Data) throws -> [Float] {
        guard data.count % 4 == 0 else {
            throw AisleError(code: .unavailable, message: "a stored embedding is corrupt (\(data.count) bytes)")
        }
        return data.withUnsafeBytes { bytes in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}
