public import AisleCore
import Foundation
import PostgresNIO

/// Reviews on PostgreSQL (`ReviewStore`), with the SQLite store's semantics: all or nothing per
/// call, `createOnly` answering a retry as stored and anything else as a conflict.
extension PostgresStore: ReviewStore {
    static let reviewColumns = """
        id, item_id, user_id, rating, text, language, polarity, score, intensity, aspects, created_at, updated_at
        """

    public func putReviews(_ reviews: [Review], at now: Timestamp, existing: ExistingReviewPolicy) async throws
        -> ReviewWrite
    {
        let aspects = try reviews.map { review in
            String(decoding: try JSONEncoder().encode(review.analysis.aspects), as: UTF8.self)
        }
        let logger = self.logger
        let catalogIDs = Array(Set(reviews.map(\.itemID.rawValue)))
        return try await transaction { connection in
            var known = Set<CacheKey>()
            for try await id in try await connection.query(
                "SELECT id FROM items WHERE id = ANY(\(catalogIDs)::text[]) AND deleted_at IS NULL",
                logger: logger
            ).decode(String.self) {
                known.insert(CacheKey(id))
            }
            var unknown: [Int] = []
            var written: [ReviewID] = []
            for (index, review) in reviews.enumerated() {
                guard known.contains(CacheKey(review.itemID.rawValue)) else {
                    unknown.append(index)
                    continue
                }
                if existing == .createOnly {
                    // Locks the row, if there is one, until the commit.
                    let stored = try await Self.reviews(
                        "SELECT \(unescaped: Self.reviewColumns) FROM reviews WHERE id = \(review.id.rawValue) FOR UPDATE",
                        connection,
                        logger
                    ).first
                    if let stored {
                        guard SQLiteStore.isSameReview(stored, review) else {
                            throw AisleError(
                                code: .conflict,
                                message:
                                    "review \"\(review.id)\" exists with other content; a review can be created with this key, not changed (only the admin key may edit reviews)",
                                field: "id"
                            )
                        }
                        written.append(review.id)
                        continue
                    }
                }
                let analysis = review.analysis
                let created = review.createdAt?.millisecondsSinceEpoch
                try await connection.query(
                    """
                    INSERT INTO reviews (\(unescaped: Self.reviewColumns))
                    VALUES (\(review.id.rawValue), \(review.itemID.rawValue), \(review.userID?.rawValue), \(review.rating),
                        \(review.text), \(analysis.language.rawValue), \(analysis.polarity.rawValue),
                        \(Double(analysis.score)), \(analysis.intensity.rawValue), \(aspects[index]),
                        COALESCE(\(created), \(now.millisecondsSinceEpoch)), \(now.millisecondsSinceEpoch))
                    ON CONFLICT (id) DO UPDATE SET
                        item_id = excluded.item_id, user_id = excluded.user_id, rating = excluded.rating,
                        text = excluded.text, language = excluded.language, polarity = excluded.polarity,
                        score = excluded.score, intensity = excluded.intensity, aspects = excluded.aspects,
                        created_at = COALESCE(\(created), reviews.created_at), updated_at = excluded.updated_at
                    """,
                    logger: logger
                )
                written.append(review.id)
            }
            // A batch may name one id twice: the later row won, and the review is reported once.
            var reported = Set<CacheKey>()
            let ids = written.filter { reported.insert(CacheKey($0.rawValue)).inserted }
            var byID: [CacheKey: Review] = [:]
            for review in try await Self.reviews(
                "SELECT \(unescaped: Self.reviewColumns) FROM reviews WHERE id = ANY(\(ids.map(\.rawValue))::text[])",
                connection,
                logger
            ) {
                byID[CacheKey(review.id.rawValue)] = review
            }
            let stored = try ids.map { id in
                guard let review = byID[CacheKey(id.rawValue)] else {
                    throw AisleError(code: .unavailable, message: "review \(id) vanished during its write")
                }
                return review
            }
            return ReviewWrite(stored: stored, unknownItems: unknown)
        }
    }

    public func review(_ id: ReviewID) async throws -> Review? {
        try await reviews("SELECT \(unescaped: Self.reviewColumns) FROM reviews WHERE id = \(id.rawValue)").first
    }

    public func reviews(of item: ItemID, after cursor: ReviewCursor?, limit: Int) async throws -> [Review] {
        let time = cursor?.createdAt.millisecondsSinceEpoch ?? 0
        return try await reviews(
            """
            SELECT \(unescaped: Self.reviewColumns) FROM reviews
            WHERE item_id = \(item.rawValue)
                AND (\(cursor == nil) OR created_at < \(time) OR (created_at = \(time) AND id < \(cursor?.id.rawValue ?? "")))
            ORDER BY created_at DESC, id DESC LIMIT \(max(0, limit))
            """
        )
    }

    public func newestReviews(limit: Int) async throws -> [Review] {
        try await reviews(
            """
            SELECT \(unescaped: Self.reviewColumns) FROM reviews ORDER BY created_at DESC, id DESC
            LIMIT \(max(0, limit))
            """
        )
    }

    public func reviews(by user: UserID, limit: Int) async throws -> [Review] {
        try await reviews(
            """
            SELECT \(unescaped: Self.reviewColumns) FROM reviews WHERE user_id = \(user.rawValue)
            ORDER BY created_at DESC, id DESC LIMIT \(max(0, limit))
            """
        )
    }

    public func deleteReview(_ id: ReviewID) async throws -> Bool {
        try await !query("DELETE FROM reviews WHERE id = \(id.rawValue) RETURNING id", logger: logger)
            .collect().isEmpty
    }

    // Reviews of polarity `unknown` make no sentiment claim (as in the SQLite store).
    public func reviewSentiment() async throws -> [ItemID: ReviewSentiment] {
        var result: [ItemID: ReviewSentiment] = [:]
        for try await (item, count, mean) in try await query(
            "SELECT item_id, COUNT(*), AVG(score) FROM reviews WHERE polarity <> 'unknown' GROUP BY item_id",
            logger: logger
        ).decode((String, Int, Double).self) {
            result[ItemID(item)] = ReviewSentiment(count: count, meanScore: Float(mean))
        }
        return result
    }

    private func reviews(_ query: PostgresQuery) async throws -> [Review] {
        let logger = self.logger
        return try await withConnection { connection in try await Self.reviews(query, connection, logger) }
    }

    private static func reviews(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> [Review]
    {
        var found: [Review] = []
        for try await row in try await connection.query(query, logger: logger) {
            let (id, item, user, rating, text, language, polarity, score, intensity, aspects, created, updated) =
                try row.decode(
                    (String, String, String?, Int?, String, String, String, Double, String, String, Int64, Int64).self
                )
            func known<Value: RawRepresentable<String>>(_ type: Value.Type, _ raw: String, _ column: String) throws
                -> Value
            {
                guard let value = Value(rawValue: raw) else {
                    throw AisleError(code: .unavailable, message: "a stored review has an unknown \(column)")
                }
                return value
            }
            found.append(
                Review(
                    id: ReviewID(id),
                    itemID: ItemID(item),
                    userID: user.map(UserID.init),
                    rating: rating,
                    text: text,
                    analysis: ReviewAnalysis(
                        language: try known(TextLanguage.self, language, "language"),
                        polarity: try known(ReviewAnalysis.Polarity.self, polarity, "polarity"),
                        score: Float(score),
                        intensity: try known(ReviewAnalysis.Intensity.self, intensity, "intensity"),
                        aspects: try SQLiteStore.decodeJSON([ReviewAnalysis.AspectSentiment].self, aspects)
                    ),
                    createdAt: Timestamp(millisecondsSinceEpoch: created),
                    updatedAt: Timestamp(millisecondsSinceEpoch: updated)
                )
            )
        }
        return found
    }
}
