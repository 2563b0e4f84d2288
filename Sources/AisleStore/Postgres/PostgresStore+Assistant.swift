public import AisleCore
import Foundation
import PostgresNIO

/// The assistant's FAQs, orders and conversations on PostgreSQL (`AssistantStore`). A FAQ set
/// is replaced under a transaction-scoped advisory lock (two nodes putting sets at once apply
/// one after the other); turns are appended under the conversation row's lock, so two nodes
/// answering in one conversation number its turns without a gap or a clash.
extension PostgresStore: AssistantStore {
    /// The advisory lock a FAQ set's replacement holds ("faqs" in ASCII).
    static let faqLock: Int64 = 0x6661_7173

    public func setFAQs(_ faqs: [FAQ], at now: Timestamp) async throws -> Int {
        // Arrays of parameters hold no NULL: "" stands for none (no language or alternate list is
        // empty text), and NULLIF turns it back.
        let alternates = try faqs.map { faq in
            faq.alternateQuestions.isEmpty
                ? "" : String(decoding: try JSONEncoder().encode(faq.alternateQuestions), as: UTF8.self)
        }
        let languages = faqs.map { $0.language?.rawValue ?? "" }
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.faqLock))", logger: logger)
            try await connection.query("DELETE FROM assistant_faqs", logger: logger)
            if !faqs.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO assistant_faqs (position, id, question, answer, language, alternate_questions)
                    SELECT position, id, question, answer, NULLIF(language, ''), NULLIF(alternates, '')
                    FROM unnest(\(Array(0..<faqs.count))::integer[], \(faqs.map(\.id.rawValue))::text[],
                        \(faqs.map(\.question))::text[], \(faqs.map(\.answer))::text[], \(languages)::text[],
                        \(alternates)::text[]) AS f(position, id, question, answer, language, alternates)
                    """,
                    logger: logger
                )
            }
            let rows = try await connection.query(
                """
                INSERT INTO settings (key, value, updated_at, revision)
                VALUES ('assistant.faqs', '', \(now.millisecondsSinceEpoch), 1)
                ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at, revision = settings.revision + 1
                RETURNING revision
                """,
                logger: logger
            )
            for try await revision in rows.decode(Int.self) { return revision }
            throw AisleError(code: .unavailable, message: "the FAQ set's revision was not returned")
        }
    }

    public func faqs() async throws -> (entries: [FAQ], revision: Int) {
        let logger = self.logger
        // One snapshot for the set and its revision.
        return try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var revision = 0
            for try await value in try await connection.query(
                "SELECT revision FROM settings WHERE key = 'assistant.faqs'",
                logger: logger
            ).decode(Int.self) {
                revision = value
            }
            var entries: [FAQ] = []
            for try await (id, question, answer, language, alternates) in try await connection.query(
                "SELECT id, question, answer, language, alternate_questions FROM assistant_faqs ORDER BY position",
                logger: logger
            ).decode((String, String, String, String?, String?).self) {
                entries.append(
                    FAQ(
                        id: FAQID(id),
                        question: question,
                        answer: answer,
                        language: language.flatMap(TextLanguage.init(rawValue:)),
                        alternateQuestions: try alternates.map { try SQLiteStore.decodeJSON([String].self, $0) } ?? []
                    )
                )
            }
            return (entries, revision)
        }
    }

    static let orderColumns = "id, user_id, status, lines, carrier, tracking_number, eta, created_at, updated_at"

    public func putOrder(_ order: Order, at now: Timestamp) async throws -> Order {
        let lines = String(decoding: try JSONEncoder().encode(order.lines), as: UTF8.self)
        let updatedAt = order.updatedAt ?? now
        let rows = try await query(
            """
            INSERT INTO orders (\(unescaped: Self.orderColumns))
            VALUES (\(order.id.rawValue), \(order.userID.rawValue), \(order.status.rawValue), \(lines), \(order.carrier),
                \(order.trackingNumber), \(order.eta?.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch),
                \(updatedAt.millisecondsSinceEpoch))
            ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,
                lines = excluded.lines, carrier = excluded.carrier, tracking_number = excluded.tracking_number,
                eta = excluded.eta, updated_at = excluded.updated_at
            RETURNING created_at
            """,
            logger: logger
        )
        var stored = order
        stored.updatedAt = updatedAt
        stored.createdAt = now
        for try await created in rows.decode(Int64.self) {
            stored.createdAt = Timestamp(millisecondsSinceEpoch: created)
        }
        return stored
    }

    public func order(_ id: OrderID) async throws -> Order? {
        try await orders("SELECT \(unescaped: Self.orderColumns) FROM orders WHERE id = \(id.rawValue)").first
    }

    public func orders(of user: UserID, limit: Int) async throws -> [Order] {
        try await orders(
            """
            SELECT \(unescaped: Self.orderColumns) FROM orders WHERE user_id = \(user.rawValue)
            ORDER BY updated_at DESC, id LIMIT \(max(0, limit))
            """
        )
    }

    private func orders(_ query: PostgresQuery) async throws -> [Order] {
        var found: [Order] = []
        for try await (id, user, status, lines, carrier, tracking, eta, created, updated) in try await self.query(
            query,
            logger: logger
        ).decode((String, String, String, String, String?, String?, Int64?, Int64, Int64).self) {
            found.append(
                Order(
                    id: OrderID(id),
                    userID: UserID(user),
                    // A status this version does not know reads as placed rather than failing the read.
                    status: Order.Status(rawValue: status) ?? .placed,
                    lines: try SQLiteStore.decodeJSON([Order.Line].self, lines),
                    carrier: carrier,
                    trackingNumber: tracking,
                    eta: eta.map(Timestamp.init(millisecondsSinceEpoch:)),
                    updatedAt: Timestamp(millisecondsSinceEpoch: updated),
                    createdAt: Timestamp(millisecondsSinceEpoch: created)
                )
            )
        }
        return found
    }

    public func saveConversation(
        _ conversation: Conversation,
        appending turns: [ConversationTurn],
        at now: Timestamp
    ) async throws {
        let focus = String(decoding: try JSONEncoder().encode(conversation.focus), as: UTF8.self)
        let encoded = try turns.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        let id = conversation.id.rawValue
        let logger = self.logger
        try await transaction { connection in
            // The upsert locks the conversation's row until the commit: appends queue behind it.
            try await connection.query(
                """
                INSERT INTO assistant_conversations (id, user_id, device_id, focus, created_at, updated_at)
                VALUES (\(id), \(conversation.userID?.rawValue), \(conversation.deviceID?.rawValue), \(focus),
                    \(now.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch))
                ON CONFLICT (id) DO UPDATE SET focus = excluded.focus, updated_at = excluded.updated_at
                """,
                logger: logger
            )
            var next = 0
            for try await value in try await connection.query(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM assistant_turns WHERE conversation_id = \(id)",
                logger: logger
            ).decode(Int.self) {
                next = value
            }
            if !encoded.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO assistant_turns (conversation_id, position, turn)
                    SELECT \(id), position, turn
                    FROM unnest(\(Array(next..<(next + encoded.count)))::integer[], \(encoded)::text[]) AS t(position, turn)
                    """,
                    logger: logger
                )
            }
            try await connection.query(
                """
                DELETE FROM assistant_turns
                WHERE conversation_id = \(id) AND position < \(next + encoded.count - Conversation.maxTurns)
                """,
                logger: logger
            )
        }
    }

    public func conversation(_ id: ConversationID, turnLimit: Int) async throws -> Conversation? {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var found: Conversation?
            for try await (user, device, focus, created, updated) in try await connection.query(
                """
                SELECT user_id, device_id, focus, created_at, updated_at FROM assistant_conversations
                WHERE id = \(id.rawValue)
                """,
                logger: logger
            ).decode((String?, String?, String, Int64, Int64).self) {
                found = Conversation(
                    id: id,
                    userID: user.map(UserID.init),
                    deviceID: device.map(DeviceID.init),
                    focus: try SQLiteStore.decodeJSON(ConversationFocus.self, focus),
                    turns: [],
                    createdAt: Timestamp(millisecondsSinceEpoch: created),
                    updatedAt: Timestamp(millisecondsSinceEpoch: updated)
                )
            }
            guard var conversation = found else { return nil }
            var turns: [ConversationTurn] = []
            for try await turn in try await connection.query(
                """
                SELECT turn FROM assistant_turns WHERE conversation_id = \(id.rawValue)
                ORDER BY position DESC LIMIT \(max(0, turnLimit))
                """,
                logger: logger
            ).decode(String.self) {
                turns.append(try SQLiteStore.decodeJSON(ConversationTurn.self, turn))
            }
            conversation.turns = turns.reversed()
            return conversation
        }
    }

    public func conversationIDs(of user: UserID, devices: [DeviceID]) async throws -> [ConversationID] {
        var ids: [ConversationID] = []
        for try await id in try await query(
            """
            SELECT id FROM assistant_conversations
            WHERE user_id = \(user.rawValue) OR device_id = ANY(\(devices.map(\.rawValue))::text[])
            ORDER BY updated_at DESC, id
            """,
            logger: logger
        ).decode(String.self) {
            ids.append(ConversationID(id))
        }
        return ids
    }
}
