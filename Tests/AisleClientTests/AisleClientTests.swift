import AisleClient
import Foundation
import Testing

/// The client without a server: what `track` and `identify` refuse, and that they never wait
/// for the network.
@Suite struct AisleClientTests {
    /// A port nothing listens on: every upload fails at once.
    static let nowhere = URL(string: "http://127.0.0.1:9") ?? URL(fileURLWithPath: "/unreachable")

    static func client(options: ClientOptions = ClientOptions()) throws -> AisleClient {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aisle-client-\(UUID())")
        return try AisleClient(
            baseURL: nowhere,
            apiKey: "aisle_ingest_test_key_0001",
            deviceID: "ios-test",
            storageDirectory: folder,
            options: options
        )
    }

    @Test(
        "events the server would refuse are refused at once, naming the field",
        arguments: [
            ("", "sku-1", [String: String](), "type"),
            ("view", nil, [:], "item_id"),
            ("rate", "sku-1", ["value": "6"], "value"),
            ("rate", "sku-1", ["value": "six"], "value"),
            ("search", nil, [:], "query"),
            ("teleport", "sku-1", [:], "type"),
            ("view", String(repeating: "x", count: 257), [:], "item_id"),
        ] as [(String, String?, [String: String], String)]
    )
    func refusedEvents(type: String, item: String?, properties: [String: String], field: String) async throws {
        let client = try Self.client()
        await #expect {
            try await client.track(type: type, itemID: item, properties: properties)
        } throws: { error in
            guard case .invalid(let message) = error as? ClientError else { return false }
            return message.contains(field)
        }
        #expect(await client.queueStatus().pending == 0)
        await client.close()
    }

    @Test("a search event takes its query from the properties; the rest go in context")
    func searchEvent() async throws {
        let client = try Self.client()
        try await client.track(type: "search", itemID: nil, properties: ["query": "rain jacket", "screen": "home"])
        try await client.track(type: "add_to_cart", itemID: "sku-1", properties: ["value": "2"])
        #expect(await client.queueStatus().pending == 2)
        await client.close()
    }

    @Test("an empty key, a bad device id or a bad user id is refused")
    func badSetup() async throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aisle-client-\(UUID())")
        #expect(throws: ClientError.self) {
            try AisleClient(baseURL: Self.nowhere, apiKey: "", deviceID: "d", storageDirectory: folder)
        }
        #expect(throws: ClientError.self) {
            try AisleClient(baseURL: Self.nowhere, apiKey: "k", deviceID: "", storageDirectory: folder)
        }
        let client = try Self.client()
        await #expect(throws: ClientError.self) { try await client.identify(userID: "") }
        await client.close()
    }

    @Test("offline, track returns without waiting and flush says offline; the events stay queued")
    func offline() async throws {
        var options = ClientOptions()
        options.flushAt = 5
        let client = try Self.client(options: options)
        for index in 0..<20 { try await client.track(type: "view", itemID: "sku-\(index)") }
        await #expect {
            try await client.flush()
        } throws: { error in
            if case .offline = error as? ClientError { return true }
            return false
        }
        let status = await client.queueStatus()
        #expect(status.pending == 20 && status.dropped == 0)
        #expect(status.backingOffUntil != nil, "a failed upload backs off")
        await client.close()
    }
}
