import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// Reviews: written with their analysis, read one by one or per item, and summed up per item.
struct ReviewRoutes {
    let engine: Engine
    let configuration: AisleConfiguration

    /// Writing a review and reading reviews: the ingest key (apps post what shoppers write).
    func register(ingest group: RouterGroup<AisleRequestContext>) {
        group.post("items/{id}/reviews", use: create)
        group.get("items/{id}/reviews", use: list)
        group.get("items/{id}/review-summary", use: summary)
        group.get("reviews/{id}", use: get)
    }

    /// Bulk writes and moderation: the admin key.
    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.post("reviews:batch", use: batch)
        group.delete("reviews/{id}", use: delete)
        group.get("review-overview", use: overview)
    }

    /// Every item's newest reviews summed up, and the items reviewed worst: the dashboard's.
    @Sendable func overview(request: Request, context: AisleRequestContext) async throws -> Response {
        let period = try Self.period(request)
        let worst = try request.queryInt("limit", default: 10, in: 1...100)
        let (summary, read, items) = try await engine.reviewOverview(period: period, worstItems: worst)
        return JSONResponse.encoded(
            ReviewOverviewBody(
                reviewsRead: read,
                summary: ReviewSummaryBody(summary),
                worstItems: items.map {
                    ReviewOverviewBody.ItemSentimentBody(
                        itemID: $0.item.rawValue,
                        reviewCount: $0.sentiment.count,
                        averageScore: (Double($0.sentiment.meanScore) * 1000).rounded() / 1000
                    )
                }
            )
        )
    }

    /// The `period` parameter: week or month (the default).
    static func period(_ request: Request) throws -> ReviewSummary.Period {
        let name = request.queryString("period") ?? ReviewSummary.Period.month.rawValue
        guard let period = ReviewSummary.Period(rawValue: name) else {
            throw AisleError.invalid("period", "period is week or month, got \"\(name.prefix(16))\"")
        }
        return period
    }

    @Sendable func create(request: Request, context: AisleRequestContext) async throws -> Response {
        let item = try context.pathID("id", as: ItemID.self)
        var request = request
        let body = try await request.decodeBody(ReviewBody.self, maxBytes: configuration.server.maxBodyBytes)
        let submission = try body.validated(pathItemID: item.rawValue)
        // Apps hold the ingest key: with it a review is created once, never rewritten.
        let existing: ExistingReviewPolicy = context.isAdmin ? .replace : .createOnly
        return JSONResponse.encoded(ReviewBody(try await engine.writeReview(submission, existing: existing)))
    }

    @Sendable func batch(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(BatchBody<ReviewBody>.self, maxBytes: configuration.server.maxBodyBytes)
        // A repeated id keeps the later row, as two POSTs would.
        let batch = try BatchValidation.rows(
            body.rows,
            field: "reviews",
            maxRows: configuration.ingest.maxBatchRows,
            id: \.id
        ) { (body) throws(AisleError) in try body.validated() }
        var rowErrors = batch.errors
        let written = try await engine.writeReviews(batch.values)
        for rejected in written.rejected {
            rowErrors.append(RowError(index: batch.positions[rejected.index], error: rejected.error))
        }
        rowErrors.sort { $0.index < $1.index }
        return JSONResponse.encoded(BatchResultBody(upserted: written.stored.count, errors: rowErrors))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ReviewID.self)
        guard let review = try await engine.review(id) else { throw AisleError.notFound("no review \"\(id)\"") }
        return JSONResponse.encoded(Self.body(review, for: context))
    }

    @Sendable func delete(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ReviewID.self)
        guard try await engine.deleteReview(id) else { throw AisleError.notFound("no review \"\(id)\"") }
        return Response(status: .noContent)
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        let item = try context.pathID("id", as: ItemID.self)
        let limit = try request.queryInt("limit", default: 20, in: 1...100)
        let cursor = try request.queryString("cursor").map(Self.decodeCursor)
        let reviews = try await engine.reviews(of: item, after: cursor, limit: limit + 1)
        let page = Array(reviews.prefix(limit))
        let next = reviews.count > limit ? page.last.map(Self.encodeCursor) : nil
        return JSONResponse.encoded(PageBody(data: page.map { Self.body($0, for: context) }, nextCursor: next))
    }

    @Sendable func summary(request: Request, context: AisleRequestContext) async throws -> Response {
        let item = try context.pathID("id", as: ItemID.self)
        let period = try Self.period(request)
        return JSONResponse.encoded(ReviewSummaryBody(try await engine.reviewSummary(of: item, period: period)))
    }

    /// A review as the caller may see it: the author's user id only for the admin key or a user
    /// token of that author, so the public key cannot collect who reviewed what.
    static func body(_ review: Review, for context: AisleRequestContext) -> ReviewBody {
        var body = ReviewBody(review)
        let own = review.userID != nil && context.tokenUser == review.userID
        if !context.isAdmin && !own { body.userID = nil }
        return body
    }

    static func encodeCursor(_ review: Review) -> String {
        Cursor.encode("\(review.createdAt?.millisecondsSinceEpoch ?? 0):\(review.id.rawValue)")
    }

    static func decodeCursor(_ text: String) throws -> ReviewCursor {
        let decoded = try Cursor.decode(text)
        guard let colon = decoded.firstIndex(of: ":"), let milliseconds = Int64(decoded[..<colon]) else {
            throw AisleError.invalid("cursor", "cursor is not one this server issued; pass next_cursor back unchanged")
        }
        return ReviewCursor(
            createdAt: Timestamp(millisecondsSinceEpoch: milliseconds),
            id: try ReviewID(validating: String(decoded[decoded.index(after: colon)...]), field: "cursor")
        )
    }
}
