public import AisleCore
public import AisleStore
public import AisleText

/// Reviews: analysed (polarity, intensity, aspects) before they are stored, read one by one or
/// per item, and summed up per item.
extension Engine {
    /// What a batch of review writes did.
    public struct ReviewBatchOutcome: Sendable {
        /// The reviews stored, as stored.
        public var stored: [Review]
        /// Reviews not stored, by position in the call: their item is not in the catalog.
        public var rejected: [RowRejection]
    }

    /// A row a batch could not take, by its position in the call.
    public struct RowRejection: Sendable {
        public var index: Int
        public var error: AisleError
    }

    /// Reviews a summary reads at most (the newest ones).
    public static let reviewSummaryLimit = 100_000

    /// Analyses and stores one review. With `.createOnly` an existing id is kept (a retry of
    /// the same review returns it; anything else is a `conflict`). Throws `notFound` when the
    /// item is not in the catalog.
    public func writeReview(_ submission: ReviewSubmission, existing: ExistingReviewPolicy) async throws -> Review {
        let reviews = await reviewAnalyzer.analyze([submission])
        let written = try await store.putReviews(reviews, at: .now(), existing: existing)
        guard let stored = written.stored.first else { throw AisleError.notFound("no item \"\(submission.itemID)\"") }
        return stored
    }

    /// Analyses and stores many reviews, replacing any with the same ids (the admin key and
    /// imports); a review of an item not in the catalog comes back rejected, the rest are stored.
    public func writeReviews(_ submissions: [ReviewSubmission]) async throws -> ReviewBatchOutcome {
        try await Self.writeReviews(submissions, analyzer: reviewAnalyzer, store: store)
    }

    /// The same, for a store written without an engine around it (`aisle import` into a data
    /// folder): one implementation of analyse, store, reject unknown items.
    public static func writeReviews(
        _ submissions: [ReviewSubmission],
        analyzer: ReviewAnalyzer,
        store: any ReviewStore
    ) async throws -> ReviewBatchOutcome {
        let written = try await store.putReviews(await analyzer.analyze(submissions), at: .now())
        return ReviewBatchOutcome(
            stored: written.stored,
            rejected: written.unknownItems.map { index in
                RowRejection(
                    index: index,
                    error: AisleError(
                        code: .notFound,
                        message: "no item \"\(submissions[index].itemID)\"",
                        field: "item_id"
                    )
                )
            }
        )
    }

    public func review(_ id: ReviewID) async throws -> Review? {
        try await store.review(id)
    }

    /// Deletes a review; false when there was none.
    public func deleteReview(_ id: ReviewID) async throws -> Bool {
        try await store.deleteReview(id)
    }

    /// An item's reviews, newest first, after `cursor`. Throws `notFound` for an unknown item.
    public func reviews(of item: ItemID, after cursor: ReviewCursor?, limit: Int) async throws -> [Review] {
        guard try await store.item(item) != nil else { throw AisleError.notFound("no item \"\(item)\"") }
        return try await store.reviews(of: item, after: cursor, limit: limit)
    }

    /// An item's review summary over its newest `reviewSummaryLimit` reviews. Throws
    /// `notFound` for an unknown item.
    public func reviewSummary(of item: ItemID, period: ReviewSummary.Period) async throws -> ReviewSummary {
        let reviews = try await reviews(of: item, after: nil, limit: Self.reviewSummaryLimit)
        return ReviewSummary.summarize(reviews, item: item, period: period)
    }

    /// The newest reviews the catalog-wide overview reads: enough for months of a busy shop,
    /// and a bounded read.
    public static let reviewOverviewLimit = 20_000

    /// All items' newest reviews summarised together (aspects praised and criticised most, the
    /// trend per `period`; the summary's item is `*`), how many were read, and the items with
    /// the lowest mean review score (at least `minimumReviews` reviews), worst first.
    public func reviewOverview(period: ReviewSummary.Period, worstItems: Int, minimumReviews: Int = 3) async throws
        -> (summary: ReviewSummary, reviewsRead: Int, worstItems: [(item: ItemID, sentiment: ReviewSentiment)])
    {
        let reviews = try await store.newestReviews(limit: Self.reviewOverviewLimit)
        let summary = ReviewSummary.summarize(reviews, item: ItemID("*"), period: period)
        let worst = try await store.reviewSentiment()
            .filter { $0.value.count >= minimumReviews }
            .sorted { ($0.value.meanScore, $0.key.rawValue) < ($1.value.meanScore, $1.key.rawValue) }
            .prefix(worstItems)
            .map { (item: $0.key, sentiment: $0.value) }
        return (summary, reviews.count, Array(worst))
    }

    /// Analyses texts without storing anything.
    public func analyzeReviews(_ submissions: [ReviewSubmission]) async -> [Review] {
        await reviewAnalyzer.analyze(submissions)
    }
}
