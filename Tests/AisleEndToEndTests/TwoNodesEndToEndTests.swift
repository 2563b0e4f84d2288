import AisleCore
import AisleImage
import AisleTestPostgres
import Foundation
import NIOHTTP1
import Testing

/// Two real `aisle serve` nodes on one PostgreSQL database (a server the tests start), each
/// with its own data folder: any node takes any request, and what one stores the other serves.
@Suite(.serialized, .enabled(if: PostgresTestServer.available)) struct TwoNodesEndToEndTests {
    /// Two started nodes on a new database.
    private func twoNodes() async throws -> (ServerProcess, ServerProcess) {
        let url = try await PostgresTestServer.shared.newDatabase()
        let a = ServerProcess(store: url)
        try a.start(environment: Self.sharedKey)
        let b = ServerProcess(store: url)
        try b.start(environment: Self.sharedKey)
        return (a, b)
    }

    /// Every node of a deployment seals profiles with the same data key.
    static let sharedKey = ["AISLE_DATA_KEY": String(repeating: "7f", count: 32)]

    @Test("a node whose data key differs from the one the shared store was sealed with is refused at start")
    func differentDataKeyRefused() async throws {
        let url = try await PostgresTestServer.shared.newDatabase()
        let first = ServerProcess(store: url)
        try first.start(environment: Self.sharedKey)
        defer { first.stop() }
        let second = ServerProcess(store: url)
        let refused = #expect(throws: AisleError.self) {
            try second.start(
                environment: ["AISLE_DATA_KEY": String(repeating: "01", count: 32)],
                captureLogs: true
            )
        }
        #expect(refused?.message.contains("exited with 64") == true, "\(refused?.message ?? "")")
        #expect(second.logs.contains("give every node the same AISLE_DATA_KEY"), "\(second.logs)")
    }

    private static func event(_ id: String, user: String? = nil, device: String? = nil, minute: Int) -> EventBody {
        EventBody(
            eventID: id,
            type: "view",
            userID: user,
            deviceID: device,
            itemID: "item-\(minute % 40)",
            timestamp: TimestampBody(Timestamp(millisecondsSinceEpoch: 1_790_000_000_000 + Int64(minute) * 60_000))
        )
    }

    @Test("the same events posted to both nodes at once are stored once; either node's history has them all")
    func idempotentAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.stop()
            b.stop()
        }
        let events = (0..<600).map { Self.event("e\($0)", user: "user-\($0 % 6)", minute: $0) }
        try await withHTTP(a) { httpA in
            try await withHTTP(b) { httpB in
                let totals = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for (index, http) in [httpA, httpB, httpA, httpB].enumerated() {
                        let order = index < 2 ? events : events.reversed()
                        group.addTask {
                            var counts = (0, 0)
                            for start in stride(from: 0, to: order.count, by: 150) {
                                let reply = try await http.post(
                                    "/v1/events",
                                    key: ServerProcess.ingestKey,
                                    encoding: EventBatch(events: Array(order[start..<(start + 150)]))
                                )
                                #expect(reply.status == 200, "\(reply.text)")
                                let result = try reply.decode(IngestResultBody.self)
                                counts.0 += result.accepted
                                counts.1 += result.duplicates
                            }
                            return counts
                        }
                    }
                    return try await group.reduce(into: (0, 0)) { $0 = ($0.0 + $1.0, $0.1 + $1.1) }
                }
                #expect(totals.0 == 600)
                #expect(totals.1 == 1800)
                for user in 0..<6 {
                    let history = try await httpB.history(of: "user-\(user)")
                    #expect(history.count == 100)
                    #expect(Set(history.compactMap(\.eventID)).count == 100)
                    #expect(try await httpA.history(of: "user-\(user)").count == 100)
                }
            }
        }
    }

    @Test("a device identified on one node: its past events and those the other node takes later are the user's")
    func identifyAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.stop()
            b.stop()
        }
        try await withHTTP(a) { httpA in
            try await withHTTP(b) { httpB in
                let before = (0..<5).map { Self.event("p\($0)", device: "phone-1", minute: $0) }
                #expect(
                    try await httpB.post(
                        "/v1/events",
                        key: ServerProcess.ingestKey,
                        encoding: EventBatch(events: before)
                    ).status == 200
                )
                let identify = try await httpA.call(
                    .POST,
                    "/v1/identify",
                    key: ServerProcess.ingestKey,
                    json: #"{"device_id": "phone-1", "user_id": "ann"}"#
                )
                #expect(identify.status == 200, "\(identify.text)")
                let after = (5..<9).map { Self.event("p\($0)", device: "phone-1", minute: $0) }
                #expect(
                    try await httpB.post(
                        "/v1/events",
                        key: ServerProcess.ingestKey,
                        encoding: EventBatch(events: after)
                    ).status == 200
                )
                let history = try await httpA.history(of: "ann")
                #expect(history.count == 9)
                #expect(history.allSatisfy { $0.userID == "ann" })
            }
        }
    }

    @Test("a node killed mid-write loses no acknowledged event; the other node serves them all")
    func killedNodeLosesNothingAcknowledged() async throws {
        let (a, b) = try await twoNodes()
        defer { b.stop() }
        let acknowledged = try await withHTTP(a) { http in
            // One batch acknowledged first: on a loaded machine the node's first write can take
            // longer than the wait before the kill.
            let first = (0..<50).map { Self.event("k-first-\($0)", user: "kim", minute: $0) }
            let firstReply = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: first)
            )
            #expect(firstReply.status == 200, "\(firstReply.text)")
            let writer = Task {
                var stored = first.compactMap(\.eventID)
                for batch in 1..<400 {
                    let events = (0..<50).map { Self.event("k\(batch)-\($0)", user: "kim", minute: batch * 50 + $0) }
                    guard
                        let reply = try? await http.post(
                            "/v1/events",
                            key: ServerProcess.ingestKey,
                            encoding: EventBatch(events: events)
                        ), reply.status == 200
                    else { break }
                    stored += events.compactMap(\.eventID)
                }
                return stored
            }
            try await Task.sleep(for: .milliseconds(500))
            a.kill9()
            return await writer.value
        }
        #expect(!acknowledged.isEmpty)
        try await withHTTP(b) { http in
            let history = Set(try await http.history(of: "kim").compactMap(\.eventID))
            #expect(
                acknowledged.allSatisfy(history.contains),
                "\(acknowledged.count) acknowledged, \(history.count) stored"
            )
        }
    }

    /// Waits up to 15 s for `condition` (a change reaches the other node by a notification).
    private func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("what one node holds in memory follows the other's writes: catalog, synonyms, made keys, consent")
    func changesReachTheOtherNode() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.stop()
            b.stop()
        }
        try await withHTTP(a) { httpA in
            try await withHTTP(b) { httpB in
                // An item put on A is found by search on B; deleted on A, it leaves B's index.
                let put = try await httpA.call(
                    .POST,
                    "/v1/items:batch",
                    json: #"{"items": [{"id": "parka-1", "title": "Quilted winter parka", "categories": ["Coats"]}]}"#
                )
                #expect(put.status == 200, "\(put.text)")
                #expect(
                    try await eventually { try await httpB.call(.GET, "/v1/search?q=parka").text.contains("parka-1") }
                )
                #expect(try await httpA.call(.DELETE, "/v1/items/parka-1").status == 204)
                #expect(
                    try await eventually {
                        !(try await httpB.call(.GET, "/v1/search?q=parka").text.contains("parka-1"))
                    }
                )

                // Synonyms set on A are in force on B.
                let rules = #"{"rules": [{"from": "anorak", "to": ["parka"]}]}"#
                #expect(try await httpA.call(.PUT, "/v1/search/synonyms", json: rules).status == 200)
                #expect(
                    try await eventually { try await httpB.call(.GET, "/v1/search/synonyms").text.contains("anorak") }
                )

                // A key made on A opens B; revoked on A, B refuses it.
                let made = try await httpA.call(.POST, "/v1/keys", json: #"{"name": "s", "scopes": ["search:read"]}"#)
                let key = try #require(try made.decode(KeyBody.self).key)
                let id = try made.decode(KeyBody.self).id
                #expect(try await eventually { try await httpB.call(.GET, "/v1/search?q=a", key: key).status == 200 })
                #expect(try await httpA.call(.DELETE, "/v1/keys/\(id)").status == 200)
                #expect(try await eventually { try await httpB.call(.GET, "/v1/search?q=a", key: key).status == 401 })

                // Tracking turned off on A: B stores none of the user's events.
                _ = try await httpB.call(.GET, "/v1/users/u1/consent", key: ServerProcess.ingestKey)
                let off = try await httpA.call(
                    .PUT,
                    "/v1/users/u1/consent",
                    key: ServerProcess.ingestKey,
                    json: #"{"tracking": false}"#
                )
                #expect(off.status == 200)
                #expect(
                    try await eventually {
                        let reply = try await httpB.post(
                            "/v1/events",
                            key: ServerProcess.ingestKey,
                            encoding: EventBatch(events: [EventBody(type: "view", userID: "u1", itemID: "i1")])
                        )
                        return try reply.decode(IngestResultBody.self).accepted == 0
                    }
                )
            }
        }
    }

    @Test("a model trained on one node is the model the other serves; one node trains at a time")
    func modelAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.stop()
            b.stop()
        }
        try await withHTTP(a) { httpA in
            try await withHTTP(b) { httpB in
                let events = (0..<400).map { Self.event("m\($0)", user: "user-\($0 % 20)", minute: $0) }
                #expect(
                    try await httpB.post(
                        "/v1/events",
                        key: ServerProcess.ingestKey,
                        encoding: EventBatch(events: events)
                    )
                    .status == 200
                )
                // Both asked at once: one node trains, the other answers 409 (or trains after).
                async let first = httpA.train()
                async let second = httpB.call(.POST, "/v1/models:train")
                let (trainedA, askedB) = try await (first, second)
                #expect(trainedA.status == 200, "\(trainedA.text)")
                #expect([200, 409].contains(askedB.status), "\(askedB.text)")
                let modelA = try await httpA.call(.GET, "/v1/models").decode(TrainingReportBody.self)
                #expect(modelA.events == 400)
                #expect(
                    try await eventually {
                        let modelB = try await httpB.call(.GET, "/v1/models").decode(TrainingReportBody.self)
                        return modelB.events == 400 && modelB.interactions == modelA.interactions
                    }
                )
            }
        }
    }

    @Test("with the database down a node answers 503 with Retry-After, keeps running, and recovers when it returns")
    func databaseOutage() async throws {
        let database = try PostgresTestServer.Instance()
        let node = ServerProcess(store: try database.newDatabase("aisle"))
        try node.start(environment: ["AISLE_STORE_TIMEOUT_SECONDS": "10"])
        defer { node.stop() }
        try await withHTTP(node) { http in
            let before = (0..<20).map { Self.event("o\($0)", user: "ola", minute: $0) }
            #expect(
                try await http.post("/v1/events", key: ServerProcess.ingestKey, encoding: EventBatch(events: before))
                    .status == 200
            )
            try database.stop()
            let clock = ContinuousClock()
            let started = clock.now
            let during = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [Self.event("o-during", user: "ola", minute: 99)])
            )
            #expect(during.status == 503, "\(during.text)")
            #expect(during.errorCode == "unavailable")
            #expect(during.headers["retry-after"] == "2")
            #expect(clock.now - started < .seconds(20), "answered within the request timeout, not hung")
            let again = clock.now
            let history = try await http.call(.GET, "/v1/users/ola/history")
            #expect(history.status == 503 && history.headers["retry-after"] != nil)
            #expect(clock.now - again < .seconds(10), "once the outage is known, 503 comes at once")
            #expect(try await http.call(.GET, "/ready", key: nil).status == 503)
            // The database comes back (a restart, as a promoted replica would be): the node
            // serves again by itself, and nothing acknowledged was lost.
            try database.start()
            #expect(
                try await eventually {
                    let reply = try await http.post(
                        "/v1/events",
                        key: ServerProcess.ingestKey,
                        encoding: EventBatch(events: [Self.event("o-after", user: "ola", minute: 100)])
                    )
                    return reply.status == 200
                }
            )
            let stored = Set(try await http.history(of: "ola").compactMap(\.eventID))
            #expect(Set(before.compactMap(\.eventID) + ["o-after"]).isSubset(of: stored))
        }
    }

    @Test("a photo uploaded through one node renders on the other; removed there, it is gone from both")
    func photosAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        defer {
            a.stop()
            b.stop()
        }
        let codec = ImageCodec()
        let jpeg = try codec.encode(
            rgb: ImageEndToEndTests.picture(width: 300, height: 400),
            width: 300,
            height: 400,
            as: .jpeg
        )
        try await withHTTP(a) { httpA in
            try await withHTTP(b) { httpB in
                let items = ItemBatch(items: [ItemBody(id: "shoe", title: "Shoe")])
                #expect(try await httpA.post("/v1/items:batch", encoding: items).status == 200)
                let put = try await httpA.call(.PUT, "/v1/items/shoe/image", bytes: jpeg, contentType: "image/jpeg")
                #expect(put.status == 200, "\(put.text)")
                // Node B never saw the upload: it hears of it and reads the original from the database.
                #expect(
                    try await eventually {
                        try await httpB.call(.GET, "/v1/items/shoe/image?w=160&format=jpeg", key: nil).status == 200
                    }
                )
                let rendition = try await httpB.call(.GET, "/v1/items/shoe/image?w=160&format=jpeg", key: nil)
                let header = try codec.header(of: [UInt8](rendition.body))
                #expect(header.format == .jpeg && header.width == 160)
                #expect(try await httpA.call(.DELETE, "/v1/items/shoe/image").status == 204)
                #expect(
                    try await eventually {
                        try await httpB.call(.GET, "/v1/items/shoe/image?w=160&format=jpeg", key: nil).status == 404
                    }
                )
            }
        }
    }
}
