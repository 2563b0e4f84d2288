import AisleCore
import AisleImage
import AisleTestPostgres
import Foundation
import NIOHTTP1
import Testing

/// `aisle migrate` as an operator runs it: a data folder served by the embedded store, copied
/// into a new PostgreSQL database, then served from there by a node with the same data key.
@Suite(
    .serialized,
    .enabled(if: PostgresTestServer.available && !ServerProcess.suiteOnPostgres)
) struct MigrateEndToEndTests {
    static let key = ["AISLE_DATA_KEY": String(repeating: "3c", count: 32)]

    private static func event(_ id: String, user: String? = nil, device: String? = nil, minute: Int) -> EventBody {
        EventBody(
            eventID: id,
            type: minute % 5 == 0 ? "add_to_cart" : "view",
            userID: user,
            deviceID: device,
            itemID: "item-\(minute % 4)",
            timestamp: TimestampBody(Timestamp(millisecondsSinceEpoch: 1_790_000_000_000 + Int64(minute) * 600_000))
        )
    }

    @Test(
        "a folder's store moves to PostgreSQL whole: events with their sessions, profiles, consent, links, reviews, settings, keys"
    )
    func folderToDatabase() async throws {
        let embedded = ServerProcess()
        try embedded.start(environment: Self.key)
        var before: [String: [EventBody]] = [:]
        var madeKey = ""
        do {
            defer { embedded.stop() }
            try await withHTTP(embedded) { http in
                let items = (0..<4).map { #"{"id": "item-\#($0)", "title": "Parka \#($0)", "categories": ["Coats"]}"# }
                #expect(
                    try await http.call(
                        .POST,
                        "/v1/items:batch",
                        json: #"{"items": [\#(items.joined(separator: ","))]}"#
                    )
                    .status == 200
                )
                let profile = #"{"attributes": {"email": "ann@example.com", "tier": "gold"}}"#
                #expect(try await http.call(.PUT, "/v1/users/ann", json: profile).status == 200)
                #expect(
                    try await http.call(.PUT, "/v1/users/bob/consent", json: #"{"personalization": false}"#).status
                        == 200
                )
                var events = (0..<30).map { Self.event("a\($0)", user: $0 % 2 == 0 ? "ann" : "bob", minute: $0) }
                events += (0..<6).map { Self.event("p\($0)", device: "phone-1", minute: 40 + $0) }
                let posted = try await http.post(
                    "/v1/events",
                    key: ServerProcess.ingestKey,
                    encoding: EventBatch(events: events)
                )
                #expect(posted.status == 200, "\(posted.text)")
                let identify = try await http.call(
                    .POST,
                    "/v1/identify",
                    key: ServerProcess.ingestKey,
                    json: #"{"device_id": "phone-1", "user_id": "ann"}"#
                )
                #expect(identify.status == 200, "\(identify.text)")
                let reviews = try await http.post(
                    "/v1/reviews:batch",
                    encoding: ReviewBatch(reviews: [
                        ReviewBody(itemID: "item-1", rating: 5, text: "Warm and light, love it")
                    ])
                )
                #expect(reviews.status == 200, "\(reviews.text)")
                let rules = #"{"rules": [{"from": "anorak", "to": ["parka"]}]}"#
                #expect(try await http.call(.PUT, "/v1/search/synonyms", json: rules).status == 200)
                let made = try await http.call(.POST, "/v1/keys", json: #"{"name": "shop", "scopes": ["search:read"]}"#)
                madeKey = try #require(try made.decode(KeyBody.self).key)
                let jpeg = try ImageCodec().encode(
                    rgb: ImageEndToEndTests.picture(width: 300, height: 400),
                    width: 300,
                    height: 400,
                    as: .jpeg
                )
                let photo = try await http.call(.PUT, "/v1/items/item-2/image", bytes: jpeg, contentType: "image/jpeg")
                #expect(photo.status == 200, "\(photo.text)")
                for user in ["ann", "bob"] { before[user] = try await http.history(of: user) }
            }
        }
        #expect(before["ann"]?.count == 21)

        let url = try await PostgresTestServer.shared.newDatabase()
        let run = try ProcessRun.run(
            ServerProcess.binary,
            ["migrate", "--from", embedded.dataDirectory, "--to", url],
            in: NSTemporaryDirectory(),
            environment: Self.key
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("migrate: 36 events"), "\(run.output)")
        #expect(run.output.contains("verified: 4 items"), "\(run.output)")
        #expect(run.output.contains("migrated 36 events, 4 items"), "\(run.output)")
        #expect(run.output.contains("migrate: 1 photo originals"), "\(run.output)")

        // A second run is refused: the database is not empty any more.
        let again = try ProcessRun.run(
            ServerProcess.binary,
            ["migrate", "--from", embedded.dataDirectory, "--to", url],
            in: NSTemporaryDirectory(),
            environment: Self.key
        )
        #expect(again.status != 0)
        #expect(again.output.contains("already holds"), "\(again.output)")

        let node = ServerProcess(store: url)
        try node.start(environment: Self.key)
        defer { node.stop() }
        try await withHTTP(node) { http in
            for user in ["ann", "bob"] {
                let after = try await http.history(of: user)
                #expect(after.map(\.eventID) == before[user]?.map(\.eventID))
                #expect(after.map(\.sessionID) == before[user]?.map(\.sessionID))
            }
            let ann = try await http.call(.GET, "/v1/users/ann").text
            #expect(ann.contains("ann@example.com") && ann.contains("gold"), "\(ann)")
            let consent = try await http.call(.GET, "/v1/users/bob/consent", key: ServerProcess.ingestKey).text
            #expect(consent.contains(#""personalization":false"#), "\(consent)")
            #expect(try await http.call(.GET, "/v1/items/item-1/reviews").text.contains("Warm and light"))
            #expect(try await http.call(.GET, "/v1/search/synonyms").text.contains("anorak"))
            #expect(try await http.call(.GET, "/v1/search?q=a", key: madeKey).status == 200)
            // The photo's original came along: this node's own folder never had it.
            let rendition = try await http.call(.GET, "/v1/items/item-2/image?w=160&format=jpeg", key: nil)
            #expect(rendition.status == 200, "\(rendition.text)")
            // The phone stays linked: its next event is Ann's, and its past ones are hers.
            let later = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [Self.event("p9", device: "phone-1", minute: 60)])
            )
            #expect(later.status == 200)
            #expect(try await http.history(of: "ann").first?.eventID == "p9")
            // An event id from before the move is still known.
            let repeated = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [Self.event("a3", user: "bob", minute: 3)])
            )
            #expect(try repeated.decode(IngestResultBody.self).duplicates == 1)
        }
    }

    @Test("a destination that is not a postgres:// URL, or a folder that does not exist, is a clear error")
    func badArguments() throws {
        let notPostgres = try ProcessRun.run(
            ServerProcess.binary,
            ["migrate", "--from", NSTemporaryDirectory(), "--to", "mysql://x@y/z"],
            in: NSTemporaryDirectory()
        )
        #expect(notPostgres.status != 0 && notPostgres.output.contains("--to must be a postgres:// URL"))
        let noFolder = try ProcessRun.run(
            ServerProcess.binary,
            ["migrate", "--from", "/nonexistent/aisle-data", "--to", "postgres://aisle@127.0.0.1:1/aisle"],
            in: NSTemporaryDirectory()
        )
        #expect(noFolder.status != 0 && noFolder.output.contains("no data folder"), "\(noFolder.output)")
    }
}
