public import AisleCore
import Foundation
import GRDB

/// The assistant's FAQs, orders and conversations (migrations v17, v18).
extension SQLiteStore {
    public func setFAQs(_ faqs: [FAQ], at now: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM assistant_faqs")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO assistant_faqs (position, id, question, answer, language, alternate_questions)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            )
            for (position, faq) in faqs.enumerated() {
                let alternates =
                    faq.alternateQuestions.isEmpty
                    ? nil : String(decoding: try JSONEncoder().encode(faq.alternateQuestions), as: UTF8.self)
                try insert.execute(arguments: [
                    position, faq.id.rawValue, faq.question, faq.answer, faq.language?.rawValue, alternates,
                ])
            }
            try db.execute(
                sql: """
                    INSERT INTO settings (key, value, updated_at, revision) VALUES ('assistant.faqs', '', ?, 1)
                    ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at,
                        revision = settings.revision + 1
                    """,
                arguments: [now.millisecondsSinceEpoch]
            )
            return try Int.fetchOne(db, sql: "SELECT revision FROM settings WHERE key = 'assistant.faqs'") ?? 1
        }
    }

    public func faqs() async throws -> (entries: [FAQ], revision: Int) {
        try await read { db in
            let revision =
                try Int.fetchOne(db, sql: "SELECT revision FROM settings WHERE key = 'assistant.faqs'") ?? 0
            let entries = try Row.fetchAll(
                db,
                sql: "SELECT id, question, answer, language, alternate_questions FROM assistant_faqs ORDER BY position"
            ).map { row in
                let alternates = try (row["alternate_questions"] as String?).map {
                    try JSONDecoder().decode([String].self, from: Data($0.utf8))
                }
                return FAQ(
                    id: FAQID(row["id"] as String),
                    question: row["question"],
                    answer: row["answer"],
                    language: (row["language"] as String?).flatMap(TextLanguage.init(rawValue:)),
                    alternateQuestions: alternates ?? []
                )
            }
            return (entries, revision)
        }
    }

    public func putOrder(_ order: Order, at now: Timestamp) async throws -> Order {
        let lines = String(decoding: try JSONEncoder().encode(order.lines), as: UTF8.self)
        let updatedAt = order.updatedAt ?? now
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO orders (id, user_id, status, lines, carrier, tracking_number, eta, created_at,
                        updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,
                        lines = excluded.lines, carrier = excluded.carrier,
                        tracking_number = excluded.tracking_number, eta = excluded.eta,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    order.id.rawValue, order.userID.rawValue, order.status.rawValue, lines, order.carrier,
                    order.trackingNumber, order.eta?.millisecondsSinceEpoch, now.millisecondsSinceEpoch,
                    updatedAt.millisecondsSinceEpoch,
                ]
            )
            let createdAt =
                try Int64.fetchOne(
                    db,
                    sql: "SELECT created_at FROM orders WHERE id = ?",
                    arguments: [order.id.rawValue]
                )
                ?? now.millisecondsSinceEpoch
            var stored = order
            stored.updatedAt = updatedAt
            stored.createdAt = Timestamp(millisecondsSinceEpoch: createdAt)
            return stored
        }
    }

    public func order(_ id: OrderID) async throws -> Order? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM orders WHERE id = ?", arguments: [id.rawValue]).map(Self.order)
        }
    }

    public func orders(of user: UserID, limit: Int) async throws -> [Order] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM orders WHERE user_id = ? ORDER BY updated_at DESC, id LIMIT ?",
                arguments: [user.rawValue, limit]
            ).map(Self.order)
        }
    }

    static func order(_ row: Row) throws -> Order {
        Order(
            id: OrderID(row["id"] as String),
            userID: UserID(row["user_id"] as String),
            // A status this version does not know reads as placed rather than failing the read.
            status: Order.Status(rawValue: row["status"]) ?? .placed,
            lines: try JSONDecoder().decode([Order.Line].self, from: Data((row["lines"] as String).utf8)),
            carrier: row["carrier"],
            trackingNumber: row["tracking_number"],
            eta: (row["eta"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]),
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"])
        )
    }

    public func saveConversation(
        _ conversation: Conversation,
        appending turns: [ConversationTurn],
        at now: Timestamp
    ) async throws {
        let focus = String(decoding: try JSONEncoder().encode(conversation.focus), as: UTF8.self)
        let encoded = try turns.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let id = conversation.id.rawValue
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO assistant_conversations (id, user_id, device_id, focus, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET focus = excluded.focus, updated_at = excluded.updated_at
                    """,
                arguments: [
                    id, conversation.userID?.rawValue, conversation.deviceID?.rawValue, focus,
                    now.millisecondsSinceEpoch, now.millisecondsSinceEpoch,
                ]
            )
            var next =
                try Int.fetchOne(
                    db,
                    sql: "SELECT MAX(position) + 1 FROM assistant_turns WHERE conversation_id = ?",
                    arguments: [id]
                ) ?? 0
            let insert = try db.cachedStatement(
                sql: "INSERT INTO assistant_turns (conversation_id, position, turn) VALUES (?, ?, ?)"
            )
            for turn in encoded {
                try insert.execute(arguments: [id, next, turn])
                next += 1
            }
            try db.execute(
                sql: "DELETE FROM assistant_turns WHERE conversation_id = ? AND position < ?",
                arguments: [id, next - Conversation.maxTurns]
            )
        }
    }

    public func conversation(_ id: ConversationID, turnLimit: Int) async throws -> Conversation? {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM assistant_conversations WHERE id = ?",
                    arguments: [id.rawValue]
                )
            else { return nil }
            let turns = try String.fetchAll(
                db,
                sql: """
                    SELECT turn FROM assistant_turns WHERE conversation_id = ? ORDER BY position DESC LIMIT ?
                    """,
                arguments: [id.rawValue, turnLimit]
            ).reversed().map { try JSONDecoder().decode(ConversationTurn.self, from: Data($0.utf8)) }
            return Conversation(
                id: id,
                userID: (row["user_id"] as String?).map(UserID.init),
                deviceID: (row["device_id"] as String?).map(DeviceID.init),
                focus: try JSONDecoder().decode(ConversationFocus.self, from: Data((row["focus"] as String).utf8)),
                turns: turns,
                createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
                updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
            )
        }
    }

    public func conversationIDs(of user: UserID, devices: [DeviceID]) async throws -> [ConversationID] {
        try await read { db in
            var ids = try Self.conversationRows(user: user, devices: devices, db: db)
            ids.sort { ($0.updatedAt, $1.id) > ($1.updatedAt, $0.id) }
            return ids.map { ConversationID($0.id) }
        }
    }

    /// Deletes the conversations of a user and of their devices, with their turns; returns how
    /// many (part of `eraseUser`'s transaction).
    static func eraseConversations(user: UserID, devices: [DeviceID], db: Database) throws -> Int {
        let rows = try conversationRows(user: user, devices: devices, db: db)
        for row in rows {
            try db.execute(sql: "DELETE FROM assistant_turns WHERE conversation_id = ?", arguments: [row.id])
            try db.execute(sql: "DELETE FROM assistant_conversations WHERE id = ?", arguments: [row.id])
        }
        return rows.count
    }

    private static func conversationRows(user: UserID, devices: [DeviceID], db: Database) throws -> [(
        id: String, updatedAt: Int64
    )] {
        var rows: [String: Int64] = [:]
        let owned = try Row.fetchAll(
            db,
            sql: "SELECT id, updated_at FROM assistant_conversations WHERE user_id = ?",
            arguments: [user.rawValue]
        )
        for row in owned { rows[row["id"]] = row["updated_at"] }
        for device in devices {
            let byDevice = try Row.fetchAll(
                db,
                sql: "SELECT id, updated_at FROM assistant_conversations WHERE device_id = ?",
                arguments: [device.rawValue]
            )
            for row in byDevice { rows[row["id"]] = row["updated_at"] }
        }
        return rows.map { (id: $0.key, updatedAt: $0.value) }
    }
}
