public import AisleCore
import Foundation
import PostgresNIO

/// The recommendation model on PostgreSQL (`ModelStore`): one trainer at a time, elected by a
/// session advisory lock that its connection holds while it trains (a node that dies lets go with
/// its connection), and the snapshot's bytes in `model_snapshots` for every node to load.
extension PostgresStore: ModelStore {
    /// The trainer's advisory lock ("train" in ASCII).
    static let trainerLock: Int64 = 0x74_7261_696e

    public func asTrainer<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T? {
        let logger = self.logger
        return try await client.withConnection { connection in
            var elected = false
            for try await won in try await connection.query(
                "SELECT pg_try_advisory_lock(\(Self.trainerLock))",
                logger: logger
            ).decode(Bool.self) {
                elected = won
            }
            guard elected else { return nil }
            do {
                let result = try await work()
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.trainerLock))", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.trainerLock))", logger: logger)
                throw error
            }
        }
    }

    public func saveModel(_ bytes: [UInt8], at time: Timestamp) async throws {
        try await client.query(
            """
            INSERT INTO model_snapshots (name, bytes, saved_at)
            VALUES ('recommendations', \(ByteBuffer(bytes: bytes)), \(time.millisecondsSinceEpoch))
            ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes, saved_at = excluded.saved_at
            """,
            logger: logger
        )
    }

    public func savedModel() async throws -> [UInt8]? {
        for try await bytes in try await client.query(
            "SELECT bytes FROM model_snapshots WHERE name = 'recommendations'",
            logger: logger
        ).decode(ByteBuffer.self) {
            return Array(bytes.readableBytesView)
        }
        return nil
    }
}
