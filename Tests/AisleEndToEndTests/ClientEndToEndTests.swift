import AisleClient
import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// AisleClient against the real server over loopback, driven through the `aisle-shop` example
/// so that each run is a real process start (an app launch) on the same queue folder.
@Suite(.serialized) struct ClientEndToEndTests {
    static var shopBinary: String {
        (ServerProcess.binary as NSString).deletingLastPathComponent + "/aisle-shop"
    }

    /// A port nothing listens on: the server is "down".
    static let down = "http://127.0.0.1:9"

    static func folder() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-shop-\(UUID().uuidString)")
    }

    /// Runs `aisle-shop command --url url --key ingest --storage storage arguments…`.
    static func shop(
        _ command: String,
        url: String,
        storage: String,
        _ arguments: [String] = [],
        shell prefix: String? = nil
    ) throws -> ProcessRun {
        let all = [command, "--url", url, "--key", ServerProcess.ingestKey, "--storage", storage] + arguments
        guard let prefix else { return try ProcessRun.run(shopBinary, all) }
        // A shell line for limits (ulimit) that apply to the client process only.
        return try ProcessRun.run("/bin/sh", ["-c", prefix + "; exec \"$0\" \"$@\"", shopBinary] + all)
    }

    /// The user's stored events: how many, and how many distinct event ids.
    static func delivered(to user: String, on server: ServerProcess) async throws -> (count: Int, distinct: Int) {
        try await withHTTP(server) { http in
            let events = try await http.history(of: user)
            return (events.count, Set(events.compactMap(\.eventID)).count)
        }
    }

    @Test("10,000 events tracked with the server down over three launches arrive once each")
    func exactlyOnceAcrossRestarts() async throws {
        let storage = Self.folder()
        #expect(try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-once"]).status == 0)
        for (launch, count) in [4_000, 3_000, 3_000].enumerated() {
            let track = try Self.shop(
                "track",
                url: Self.down,
                storage: storage,
                ["--type", "view", "--item", "sku-\(launch)", "--count", "\(count)"]
            )
            #expect(track.status == 0, "\(track.output)")
            let flush = try Self.shop("flush", url: Self.down, storage: storage)
            #expect(flush.status != 0 && flush.output.contains("offline"), "\(flush.output)")
        }
        #expect(try Self.shop("status", url: Self.down, storage: storage).output.contains("pending 10001 "))
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let flush = try Self.shop("flush", url: server.baseURL, storage: storage)
        #expect(flush.status == 0 && flush.output.contains("flushed; pending 0 rejected 0"), "\(flush.output)")
        // The server advertises gzip on its first answer; every later batch is compressed.
        let words = flush.output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let sent = words.firstIndex(of: "sent").flatMap { Int(words[$0 + 1]) } ?? 0
        let bytes = words.firstIndex(of: "in").flatMap { Int(words[$0 + 1]) } ?? 0
        #expect(sent == 10_000 && bytes > 0 && bytes / sent < 100, "\(bytes / max(sent, 1)) bytes an event: gzip")
        let delivered = try await Self.delivered(to: "u-once", on: server)
        #expect(delivered.count == 10_000 && delivered.distinct == 10_000)
        // Nothing is sent twice: a second flush has nothing to send.
        #expect(try Self.shop("flush", url: server.baseURL, storage: storage).output.contains("pending 0"))
        #expect(try await Self.delivered(to: "u-once", on: server).count == 10_000)
    }

    /// Events the server stored so far (`aisle_events_ingested_total`): one small request.
    static func ingested(on server: ServerProcess) async -> Int {
        let metrics = try? await withHTTP(server) { http in
            String(decoding: try await http.call(.GET, "/metrics", key: nil).body, as: UTF8.self)
        }
        let line = metrics?.split(separator: "\n").first { $0.hasPrefix("aisle_events_ingested_total ") }
        return line?.split(separator: " ").last.flatMap { Int($0) } ?? 0
    }

    /// A server whose `--rate-limit` stretches a 1,000-event upload in batches of 10 over a few
    /// seconds (bursts of 20 requests, then the client waits out `Retry-After`), so a kill lands
    /// mid-upload however loaded the machine is.
    static func throttledServer() throws -> ServerProcess {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_RATE_LIMIT": "20"])
        return server
    }

    /// 1,000 events queued offline for `user`, a throttled server, and an upload running in
    /// the background; returns once the server stored some (how many: `seen`).
    static func uploadUnderWay(user: String) async throws -> (
        server: ServerProcess, upload: Process, storage: String, seen: Int
    ) {
        let storage = folder()
        _ = try shop("identify", url: down, storage: storage, ["--user", user])
        _ = try shop("track", url: down, storage: storage, ["--item", "sku", "--count", "1000"])
        let server = try throttledServer()
        let upload = Process()
        upload.executableURL = URL(fileURLWithPath: shopBinary)
        upload.arguments =
            ["deliver", "--url", server.baseURL, "--key", ServerProcess.ingestKey, "--storage", storage]
            + ["--batch", "10", "--timeout", "3"]
        upload.standardOutput = FileHandle.nullDevice
        upload.standardError = FileHandle.nullDevice
        try upload.run()
        var seen = 0
        // Bounded, and not a busy loop: a server that never counts an event fails the test
        // that follows instead of spinning here (one run of the suite hung in this wait).
        let deadline = ContinuousClock.now + .seconds(120)
        while seen == 0 && upload.isRunning && ContinuousClock.now < deadline {
            seen = await ingested(on: server)
            if seen == 0 { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return (server, upload, storage, seen)
    }

    @Test("the server killed mid-upload, then restarted: nothing lost, nothing twice")
    func serverKilledMidUpload() async throws {
        let (server, upload, storage, seen) = try await Self.uploadUnderWay(user: "u-kill")
        defer { server.stop() }
        server.kill9()
        upload.waitUntilExit()
        #expect(seen > 0 && seen < 1_000, "killed mid-upload (\(seen) stored)")
        try server.start()
        let resumed = try Self.shop("flush", url: server.baseURL, storage: storage)
        #expect(resumed.status == 0, "\(resumed.output)")
        let delivered = try await Self.delivered(to: "u-kill", on: server)
        #expect(delivered.count == 1_000 && delivered.distinct == 1_000)
    }

    @Test("the app killed mid-upload resends on its next launch; the server keeps each event once")
    func clientKilledMidUpload() async throws {
        let (server, upload, storage, seen) = try await Self.uploadUnderWay(user: "u-app")
        defer { server.stop() }
        kill(upload.processIdentifier, SIGKILL)
        upload.waitUntilExit()
        #expect(seen > 0 && seen < 1_000, "killed mid-upload (\(seen) stored)")
        let relaunch = try Self.shop("deliver", url: server.baseURL, storage: storage, ["--timeout", "60"])
        #expect(relaunch.output.contains("pending 0 rejected 0"), "\(relaunch.output)")
        let delivered = try await Self.delivered(to: "u-app", on: server)
        #expect(delivered.count == 1_000 && delivered.distinct == 1_000)
    }

    @Test("413: batches split until they fit; an event too large alone is dropped with a log line, the rest arrive")
    func splitsOn413() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_MAX_BODY_BYTES": "4096"])
        defer { server.stop() }
        let storage = Self.folder()
        _ = try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-split"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "a", "--count", "100"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "huge", "--pad", "6000"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "b", "--count", "100"])
        let flush = try Self.shop("flush", url: server.baseURL, storage: storage)
        #expect(flush.status == 0 && flush.output.contains("pending 0 rejected 1"), "\(flush.output)")
        #expect(flush.output.contains("dropped an event the server refuses"), "\(flush.output)")
        let delivered = try await Self.delivered(to: "u-split", on: server)
        #expect(delivered.count == 200 && delivered.distinct == 200)
    }

    @Test("429: the background uploads back off as Retry-After says and deliver everything once")
    func backsOffOn429() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_RATE_LIMIT": "2"])
        defer { server.stop() }
        let storage = Self.folder()
        _ = try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-busy"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "sku", "--count", "60"])
        let clock = ContinuousClock()
        let start = clock.now
        let deliver = try Self.shop(
            "deliver",
            url: server.baseURL,
            storage: storage,
            ["--batch", "10", "--timeout", "60"]
        )
        let elapsed = clock.now - start
        #expect(deliver.output.contains("pending 0 rejected 0"), "\(deliver.output)")
        let delivered = try await Self.delivered(to: "u-busy", on: server)
        #expect(delivered.count == 60 && delivered.distinct == 60)
        try await withHTTP(server) { (http) async throws in
            let metrics = String(decoding: try await http.call(.GET, "/metrics", key: nil).body, as: UTF8.self)
            let limited = metrics.split(separator: "\n").first { $0.hasPrefix("aisle_rate_limited_total ") }
            #expect((limited?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 0, "the server did say 429")
        }
        // 7 requests at 2 a second with 1-second waits: more than a second, far below a minute.
        #expect(elapsed > .seconds(1) && elapsed < .seconds(30))
    }

    @Test("a full disk (a file-size limit on the app) is a clear error; what was queued before stays and is sent")
    func fullDisk() async throws {
        let storage = Self.folder()
        _ = try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-disk"])
        // 64 blocks of 512 bytes: room for about a hundred events.
        let full = try Self.shop(
            "track",
            url: Self.down,
            storage: storage,
            ["--item", "sku", "--count", "1000"],
            shell: "ulimit -f 64"
        )
        #expect(full.status != 0 && full.output.contains("storage"), "\(full.output)")
        let tracked = try #require(
            full.output.split(separator: "\n").first { $0.hasPrefix("tracked ") }.flatMap {
                Int($0.split(separator: " ")[1])
            }
        )
        #expect(tracked > 10 && tracked < 1_000)
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let flush = try Self.shop("flush", url: server.baseURL, storage: storage)
        #expect(flush.status == 0, "\(flush.output)")
        let delivered = try await Self.delivered(to: "u-disk", on: server)
        #expect(delivered.count == tracked && delivered.distinct == tracked, "every event queued before the limit")
    }

    @Test("a queue file damaged on disk: the app starts, keeps what came before the damage, and delivers it")
    func damagedQueue() async throws {
        let storage = Self.folder()
        _ = try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-damage"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "early", "--count", "50"])
        let queueFolder = (storage as NSString).appendingPathComponent("queue")
        let log = try #require(
            try FileManager.default.contentsOfDirectory(atPath: queueFolder).first { $0.hasSuffix(".log") }
        )
        let path = (queueFolder as NSString).appendingPathComponent(log)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path)).count
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "late", "--count", "50"])
        // Flip a byte inside the first "late" event: a checksum fails with records after it.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[intact + 40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let flush = try Self.shop("flush", url: server.baseURL, storage: storage)
        #expect(flush.status == 0 && flush.output.contains("the event queue was damaged"), "\(flush.output)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: queueFolder).filter { $0.contains(".corrupt-") }
        #expect(aside.count == 1, "the damaged file is kept aside for a look")
        let delivered = try await Self.delivered(to: "u-damage", on: server)
        #expect(delivered.count == 50 && delivered.distinct == 50, "the 50 before the damage")
    }

    @Test("track from 20 tasks at once in one app: every event arrives once")
    func concurrentTrack() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let folder = URL(fileURLWithPath: Self.folder())
        let client = try AisleClient(
            baseURL: try #require(URL(string: server.baseURL)),
            apiKey: ServerProcess.ingestKey,
            deviceID: "many-tasks",
            storageDirectory: folder
        )
        try await client.identify(userID: "u-tasks")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<20 {
                group.addTask {
                    for index in 0..<100 { try await client.track(type: "view", itemID: "t\(task)-\(index)") }
                }
            }
            try await group.waitForAll()
        }
        try await client.flush()
        #expect(await client.queueStatus().pending == 0)
        await client.close()
        let delivered = try await Self.delivered(to: "u-tasks", on: server)
        #expect(delivered.count == 2_000 && delivered.distinct == 2_000)
    }

    @Test("setConsent(tracking: false): nothing is queued or stored until it is turned on again")
    func consent() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let client = try AisleClient(
            baseURL: try #require(URL(string: server.baseURL)),
            apiKey: ServerProcess.ingestKey,
            deviceID: "consent-phone",
            storageDirectory: URL(fileURLWithPath: Self.folder())
        )
        await #expect(throws: ClientError.self) { try await client.setConsent(tracking: false) }
        try await client.identify(userID: "u-consent")
        try await client.flush()
        try await client.setConsent(tracking: false)
        for index in 0..<3 { try await client.track(type: "view", itemID: "off-\(index)") }
        #expect(await client.queueStatus().pending == 0)
        try await client.setConsent(tracking: true)
        for index in 0..<2 { try await client.track(type: "view", itemID: "on-\(index)") }
        try await client.flush()
        await client.close()
        let stored = try await withHTTP(server) { try await $0.history(of: "u-consent") }
        #expect(stored.compactMap(\.itemID).sorted() == ["on-0", "on-1"])
    }

    @Test("identify is sent in its place: earlier events anonymous then attributed, later ones the user's")
    func identifyOrdering() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let storage = Self.folder()
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "before", "--count", "3"])
        _ = try Self.shop("identify", url: Self.down, storage: storage, ["--user", "u-order"])
        _ = try Self.shop("track", url: Self.down, storage: storage, ["--item", "after", "--count", "2"])
        #expect(try Self.shop("flush", url: server.baseURL, storage: storage).status == 0)
        try await withHTTP(server) { http in
            let events = try await http.history(of: "u-order")
            #expect(events.count == 5, "the anonymous three were attributed by identify")
            let byItem = Dictionary(grouping: events) { $0.itemID?.hasPrefix("after") == true }
            #expect(byItem[true]?.count == 2 && byItem[false]?.count == 3)
            let devices = try await http.call(.GET, "/v1/users/u-order/devices")
            #expect(devices.status == 200 && String(decoding: devices.body, as: UTF8.self).contains("cli-device"))
        }
    }

    @Test("reads: the device's feed, similar items, search; offline the last feed is shown with its age")
    func reads() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        try await withHTTP(server) { (http) async throws in
            let items = [
                ItemBody(id: "j1", title: "Waterproof rain jacket", categories: ["Clothing > Jackets"]),
                ItemBody(id: "j2", title: "Down jacket", categories: ["Clothing > Jackets"]),
                ItemBody(id: "b1", title: "Hiking boots", categories: ["Shoes"]),
            ]
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: items)).status == 200)
        }
        let storage = Self.folder()
        _ = try Self.shop("track", url: server.baseURL, storage: storage, ["--type", "view", "--item", "j1"])
        #expect(try Self.shop("flush", url: server.baseURL, storage: storage).status == 0)
        let feed = try Self.shop("feed", url: server.baseURL, storage: storage)
        #expect(feed.status == 0 && feed.output.contains("j2") && !feed.output.contains("j1"), "\(feed.output)")
        // Asked again, unchanged: the server answers 304 and the kept list is shown.
        let again = try Self.shop("feed", url: server.baseURL, storage: storage)
        #expect(again.output == feed.output)
        try await withHTTP(server) { (http) async throws in
            let metrics = String(decoding: try await http.call(.GET, "/metrics", key: nil).body, as: UTF8.self)
            #expect(metrics.contains(#"route="/v1/devices/{id}/recommendations",method="GET",status="304"} 1"#))
        }
        let search = try Self.shop("search", url: server.baseURL, storage: storage, ["--query", "jacket"])
        #expect(search.output.hasPrefix("2 found: "), "\(search.output)")
        let similar = try Self.shop("similar", url: server.baseURL, storage: storage, ["--item", "j1"])
        #expect(similar.status == 0 && similar.output.contains("j2"), "\(similar.output)")
        let offline = try Self.shop("feed", url: Self.down, storage: storage)
        #expect(offline.status == 0 && offline.output.contains("offline; cached feed from"), "\(offline.output)")
        #expect(offline.output.contains("j2"))
    }
}
