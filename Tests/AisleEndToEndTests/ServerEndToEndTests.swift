import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// The real binary over loopback. Serialized: each test starts its own server process.
@Suite(.serialized) struct ServerEndToEndTests {
    @Test("4 concurrent clients post 5,000 events each, with repeats; every event is stored exactly once")
    func concurrentIngest() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        try await withHTTP(server) { http in
            let clients = 4
            let perClient = 5_000
            let totals = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var accepted = 0
                        var duplicates = 0
                        var events: [EventBody] = (0..<perClient).map { index in
                            EventBody(
                                eventID: "c\(client)-\(index)",
                                type: "view",
                                userID: "user-\(index % 20)",
                                itemID: "item-\(index % 300)",
                                timestamp: TimestampBody(
                                    Timestamp(millisecondsSinceEpoch: 1_790_000_000_000 + Int64(index))
                                )
                            )
                        }
                        // Retries, as an app resends after a lost response: 500 of its own and
                        // 250 of the next client's events again.
                        events += events.prefix(500)
                        events += (0..<250).map { index in
                            EventBody(
                                eventID: "c\((client + 1) % clients)-\(index)",
                                type: "view",
                                userID: "user-\(index % 20)",
                                itemID: "item-\(index % 300)",
                                timestamp: TimestampBody(
                                    Timestamp(millisecondsSinceEpoch: 1_790_000_000_000 + Int64(index))
                                )
                            )
                        }
                        for start in stride(from: 0, to: events.count, by: 250) {
                            let batch = Array(events[start..<min(start + 250, events.count)])
                            let reply = try await http.post(
                                "/v1/events",
                                key: ServerProcess.ingestKey,
                                encoding: EventBatch(events: batch)
                            )
                            let result = try reply.decode(IngestResultBody.self)
                            #expect(result.errors.isEmpty)
                            accepted += result.accepted
                            duplicates += result.duplicates
                        }
                        return (accepted, duplicates)
                    }
                }
                var sum = (0, 0)
                for try await (accepted, duplicates) in group {
                    sum.0 += accepted
                    sum.1 += duplicates
                }
                return sum
            }
            #expect(totals.0 == clients * perClient)
            #expect(totals.1 == clients * 750)
            var seen: [String: Int] = [:]
            for user in 0..<20 {
                for event in try await http.history(of: "user-\(user)") {
                    seen[event.eventID ?? "missing", default: 0] += 1
                }
            }
            #expect(seen.count == clients * perClient)
            #expect(seen.values.allSatisfy { $0 == 1 })
        }
    }

    @Test("kill -9 right after acknowledged writes loses none of them")
    func killNine() async throws {
        let server = ServerProcess()
        try server.start()
        var acknowledged: Set<String> = []
        try await withHTTP(server) { http in
            for batch in 0..<20 {
                let events = (0..<100).map { index in
                    EventBody(
                        eventID: "k\(batch)-\(index)",
                        type: "add_to_cart",
                        userID: "durable",
                        itemID: "i\(index)",
                        value: 1
                    )
                }
                let reply = try await http.post(
                    "/v1/events",
                    key: ServerProcess.ingestKey,
                    encoding: EventBatch(events: events)
                )
                #expect(reply.status == 200)
                if try reply.decode(IngestResultBody.self).accepted == 100 {
                    acknowledged.formUnion(events.compactMap(\.eventID))
                }
            }
            let single = try await http.call(
                .POST,
                "/v1/events",
                key: ServerProcess.ingestKey,
                json: #"{"event_id":"last","type":"view","user_id":"durable","item_id":"x"}"#
            )
            if single.status == 200 { acknowledged.insert("last") }
        }
        server.kill9()
        let restarted = ServerProcess(dataDirectory: server.dataDirectory)
        try restarted.start()
        defer { restarted.stop() }
        let stored = try await withHTTP(restarted) { http in
            Set(try await http.history(of: "durable").compactMap(\.eventID))
        }
        #expect(acknowledged.count == 2_001)
        #expect(acknowledged.isSubset(of: stored))
    }

    @Test("a device's anonymous events appear in the user's history after identify, merged with other devices")
    func identifyAcrossDevices() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        try await withHTTP(server) { http in
            let phone =
                #"{"events":[{"type":"view","device_id":"phone-1","item_id":"a","timestamp":"2026-11-01T10:00:00Z","device":{"platform":"ios"}},{"type":"add_to_cart","device_id":"phone-1","item_id":"a","timestamp":"2026-11-01T10:02:00Z","device":{"platform":"ios"}}]}"#
            #expect(try await http.call(.POST, "/v1/events", key: ServerProcess.ingestKey, json: phone).status == 200)
            #expect(try await http.history(of: "mia").isEmpty)
            let identify = try await http.call(
                .POST,
                "/v1/identify",
                key: ServerProcess.ingestKey,
                json: #"{"device_id":"phone-1","user_id":"mia"}"#
            )
            #expect(try identify.decode(IdentifyResultBody.self).eventsAttributed == 2)
            let later =
                #"{"events":[{"type":"view","device_id":"phone-1","item_id":"b","timestamp":"2026-11-01T10:05:00Z"},{"type":"purchase","user_id":"mia","device_id":"desktop-1","item_id":"a","value":1,"timestamp":"2026-11-01T20:00:00Z","device":{"platform":"desktop"}}]}"#
            #expect(try await http.call(.POST, "/v1/events", key: ServerProcess.ingestKey, json: later).status == 200)
            let history = try await http.history(of: "mia")
            #expect(history.map(\.type) == ["purchase", "view", "add_to_cart", "view"])
            #expect(history.map(\.deviceID) == ["desktop-1", "phone-1", "phone-1", "phone-1"])
            // Same order on every call.
            #expect(try await http.history(of: "mia", pageSize: 1).map(\.timestamp) == history.map(\.timestamp))
            let devices = try await http.call(.GET, "/v1/users/mia/devices").decode(PageBody<DeviceLinkBody>.self)
            // The desktop purchase carried both ids, so it linked the desktop as identify would.
            #expect(devices.data.map(\.deviceID) == ["desktop-1", "phone-1"])
        }
    }

    @Test(
        "the real server answers malformed requests with the right status and code",
        arguments: [
            ("PUT", "/v1/items/a", "{not json", 400, "invalid_json"),
            ("PUT", "/v1/items/a", #"{"title":["x"]}"#, 400, "invalid_field"),
            ("POST", "/v1/events", #"{"type":"rate","user_id":"u","item_id":"i","value":11}"#, 400, "invalid_field"),
            ("GET", "/v1/items/none", "", 404, "not_found"),
            (
                "PUT", "/v1/items/big", #"{"title":""# + String(repeating: "字", count: 2000) + #""}"#, 413,
                "payload_too_large"
            ),
        ]
    )
    func malformedOverHTTP(method: String, path: String, body: String, status: Int, code: String) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_MAX_BODY_BYTES": "4096"])
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            let reply = try await http.call(.init(rawValue: method), path, body: body.isEmpty ? nil : Data(body.utf8))
            #expect(reply.status == status)
            #expect(reply.errorCode == code)
        }
    }

    @Test(
        "deleting a user leaves no row of theirs in the database",
        .disabled(if: ServerProcess.suiteOnPostgres, "reads the embedded store's files")
    )
    func userDeletion() async throws {
        let server = ServerProcess()
        try server.start()
        try await withHTTP(server) { http in
            #expect(
                try await http.call(.PUT, "/v1/users/zoe", json: #"{"attributes":{"country":"CN","locale":"zh-CN"}}"#)
                    .status == 200
            )
            #expect(
                try await http.call(
                    .POST,
                    "/v1/events",
                    key: ServerProcess.ingestKey,
                    json: #"{"type":"view","device_id":"zoe-phone","item_id":"a"}"#
                ).status == 200
            )
            #expect(
                try await http.call(
                    .POST,
                    "/v1/identify",
                    key: ServerProcess.ingestKey,
                    json: #"{"device_id":"zoe-phone","user_id":"zoe"}"#
                ).status == 200
            )
            #expect(
                try await http.call(
                    .POST,
                    "/v1/events",
                    key: ServerProcess.ingestKey,
                    json: #"{"type":"like","user_id":"zoe","item_id":"b"}"#
                ).status == 200
            )
            #expect(
                try await http.call(
                    .POST,
                    "/v1/events",
                    key: ServerProcess.ingestKey,
                    json: #"{"type":"like","user_id":"other","item_id":"b"}"#
                ).status == 200
            )
            let erased = try await http.call(.DELETE, "/v1/users/zoe").decode(UserErasureBody.self)
            #expect(erased == UserErasureBody(userID: "zoe", profiles: 1, events: 2, devices: 1, reviews: 0))
        }
        #expect(server.stop() == 0)
        let database = server.dataDirectory + "/aisle.sqlite"
        let counts = try sqlite(
            database,
            "SELECT (SELECT COUNT(*) FROM users WHERE id = 'zoe') + (SELECT COUNT(*) FROM event_blocks WHERE owner IN ('u:zoe', 'd:zoe-phone') OR instr(events, CAST('zoe' AS BLOB)) > 0) + (SELECT COUNT(*) FROM device_links WHERE user_id = 'zoe' OR device_id = 'zoe-phone'); SELECT SUM(count) FROM event_blocks;"
        )
        #expect(counts == "0\n1")
    }

    @Test("keys are generated on first start, printed once, and work after a restart")
    func generatedKeys() async throws {
        let server = ServerProcess()
        try server.start(keys: false)
        let printed = server.printed
        let admin = try #require(
            printed.split(separator: "\n").first { $0.contains("generated the admin key") }?.split(separator: " ").last
        )
        #expect(server.stop() == 0)
        let restarted = ServerProcess(dataDirectory: server.dataDirectory)
        try restarted.start(keys: false)
        defer { restarted.stop() }
        #expect(!restarted.printed.contains("generated"))
        try await withHTTP(restarted) { (http) async throws in
            #expect(try await http.call(.GET, "/v1/items", key: String(admin)).status == 200)
            #expect(try await http.call(.GET, "/v1/items", key: ServerProcess.adminKey).status == 401)
        }
    }

    @Test("a key set once in the environment replaces the generated one for good")
    func replacedKey() async throws {
        let server = ServerProcess()
        try server.start(keys: false)
        let generated = try #require(
            server.printed.split(separator: "\n").first { $0.contains("generated the admin key") }?.split(
                separator: " "
            ).last
        )
        #expect(server.stop() == 0)
        let replaced = ServerProcess(dataDirectory: server.dataDirectory)
        try replaced.start(keys: true)
        #expect(replaced.stop() == 0)
        let later = ServerProcess(dataDirectory: server.dataDirectory)
        try later.start(keys: false)
        defer { later.stop() }
        try await withHTTP(later) { (http) async throws in
            #expect(try await http.call(.GET, "/v1/items", key: String(generated)).status == 401)
            #expect(try await http.call(.GET, "/v1/items", key: ServerProcess.adminKey).status == 200)
        }
    }

    @Test("SIGTERM stops the server gracefully with exit status 0")
    func gracefulShutdown() throws {
        let server = ServerProcess()
        try server.start()
        #expect(server.stop() == 0)
        #expect(server.printed.contains("aisle: stopped"))
    }

    @Test("a second server on the same data folder is refused with a clear message")
    func folderLock() throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let second = ServerProcess(dataDirectory: server.dataDirectory)
        #expect(throws: AisleError.self) { try second.start() }
    }

    func sqlite(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
