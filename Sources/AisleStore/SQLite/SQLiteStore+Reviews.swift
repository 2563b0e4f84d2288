public import AisleCore
import Foundation
import GRDB

extension SQLiteStore {
    static let reviewColumns = """
        id, item_id, user_id, rating, text, language, polarity, score, intensity, aspects, created_at, updated_at
        """

    public func putReviews(_ reviews: [Review], at now: Timestamp, existing: ExistingReviewPolicy) async throws
        -> ReviewWrite
    {
        let aspects = try reviews.map { review in
            String(decoding: try JSONEncoder().encode(review.analysis.aspects), as: UTF8.self)
        }
        return try await write { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM items WHERE id = ? AND deleted_at IS NULL")
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO reviews (id, item_id, user_id, rating, text, language, polarity, score, intensity,
                        aspects, created_at, updated_at)
                    VALUES (:id, :item_id, :user_id, :rating, :text, :language, :polarity, :score, :intensity,
                        :aspects, COALESCE(:created_at, :now), :now)
                    ON CONFLICT (id) DO UPDATE SET
                        item_id = excluded.item_id, user_id = excluded.user_id, rating = excluded.rating,
                        text = excluded.text, language = excluded.language, polarity = excluded.polarity,
                        score = excluded.score, intensity = excluded.intensity, aspects = excluded.aspects,
                        created_at = COALESCE(:created_at, reviews.created_at), updated_at = :now
                    """
            )
            let select = try db.cachedStatement(sql: "SELECT \(Self.reviewColumns) FROM reviews WHERE id = ?")
            var unknown: [Int] = []
            var written: [ReviewID] = []
            for (index, review) in reviews.enumerated() {
                guard try Int.fetchOne(exists, arguments: [review.itemID.rawValue]) != nil else {
                    unknown.append(index)
                    continue
                }
                if existing == .createOnly, let row = try Row.fetchOne(select, arguments: [review.id.rawValue]) {
                    guard Self.isSameReview(try Self.review(from: row), review) else {
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
                let arguments: [String: (any DatabaseValueConvertible)?] = [
                    "id": review.id.rawValue,
                    "item_id": review.itemID.rawValue,
                    "user_id": review.userID?.rawValue,
                    "rating": review.rating,
                    "text": review.text,
                    "language": review.analysis.language.rawValue,
                    "polarity": review.analysis.polarity.rawValue,
                    "score": Double(review.analysis.score),
                    "intensity": review.analysis.intensity.rawValue,
                    "aspects": aspects[index],
                    "created_at": review.createdAt?.millisecondsSinceEpoch,
                    "now": now.millisecondsSinceEpoch,
                ]
                try upsert.execute(arguments: StatementArguments(arguments))
                written.append(review.id)
            }
            // A batch may name one id twice: the later row won, and the review is reported once.
            var reported = Set<ReviewID>()
            let stored = try written.filter { reported.insert($0).inserted }.map { id in
                guard let row = try Row.fetchOne(select, arguments: [id.rawValue]) else {
                    throw AisleError(code: .unavailable, message: "review \(id) vanished during its write")
                }
                return try Self.review(from: row)
            }
            return ReviewWrite(stored: stored, unknownItems: unknown)
        }
    }

    public func review(_ id: ReviewID) async throws -> Review? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(Self.reviewColumns) FROM reviews WHERE id = ?",
                arguments: [id.rawValue]
            ).map(Self.review(from:))
        }
    }

    public func reviews(by user: UserID, limit: Int) async throws -> [Review] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.reviewColumns) FROM reviews WHERE user_id = ?
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """,
                arguments: [user.rawValue, limit]
            ).map(Self.review(from:))
        }
    }

    public func newestReviews(limit: Int) async throws -> [Review] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.reviewColumns) FROM reviews ORDER BY created_at DESC, id DESC LIMIT ?",
                arguments: [limit]
            ).map(Self.review(from:))
        }
    }

    public func reviews(of item: ItemID, after cursor: ReviewCursor?, limit: Int) async throws -> [Review] {
        try await read { db in
            if let cursor {
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.reviewColumns) FROM reviews
                        WHERE item_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
                        ORDER BY created_at DESC, id DESC LIMIT ?
                        """,
                    arguments: [
                        item.rawValue, cursor.createdAt.millisecondsSinceEpoch,
                        cursor.createdAt.millisecondsSinceEpoch, cursor.id.rawValue, limit,
                    ]
                ).map(Self.review(from:))
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.reviewColumns) FROM reviews WHERE item_id = ?
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """,
                arguments: [item.rawValue, limit]
            ).map(Self.review(from:))
        }
    }

    public func deleteReview(_ id: ReviewID) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM reviews WHERE id = ?", arguments: [id.rawValue])
            return db.changesCount > 0
        }
    }

    // Reviews of polarity `unknown` (languages Aisle does not read) make no sentiment claim, so
    // they count neither towards an item's review count nor its mean score here.
    public func reviewSentiment() async throws -> [ItemID: ReviewSentiment] {
        try await read { db in
            var result: [ItemID: ReviewSentiment] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT item_id, COUNT(*) AS count, AVG(score) AS mean FROM reviews
                    WHERE polarity <> 'unknown' GROUP BY item_id
                    """
            )
            while let row = try rows.next() {
                result[ItemID(row["item_id"] as String)] = ReviewSentiment(
                    count: row["count"],
                    meanScore: Float(row["mean"] as Double)
                )
            }
            return result
        }
    }

    /// Whether `stored` is `review` sent again: same item, user, rating and text, byte for byte.
    static func isSameReview(_ stored: Review, _ review: Review) -> Bool {
        let sameUser =
            switch (stored.userID, review.userID) {
            case (nil, nil): true
            case (let a?, let b?): sameUTF8(a.rawValue, b.rawValue)
            default: false
            }
        return sameUTF8(stored.itemID.rawValue, review.itemID.rawValue) && sameUser
            && stored.rating == review.rating && sameUTF8(stored.text, review.text)
    }

    static func review(from row: Row) throws -> Review {
        func known<Value: RawRepresentable<String>>(_ type: Value.Type, _ column: String) throws -> Value {
            guard let value = Value(rawValue: row[column]) else {
                throw AisleError(code: .unavailable, message: "a stored review has an unknown \(column)")
            }
            return value
        }
        return Review(
            id: ReviewID(row["id"]),
            itemID: ItemID(row["item_id"]),
            userID: (row["user_id"] as String?).map(UserID.init),
            rating: row["rating"],
            text: row["text"],
            analysis: ReviewAnalysis(
                language: try known(TextLanguage.self, "language"),
                polarity: try known(ReviewAnalysis.Polarity.self, "polarity"),
                score: Float(row["score"] as Double),
                intensity: try known(ReviewAnalysis.Intensity.self, "intensity"),
                aspects: try decodeJSON([ReviewAnalysis.AspectSentiment].self, row["aspects"])
            ),
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"])
        )
    }
}
