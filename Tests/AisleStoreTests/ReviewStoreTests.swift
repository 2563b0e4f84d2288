import AisleCore
import AisleStore
import Testing

/// The review part of the store contract; runs against each `StoreKind`.
@Suite struct ReviewStoreTests {
    static func review(
        _ id: String,
        item: String = "jacket",
        user: String? = "u1",
        score: Float = 0.6,
        at time: Timestamp? = nil
    ) -> Review {
        Review(
            id: ReviewID(id),
            itemID: ItemID(item),
            userID: user.map(UserID.init),
            rating: 4,
            text: "质量很好，但发货太慢 🧥",
            analysis: ReviewAnalysis(
                language: .zh,
                polarity: .mixed,
                score: score,
                intensity: .medium,
                aspects: [
                    .init(aspect: .quality, polarity: .positive, score: 0.8, span: "质量很好"),
                    .init(aspect: .delivery, polarity: .negative, score: -0.7, span: "发货太慢"),
                ]
            ),
            createdAt: time
        )
    }

    func storeWithItems(_ kind: StoreKind) async throws -> any Store {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("jacket"), .fixture("boots")], at: .t0)
        return store
    }

    @Test("a review and its analysis read back field for field", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        let written = try await store.putReviews([Self.review("r1")], at: .t0)
        #expect(written.unknownItems.isEmpty)
        let stored = try #require(try await store.review(ReviewID("r1")))
        #expect(written.stored == [stored])
        var expected = Self.review("r1")
        expected.createdAt = .t0
        expected.updatedAt = .t0
        #expect(stored == expected)
        #expect(try await store.review(ReviewID("nope")) == nil)
    }

    @Test("rewriting a review replaces it and keeps its creation time", arguments: StoreKind.allCases)
    func rewrite(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        _ = try await store.putReviews([Self.review("r1")], at: .t0)
        var edited = Self.review("r1", score: -0.5)
        edited.rating = 2
        _ = try await store.putReviews([edited], at: .t0(plusMinutes: 5))
        let stored = try #require(try await store.review(ReviewID("r1")))
        #expect(stored.rating == 2 && stored.analysis.score == -0.5)
        #expect(stored.createdAt == .t0 && stored.updatedAt == .t0(plusMinutes: 5))
    }

    @Test("reviews of unknown or deleted items are not stored and are reported", arguments: StoreKind.allCases)
    func unknownItems(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        _ = try await store.deleteItem(ItemID("boots"), at: .t0)
        let written = try await store.putReviews(
            [Self.review("a"), Self.review("b", item: "ghost"), Self.review("c", item: "boots")],
            at: .t0
        )
        #expect(written.stored.map(\.id.rawValue) == ["a"])
        #expect(written.unknownItems == [1, 2])
        #expect(try await store.review(ReviewID("b")) == nil)
    }

    @Test("an item's reviews page newest first, each once", arguments: StoreKind.allCases)
    func pages(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        let reviews =
            (0..<7).map { Self.review("r\($0)", at: .t0(plusMinutes: $0 / 2)) } + [Self.review("x", item: "boots")]
        _ = try await store.putReviews(reviews, at: .t0)
        var seen: [String] = []
        var cursor: ReviewCursor?
        while true {
            let page = try await store.reviews(of: ItemID("jacket"), after: cursor, limit: 3)
            guard let last = page.last else { break }
            seen += page.map(\.id.rawValue)
            cursor = ReviewCursor(createdAt: try #require(last.createdAt), id: last.id)
        }
        #expect(seen == ["r6", "r5", "r4", "r3", "r2", "r1", "r0"])
    }

    @Test("per-item review count and mean score, for ranking", arguments: StoreKind.allCases)
    func sentiment(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        _ = try await store.putReviews(
            [
                Self.review("a", score: 0.8), Self.review("b", score: -0.2),
                Self.review("c", item: "boots", score: -0.5),
            ],
            at: .t0
        )
        let sentiment = try await store.reviewSentiment()
        #expect(sentiment[ItemID("jacket")]?.count == 2)
        #expect(abs((sentiment[ItemID("jacket")]?.meanScore ?? 0) - 0.3) < 1e-5)
        #expect(sentiment[ItemID("boots")] == ReviewSentiment(count: 1, meanScore: -0.5))
    }

    @Test(
        "a review in an unsupported language (und, unknown) reads back, and the item sentiment leaves it out",
        arguments: StoreKind.allCases
    )
    func undeterminedLanguage(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        var french = Self.review("fr", score: 0)
        french.text = "Très bien, je recommande."
        french.analysis = ReviewAnalysis(language: .und, polarity: .unknown, score: 0, intensity: .weak, aspects: [])
        _ = try await store.putReviews([Self.review("zh", score: 0.6), french], at: .t0)
        let stored = try #require(try await store.review(ReviewID("fr")))
        #expect(stored.analysis == french.analysis)
        #expect(try await store.reviewSentiment()[ItemID("jacket")] == ReviewSentiment(count: 1, meanScore: 0.6))
    }

    @Test("deleting a review, and erasing its author, remove it", arguments: StoreKind.allCases)
    func deletion(kind: StoreKind) async throws {
        let store = try await storeWithItems(kind)
        _ = try await store.putReviews([Self.review("a"), Self.review("b", user: "u2"), Self.review("c")], at: .t0)
        #expect(try await store.deleteReview(ReviewID("a")))
        #expect(try await !store.deleteReview(ReviewID("a")))
        let erased = try await store.eraseUser(UserID("u1"))
        #expect(erased == UserErasure(profiles: 0, events: 0, devices: 0, reviews: 1))
        #expect(try await store.review(ReviewID("c")) == nil)
        #expect(try await store.review(ReviewID("b")) != nil)
    }
}
