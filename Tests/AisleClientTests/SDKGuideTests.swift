import AisleClient
import Foundation
import Testing

/// docs/SDK.md's quick start is this function's body, so the guide's code compiles with every
/// `make test` (its calls need a server: `ClientEndToEndTests` makes the same ones for real).
@Suite struct SDKGuideTests {
    static func quickStart(serverURL: URL, ingestKey: String, folder: URL, userToken: String?) async throws {
        let client = try AisleClient(
            baseURL: serverURL,
            apiKey: ingestKey,
            deviceID: "ios-5f2c",
            storageDirectory: folder
        )
        // Returns once the event is on disk; never waits for the network.
        try await client.track(type: "view", itemID: "sku-1001")
        try await client.track(type: "search", itemID: nil, properties: ["query": "rain jacket"])
        try await client.track(type: "add_to_cart", itemID: "sku-1001", properties: ["value": "2"])
        // At sign-in: from here on events are the user's, and the feed is theirs.
        try await client.identify(userID: "u-42", token: userToken)
        let feed = try await client.recommendations(limit: 20)
        let similar = try await client.similar(to: "sku-1001", limit: 10)
        let results = try await client.search("rain jacket", limit: 20)
        print(feed.map(\.itemID), similar.count, results.total)
    }

    @Test("the guide's quick start is the code above, line for line")
    func guideMatchesCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/SDK.md"), encoding: .utf8)
        let start = try #require(guide.range(of: "## Quick start"))
        let block = try #require(guide[start.upperBound...].components(separatedBy: "```swift\n").dropFirst().first)
        let documented = block.components(separatedBy: "```")[0].split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let body = source.components(separatedBy: "userToken: String?) async throws {\n")[1]
            .components(separatedBy: "\n    }\n")[0]
        let code = body.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(documented == code)
    }
}
