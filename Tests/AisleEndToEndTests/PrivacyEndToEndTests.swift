import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Consent through the real server (docs/API.md, "Consent").
@Suite(.serialized) struct PrivacyEndToEndTests {
    @Test("with personalization off the feed is exactly the trending list; with tracking off events are not stored")
    func consent() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_TRAIN_AFTER_EVENTS": "0"])
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            let items = (1...8).map { ItemBody(id: "i\($0)", title: "Item \($0)", categories: ["Shop"]) }
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: items)).status == 200)
            var events: [EventBody] = []
            for user in 0..<12 {
                let liked = user % 2 == 0 ? ["i1", "i2", "i3", "i4"] : ["i5", "i6", "i7"]
                for item in liked {
                    events.append(EventBody(type: "purchase", userID: "u\(user)", itemID: item))
                }
            }
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: events)).status == 200)
            #expect(try await http.train().status == 200)
            let feedPath = "/v1/users/u0/recommendations?limit=5"
            let personal = try await http.call(.GET, feedPath).decode(RecommendationListBody.self)
            let trending = try await http.call(.GET, "/v1/trending?limit=5").decode(RecommendationListBody.self)
            #expect(personal.data.map(\.itemID) != trending.data.map(\.itemID), "u0's feed leaves out what they bought")
            let off = try await http.call(
                .PUT,
                "/v1/users/u0/consent",
                key: ServerProcess.ingestKey,
                json: #"{"personalization": false}"#
            )
            #expect(off.status == 200)
            let consented = try await http.call(.GET, feedPath).decode(RecommendationListBody.self)
            #expect(consented.data == trending.data, "the same ids, order and scores as trending")
            // Tracking off: the user's events are answered not_tracked and never reach the history.
            _ = try await http.call(
                .PUT,
                "/v1/users/u1/consent",
                key: ServerProcess.ingestKey,
                json: #"{"tracking": false}"#
            )
            let before = try await http.history(of: "u1").count
            let reply = try await http.post(
                "/v1/events",
                key: ServerProcess.ingestKey,
                encoding: EventBatch(events: [
                    EventBody(type: "view", userID: "u1", itemID: "i8"),
                    EventBody(type: "view", userID: "u2", itemID: "i8"),
                ])
            ).decode(IngestResultBody.self)
            #expect(reply.accepted == 1 && reply.notTracked == [0])
            #expect(try await http.history(of: "u1").count == before)
        }
    }

    @Test(
        "after an erasure and a stop, no byte of the user's id or their event ids is left in any file of the data folder",
        .disabled(if: ServerProcess.suiteOnPostgres, "reads the embedded store's files")
    )
    func erasureLeavesNothing() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_TRAIN_AFTER_EVENTS": "0"])
        defer { server.stop() }
        let user = "gone-user-7f3a91"
        let device = "gone-phone-7f3a91"
        let eventIDs = (0..<40).map { "gone-event-7f3a91-\($0)" }
        try await withHTTP(server) { (http) async throws in
            let items = (1...6).map { ItemBody(id: "i\($0)", title: "Item \($0)", categories: ["Shop"]) }
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: items)).status == 200)
            #expect(
                try await http.call(.PUT, "/v1/users/\(user)", json: #"{"attributes": {"tier": "gold"}}"#).status == 200
            )
            let anonymous = (0..<10).map {
                EventBody(eventID: eventIDs[$0], type: "view", deviceID: device, itemID: "i\($0 % 6 + 1)")
            }
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: anonymous)).status == 200)
            let identify = #"{"device_id": "\#(device)", "user_id": "\#(user)"}"#
            #expect(try await http.call(.POST, "/v1/identify", json: identify).status == 200)
            let own = (10..<40).map {
                EventBody(eventID: eventIDs[$0], type: "purchase", userID: user, itemID: "i\($0 % 6 + 1)")
            }
            var others: [EventBody] = []
            for other in 0..<6 {
                for item in 1...3 {
                    others.append(EventBody(type: "purchase", userID: "other-\(other)", itemID: "i\(item)"))
                }
            }
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: own + others)).status == 200)
            let review = #"{"id": "gone-review-7f3a91", "user_id": "\#(user)", "rating": 4, "text": "Fine"}"#
            #expect((200..<300).contains(try await http.call(.POST, "/v1/items/i1/reviews", json: review).status))
            #expect(
                try await http.call(.PUT, "/v1/users/\(user)/consent", json: #"{"personalization": false}"#).status
                    == 200
            )
            #expect(try await http.call(.GET, "/v1/search?q=item&user_id=\(user)").status == 200)
            #expect(try await http.train().status == 200)
            #expect(try await http.call(.DELETE, "/v1/users/\(user)").status == 200)
        }
        #expect(server.stop() == 0)
        let folder = URL(fileURLWithPath: server.dataDirectory)
        let needles = [user, device, "gone-review-7f3a91"] + eventIDs
        var found: [String] = []
        let files =
            FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        #expect(files.contains { $0.lastPathComponent == "aisle.sqlite" })
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: file.path) else { continue }
            for needle in needles where bytes.range(of: Data(needle.utf8)) != nil {
                found.append("\(file.lastPathComponent): \(needle)")
            }
        }
        #expect(found.isEmpty, "left behind: \(found.prefix(10))")
    }

    @Test("at debug level the logs name requests by id but hold no key, token, secret or personal attribute")
    func nothingSecretInLogs() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"], logLevel: "debug", captureLogs: true)
        defer { server.stop() }
        let email = "alice.secret@example.com"
        let (made, token) = try await withHTTP(server) { (http) async throws in
            let profile = #"{"attributes": {"email": "\#(email)", "phone": "+49 151 5550199"}}"#
            #expect(try await http.call(.PUT, "/v1/users/u-log", json: profile).status == 200)
            let made = try await http.call(.POST, "/v1/keys", json: #"{"name": "x", "scopes": ["search:read"]}"#)
                .decode(KeyBody.self)
            let token = try await http.call(.POST, "/v1/users/u-log/token", json: "{}").decode(UserTokenBody.self).token
            _ = try await http.call(.GET, "/v1/search?q=a", key: made.key, headers: ["X-Request-ID": "trace-log-test"])
            _ = try await http.call(
                .GET,
                "/v1/users/u-log/recommendations",
                key: ServerProcess.ingestKey,
                headers: ["X-Aisle-User-Token": token]
            )
            _ = try await http.call(.GET, "/v1/items", key: "not-a-real-key-but-a-guess")
            _ = try await http.call(.PUT, "/v1/users/u-log", json: #"{"attributes": {"email": 5}}"#)
            return (made, token)
        }
        #expect(server.stop() == 0)
        let logs = server.logs
        #expect(logs.contains("trace-log-test"), "the request id is on the request's log lines")
        for secret in [
            ServerProcess.adminKey, ServerProcess.ingestKey, try #require(made.key), token, email, "5550199",
            "not-a-real-key-but-a-guess",
        ] {
            #expect(!logs.contains(secret), "the logs hold \(secret.prefix(12))…")
        }
    }

    @Test("an email is readable through the API but not in any byte of the data folder; the key file is 0600")
    func sealedAtRest() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        let email = "sealed.alice.7f3a@example.com"
        try await withHTTP(server) { (http) async throws in
            let profile = #"{"attributes": {"email": "\#(email)", "tier": "gold"}}"#
            #expect(try await http.call(.PUT, "/v1/users/u-sealed", json: profile).status == 200)
            let read = try await http.call(.GET, "/v1/users/u-sealed").decode(UserBody.self)
            #expect(read.attributes?["email"] == .string(email))
        }
        #expect(server.stop() == 0)
        let folder = URL(fileURLWithPath: server.dataDirectory)
        let files =
            FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files {
            let bytes = FileManager.default.contents(atPath: file.path) ?? Data()
            #expect(bytes.range(of: Data(email.utf8)) == nil, "\(file.lastPathComponent) holds the email")
        }
        let keyFile = folder.appendingPathComponent("data.key").path
        let permissions = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        // The same key after a restart: the email still reads.
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { (http) async throws in
            let read = try await http.call(.GET, "/v1/users/u-sealed").decode(UserBody.self)
            #expect(read.attributes?["email"] == .string(email))
        }
    }

    @Test("aisle keys rotate-data-key re-seals under a new key file; the server reads the profile with it")
    func rotateDataKey() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            let profile = #"{"attributes": {"email": "rotate.me@example.com", "tier": "gold"}}"#
            #expect(try await http.call(.PUT, "/v1/users/u-rotate", json: profile).status == 200)
        }
        let keyFile = (server.dataDirectory as NSString).appendingPathComponent("data.key")
        let oldKey = try String(contentsOfFile: keyFile, encoding: .utf8)
        let busy = try Self.aisle(["keys", "rotate-data-key", "--data", server.dataDirectory])
        #expect(busy.status != 0 && busy.output.contains("stop it first"), "\(busy.output)")
        #expect(server.stop() == 0)
        // A rotation with the wrong key (or none) refuses and changes nothing.
        let missing = try Self.aisle([
            "keys", "rotate-data-key", "--data", server.dataDirectory, "--data-key-file", keyFile + ".absent",
        ])
        #expect(missing.status != 0 && missing.output.contains("no data key"), "\(missing.output)")
        let wrongFile = keyFile + ".wrong"
        try Data(String(repeating: "ab", count: 32).utf8).write(to: URL(fileURLWithPath: wrongFile))
        let wrong = try Self.aisle([
            "keys", "rotate-data-key", "--data", server.dataDirectory, "--data-key-file", wrongFile,
        ])
        #expect(wrong.status != 0 && wrong.output.contains("open under neither"), "\(wrong.output)")
        try? FileManager.default.removeItem(atPath: wrongFile + ".next")
        let run = try Self.aisle(["keys", "rotate-data-key", "--data", server.dataDirectory])
        #expect(run.status == 0 && run.output.contains("1 profiles re-sealed"), "\(run.output)")
        let newKey = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(newKey != oldKey && !FileManager.default.fileExists(atPath: keyFile + ".next"))
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { (http) async throws in
            let read = try await http.call(.GET, "/v1/users/u-rotate").decode(UserBody.self)
            #expect(read.attributes?["email"] == .string("rotate.me@example.com"))
        }
    }

    @Test("aisle export events --pseudonymize: every event, no id, the same shopper the same pseudonym")
    func pseudonymizedExport() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_TRAIN_AFTER_EVENTS": "0"])
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            var events = (0..<5).map { EventBody(type: "view", userID: "alice-export-7f3a", itemID: "i\($0)") }
            events += (0..<3).map { EventBody(type: "view", deviceID: "bob-phone-7f3a", itemID: "i\($0)") }
            events.append(EventBody(type: "search", userID: "alice-export-7f3a", query: "rain"))
            #expect(try await http.post("/v1/events", encoding: EventBatch(events: events)).status == 200)
        }
        #expect(server.stop() == 0)
        let plain = try Self.aisle(["export", "events", "--data", server.dataDirectory])
        #expect(plain.status == 0 && plain.output.contains("alice-export-7f3a"), "\(plain.output)")
        let out = (NSTemporaryDirectory() as NSString).appendingPathComponent("export-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try Self.aisle(["export", "events", "--data", server.dataDirectory, "--pseudonymize", "--out", out])
        #expect(run.status == 0 && run.output.contains("export: 8 events, pseudonymised"), "\(run.output)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains("alice-export") && !text.contains("bob-phone") && !text.contains("s_"))
        let rows = try text.split(separator: "\n").map { try JSONDecoder().decode(EventBody.self, from: Data($0.utf8)) }
        #expect(rows.count == 8, "the search event names no item and is not exported")
        let users = Set(rows.compactMap(\.userID))
        let devices = Set(rows.compactMap(\.deviceID))
        #expect(users.count == 1 && users.first?.hasPrefix("p_") == true)
        #expect(devices.count == 1 && devices.first?.hasPrefix("p_") == true && users != devices)
        let again = try Self.aisle(["export", "events", "--data", server.dataDirectory, "--pseudonymize"])
        #expect(again.output.contains(try #require(users.first)), "stable across exports")
    }

    static func aisle(_ arguments: [String]) throws -> ProcessRun {
        try ProcessRun.run(ServerProcess.binary, arguments)
    }
}
