import AisleCore
import AisleEngine
import AisleStore
import Testing

/// Reviews: analysed, then stored; create-only for apps; batches reject unknown items by row.
@Suite struct EngineReviewsTests {
    static func review(_ id: String, item: String = "j1", user: String? = "u1", rating: Int? = 5, _ text: String)
        -> ReviewSubmission
    {
        ReviewSubmission(
            id: ReviewID(id),
            itemID: ItemID(item),
            userID: user.map { UserID($0) },
            rating: rating,
            text: text
        )
    }

    @Test("a review is analysed before it is stored")
    func analysed() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let stored = try await fixture.engine.writeReview(
            Self.review("r1", "Warm, light and the zip is excellent. Love it."),
            existing: .createOnly
        )
        #expect(stored.analysis.polarity == .positive)
        #expect(try await fixture.engine.review(ReviewID("r1"))?.analysis.polarity == .positive)
    }

    @Test("create-only: the same review again returns it; a different one under its id is a conflict")
    func createOnly() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let first = try await fixture.engine.writeReview(Self.review("r1", "Great jacket."), existing: .createOnly)
        let again = try await fixture.engine.writeReview(Self.review("r1", "Great jacket."), existing: .createOnly)
        #expect(again.text == first.text)
        do {
            _ = try await fixture.engine.writeReview(Self.review("r1", "Terrible."), existing: .createOnly)
            Issue.record("a rewrite with create-only must fail")
        } catch let error as AisleError {
            #expect(error.code == .conflict)
        }
        #expect(try await fixture.engine.review(ReviewID("r1"))?.text == "Great jacket.")
        let edited = try await fixture.engine.writeReview(Self.review("r1", "Terrible."), existing: .replace)
        #expect(edited.text == "Terrible." && edited.analysis.polarity == .negative)
    }

    @Test("a review of an unknown item is not found, and its reviews and summary too")
    func unknownItem() async throws {
        let fixture = try EngineFixture()
        await #expect(throws: AisleError.self) {
            _ = try await fixture.engine.writeReview(Self.review("r1", item: "nope", "Fine."), existing: .createOnly)
        }
        await #expect(throws: AisleError.self) {
            _ = try await fixture.engine.reviews(of: ItemID("nope"), after: nil, limit: 10)
        }
        await #expect(throws: AisleError.self) {
            _ = try await fixture.engine.reviewSummary(of: ItemID("nope"), period: .month)
        }
    }

    @Test("a batch stores what it can and rejects reviews of unknown items by their position")
    func batch() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let outcome = try await fixture.engine.writeReviews([
            Self.review("r1", "Great."),
            Self.review("r2", item: "nope", "Great."),
            Self.review("r3", item: "j2", "Awful, fell apart."),
        ])
        #expect(outcome.stored.map(\.id.rawValue) == ["r1", "r3"])
        #expect(outcome.rejected.map(\.index) == [1])
        #expect(outcome.rejected.first?.error.code == .notFound && outcome.rejected.first?.error.field == "item_id")
    }

    @Test("an item's reviews page newest first and its summary counts them")
    func readsAndSummary() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        let now = Timestamp.now().millisecondsSinceEpoch
        var submissions: [ReviewSubmission] = []
        for index in 0..<3 {
            var review = Self.review("r\(index)", user: "u\(index)", index == 2 ? "Bad zip." : "Very warm, great.")
            review.createdAt = Timestamp(millisecondsSinceEpoch: now - Int64(3 - index) * 60_000)
            submissions.append(review)
        }
        _ = try await fixture.engine.writeReviews(submissions)
        let page = try await fixture.engine.reviews(of: ItemID("j1"), after: nil, limit: 2)
        #expect(page.map(\.id.rawValue) == ["r2", "r1"])
        let summary = try await fixture.engine.reviewSummary(of: ItemID("j1"), period: .month)
        #expect(summary.count == 3)
        #expect(try await fixture.engine.deleteReview(ReviewID("r2")))
        #expect(try await fixture.engine.reviews(of: ItemID("j1"), after: nil, limit: 10).count == 2)
    }
}
