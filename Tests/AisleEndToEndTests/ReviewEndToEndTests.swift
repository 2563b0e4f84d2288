import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Reviews through the real binary over loopback: written one by one and in batches, analysed
/// by the shipped model, read back, summed up per item, and refused with clear errors.
@Suite(.serialized) struct ReviewEndToEndTests {
    static let example = "这件羽绒服质量很好，保暖效果也不错，但发货速度太慢了"

    /// Starts a server with a catalog of two items and runs `body`.
    private func withServer(_ body: (HTTP, ServerProcess) async throws -> Void) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_MAX_BODY_BYTES": "65536"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let items = ItemBatch(items: [ItemBody(id: "jacket", title: "羽绒服"), ItemBody(id: "boots", title: "Boots")])
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            try await body(http, server)
        }
    }

    private func post(_ http: HTTP, _ path: String, _ review: ReviewBody) async throws -> HTTP.Reply {
        try await http.post(path, key: ServerProcess.ingestKey, encoding: review)
    }

    @Test("the issue's example: mixed or positive, medium, quality and warmth good, delivery bad; read back as stored")
    func example() async throws {
        try await withServer { http, server in
            #expect(server.printed.contains("reviews: the shipped sentiment model"))
            let reply = try await post(
                http,
                "/v1/items/jacket/reviews",
                ReviewBody(userID: "u1", rating: 4, text: Self.example)
            )
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let stored = try reply.decode(ReviewBody.self)
            let analysis = try #require(stored.analysis)
            #expect(["positive", "mixed"].contains(analysis.polarity))
            #expect(analysis.intensity == "medium")
            #expect(analysis.language == "zh")
            let aspects = Dictionary(analysis.aspects.map { ($0.aspect, $0.polarity) }) { first, _ in first }
            #expect(aspects == ["quality": "positive", "comfort_warmth": "positive", "delivery_shipping": "negative"])
            #expect(analysis.aspects.first { $0.aspect == "delivery_shipping" }?.span == "发货速度太慢了")

            let id = try #require(stored.id)
            let read = try await http.call(.GET, "/v1/reviews/\(id)", key: ServerProcess.ingestKey)
            #expect(read.status == 200)
            // The ingest key alone does not see who wrote it; the admin key does.
            var anonymous = stored
            anonymous.userID = nil
            #expect(try read.decode(ReviewBody.self) == anonymous)
            #expect(try await http.call(.GET, "/v1/reviews/\(id)").decode(ReviewBody.self) == stored)

            // A retried POST (no id) stores the review once.
            let again = try await post(
                http,
                "/v1/items/jacket/reviews",
                ReviewBody(userID: "u1", rating: 4, text: Self.example)
            )
            #expect(try again.decode(ReviewBody.self).id == id)
            let page = try await http.call(.GET, "/v1/items/jacket/reviews", key: ServerProcess.ingestKey)
            #expect(try page.decode(PageBody<ReviewBody>.self).data.map(\.id) == [id])
        }
    }

    @Test("a batch stores good rows, reports bad ones by index, and the summary sums them up")
    func batchAndSummary() async throws {
        try await withServer { http, _ in
            func at(_ text: String) throws -> TimestampBody { TimestampBody(try #require(Timestamp(rfc3339: text))) }
            let rows: [ReviewBody] = [
                ReviewBody(itemID: "jacket", rating: 5, text: "质量非常好，很暖和", createdAt: try at("2026-10-02T08:00:00Z")),
                ReviewBody(itemID: "jacket", rating: 4, text: Self.example, createdAt: try at("2026-10-03T08:00:00Z")),
                ReviewBody(
                    itemID: "jacket",
                    rating: 5,
                    text: "Great quality and very warm.",
                    createdAt: try at("2026-11-02T08:00:00Z")
                ),
                ReviewBody(
                    itemID: "jacket",
                    rating: 1,
                    text: "质量太差了，一穿就开线，客服态度也不好",
                    createdAt: try at("2026-11-03T08:00:00Z")
                ),
                ReviewBody(itemID: "ghost", text: "Nice"),
                ReviewBody(itemID: "jacket", rating: 9, text: "Fine"),
                ReviewBody(itemID: "boots", rating: 2, text: "The delivery was slow and the box was crushed."),
            ]
            let reply = try await http.post("/v1/reviews:batch", encoding: ReviewBatch(reviews: rows))
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let result = try reply.decode(BatchResultBody.self)
            #expect(result.upserted == 5)
            #expect(result.errors.map(\.index) == [4, 5])
            #expect(result.errors.map(\.code) == [.notFound, .invalidField])
            #expect(result.errors.map(\.field) == ["item_id", "rating"])

            let summaryReply = try await http.call(
                .GET,
                "/v1/items/jacket/review-summary",
                key: ServerProcess.ingestKey
            )
            #expect(summaryReply.status == 200)
            let summary = try summaryReply.decode(ReviewSummaryBody.self)
            #expect(summary.reviewCount == 4)
            #expect(summary.polarity.values.reduce(0, +) == 4)
            #expect(summary.ratings.distribution == ["1": 1, "2": 0, "3": 0, "4": 1, "5": 2])
            #expect(summary.ratings.average == 3.75)
            let pros = Dictionary(uniqueKeysWithValues: summary.pros.map { ($0.aspect, $0) })
            let cons = Dictionary(uniqueKeysWithValues: summary.cons.map { ($0.aspect, $0) })
            #expect(pros["quality"]?.count == 3)
            #expect(pros["quality"]?.mentions == 4)
            #expect(pros["comfort_warmth"]?.count == 3)
            #expect(cons["quality"]?.count == 1)
            #expect(cons["delivery_shipping"]?.snippet == "发货速度太慢了")
            #expect(summary.pros.first?.count == 3)
            #expect(summary.trend.map(\.count) == [2, 2])
            #expect(
                summary.trend.map(\.start.timestamp.rfc3339) == [
                    "2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z",
                ]
            )

            let weekly = try await http.call(
                .GET,
                "/v1/items/jacket/review-summary?period=week",
                key: ServerProcess.ingestKey
            )
            #expect(try weekly.decode(ReviewSummaryBody.self).trendPeriod == "week")

            let empty = try await http.call(.GET, "/v1/items/boots/review-summary", key: ServerProcess.ingestKey)
            #expect(try empty.decode(ReviewSummaryBody.self).cons.map(\.aspect).contains("delivery_shipping"))
        }
    }

    @Test("issue 11's phrases are stored as a shopper reads them; French is und with no sentiment claim")
    func issueElevenPhrases() async throws {
        try await withServer { http, _ in
            // text → polarity, and an aspect with its polarity when the phrase names one.
            let expected: [(text: String, polarity: String, aspect: (String, String)?)] = [
                ("Not bad.", "positive", nil),
                ("做工精细", "positive", ("quality", "positive")),
                ("客服也不理人", "negative", ("service", "negative")),
                ("掉毛严重", "negative", ("durability", "negative")),
                ("Très bien, je recommande ce manteau.", "unknown", nil),
            ]
            var stored: [ReviewBody] = []
            for (index, row) in expected.enumerated() {
                let reply = try await post(
                    http,
                    "/v1/items/boots/reviews",
                    ReviewBody(userID: "u\(index)", rating: 4, text: row.text)
                )
                #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
                let review = try reply.decode(ReviewBody.self)
                let analysis = try #require(review.analysis)
                #expect(analysis.polarity == row.polarity, "\(row.text): \(analysis)")
                if let (aspect, polarity) = row.aspect {
                    #expect(analysis.aspects.first { $0.aspect == aspect }?.polarity == polarity, "\(row.text)")
                }
                stored.append(review)
            }
            let french = try #require(stored.last?.analysis)
            #expect(stored.last?.language == "und")
            #expect(french.language == "und")
            #expect(french.score == 0)
            #expect(french.aspects.isEmpty)
            // Read back as stored, und included.
            for review in stored {
                // The admin key: the ingest key alone does not see the author's user id.
                let read = try await http.call(.GET, "/v1/reviews/\(try #require(review.id))")
                #expect(try read.decode(ReviewBody.self) == review)
            }
            // The summary counts the French review as a review and a rating, not as a sentiment.
            let summary = try await http.call(.GET, "/v1/items/boots/review-summary", key: ServerProcess.ingestKey)
                .decode(ReviewSummaryBody.self)
            #expect(summary.reviewCount == 5)
            #expect(summary.ratings.count == 5)
            #expect(summary.polarity == ["positive": 2, "negative": 2, "neutral": 0, "mixed": 0])
            let scores = stored.dropLast().compactMap { $0.analysis?.score }
            #expect(abs(summary.averageScore - scores.reduce(0, +) / 4) < 0.002)
            // A client may declare und itself.
            let declared = try await post(
                http,
                "/v1/items/boots/reviews",
                ReviewBody(text: "Great quality", language: "und")
            )
            #expect(try declared.decode(ReviewBody.self).analysis?.polarity == "unknown")
        }
    }

    @Test("bad input gets a clear error and stores nothing")
    func unhappyPaths() async throws {
        try await withServer { http, _ in
            let ingest = ServerProcess.ingestKey
            let cases: [(path: String, body: String, status: Int, code: String, field: String?)] = [
                ("/v1/items/jacket/reviews", #"{"text": "ok""#, 400, "invalid_json", nil),
                ("/v1/items/jacket/reviews", #"{"text": 5}"#, 400, "invalid_field", "text"),
                ("/v1/items/jacket/reviews", #"{"rating": 4}"#, 400, "invalid_field", "text"),
                ("/v1/items/jacket/reviews", #"{"text": "   "}"#, 400, "invalid_field", "text"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "rating": "five"}"#, 400, "invalid_field", "rating"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "rating": 0}"#, 400, "invalid_field", "rating"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "language": "fr"}"#, 400, "invalid_field", "language"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "stars": 4}"#, 400, "invalid_field", "stars"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "item_id": "boots"}"#, 400, "invalid_field", "item_id"),
                ("/v1/items/jacket/reviews", #"{"text": "ok", "analysis": {}}"#, 400, "invalid_field", "analysis"),
                ("/v1/items/nope/reviews", #"{"text": "ok"}"#, 404, "not_found", nil),
                (
                    "/v1/items/jacket/reviews", #"{"text": ""# + String(repeating: "好", count: 7_000) + #""}"#, 400,
                    "invalid_field", "text"
                ),
                (
                    "/v1/items/jacket/reviews", #"{"text": ""# + String(repeating: "好", count: 30_000) + #""}"#, 413,
                    "payload_too_large", nil
                ),
            ]
            for (path, body, status, code, field) in cases {
                let reply = try await http.call(.POST, path, key: ingest, json: body)
                #expect(reply.status == status, "\(body.prefix(60))")
                #expect(reply.errorCode == code, "\(body.prefix(60))")
                let error = try? reply.decode(ErrorBody.self)
                #expect(error?.error.field == field, "\(body.prefix(60))")
            }
            #expect(try await http.call(.GET, "/v1/reviews/nope", key: ingest).status == 404)
            #expect(try await http.call(.GET, "/v1/items/nope/review-summary", key: ingest).status == 404)
            #expect(try await http.call(.GET, "/v1/items/jacket/review-summary?period=year", key: ingest).status == 400)
            #expect(try await http.call(.GET, "/v1/items/jacket/reviews?cursor=%21%21", key: ingest).status == 400)
            // Batches and deletion need the admin key; reads need a key.
            #expect(
                try await http.call(.POST, "/v1/reviews:batch", key: ingest, json: #"{"reviews": []}"#).status == 403
            )
            #expect(try await http.call(.DELETE, "/v1/reviews/x", key: ingest).status == 403)
            #expect(try await http.call(.GET, "/v1/items/jacket/review-summary", key: nil).status == 401)
            let oversized = ReviewBatch(reviews: (0..<10_001).map { ReviewBody(itemID: "jacket", text: "r\($0)") })
            let tooLarge = try await http.call(.POST, "/v1/reviews:batch", body: try JSONEncoder().encode(oversized))
            #expect(tooLarge.status == 413)
            // Nothing of the above was stored.
            let page = try await http.call(.GET, "/v1/items/jacket/reviews", key: ingest)
            #expect(try page.decode(PageBody<ReviewBody>.self).data.isEmpty)
        }
    }

    @Test("concurrent writers lose no review; unicode round-trips; erasing the author and deleting remove reviews")
    func concurrencyAndErasure() async throws {
        try await withServer { http, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for index in 0..<15 {
                            let text = "Writer \(writer) review \(index): 很好 👍 é\u{301}"
                            let reply = try await post(
                                http,
                                "/v1/items/jacket/reviews",
                                ReviewBody(userID: "w\(writer)", text: text)
                            )
                            #expect(reply.status == 200)
                            // Byte for byte: "é" + combining accent stays as sent.
                            #expect(Array(try reply.decode(ReviewBody.self).text?.utf8 ?? "".utf8) == Array(text.utf8))
                        }
                    }
                }
                try await group.waitForAll()
            }
            var seen: [String] = []
            var byOthers: [String] = []
            var path = "/v1/items/jacket/reviews?limit=7"
            while true {
                // The admin key: only it (or the author's token) sees who wrote a review.
                let page = try await http.call(.GET, path).decode(
                    PageBody<ReviewBody>.self
                )
                seen += page.data.compactMap(\.id)
                byOthers += page.data.filter { $0.userID != "w0" }.compactMap(\.id)
                guard let next = page.nextCursor else { break }
                path = "/v1/items/jacket/reviews?limit=7&cursor=\(next)"
            }
            #expect(seen.count == 60 && Set(seen).count == 60)

            let erased = try await http.call(.DELETE, "/v1/users/w0")
            #expect(try erased.decode(UserErasureBody.self).reviews == 15)
            let deleted = try #require(byOthers.first)
            #expect(try await http.call(.DELETE, "/v1/reviews/\(deleted)").status == 204)
            #expect(try await http.call(.GET, "/v1/reviews/\(deleted)", key: ServerProcess.ingestKey).status == 404)
            let summary = try await http.call(.GET, "/v1/items/jacket/review-summary", key: ServerProcess.ingestKey)
            #expect(try summary.decode(ReviewSummaryBody.self).reviewCount == 44)
        }
    }
}

struct ReviewBatch: Encodable {
    var reviews: [ReviewBody]
}
