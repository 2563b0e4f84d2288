import AisleClient
import Foundation

// aisle-shop: AisleClient from the command line, the Linux example of docs/SDK.md. Each run is
// one "app launch": it opens the client on its storage folder (the queue survives between
// runs), does one thing, and closes it.
//
//   aisle-shop track --url http://127.0.0.1:8080 --key $INGEST --storage ./shop --type view --item sku-1 [--count N]
//   aisle-shop identify --user u-42 [--token TOKEN] …   aisle-shop flush …   aisle-shop status …
//   aisle-shop feed [--limit N] …   aisle-shop similar --item sku-1 …   aisle-shop search --query "rain jacket" …
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Usage: Error, CustomStringConvertible {
    var description: String
}

/// `--name value` pairs after the command.
func options(_ arguments: ArraySlice<String>) throws -> [String: String] {
    var result: [String: String] = [:]
    var rest = arguments
    while let name = rest.popFirst() {
        guard name.hasPrefix("--"), let value = rest.popFirst() else {
            throw Usage(description: "expected --name value, got \(name)")
        }
        result[String(name.dropFirst(2))] = value
    }
    return result
}

func run() async throws {
    let arguments = CommandLine.arguments
    guard arguments.count >= 2 else {
        throw Usage(
            description:
                "usage: aisle-shop track|identify|flush|status|feed|similar|search --url URL --key KEY --storage DIR …"
        )
    }
    let command = arguments[1]
    let given = try options(arguments.dropFirst(2))
    guard let url = given["url"].flatMap(URL.init(string:)), let key = given["key"], let storage = given["storage"]
    else {
        throw Usage(description: "--url, --key and --storage are required")
    }
    var settings = ClientOptions()
    settings.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    // One upload per `flush` call here, unless `deliver` asks the background uploads to run.
    settings.flushAt = command == "deliver" ? 1 : Int.max
    settings.flushInterval = .milliseconds(200)
    settings.maxBatchEvents = Int(given["batch"] ?? "") ?? settings.maxBatchEvents
    let client = try AisleClient(
        baseURL: url,
        apiKey: key,
        deviceID: given["device"] ?? "cli-device",
        storageDirectory: URL(fileURLWithPath: storage),
        options: settings
    )
    switch command {
    case "track":
        let count = Int(given["count"] ?? "1") ?? 1
        let type = given["type"] ?? "view"
        var properties: [String: String] = [:]
        if let query = given["query"] { properties["query"] = query }
        if let pad = given["pad"].flatMap(Int.init) { properties["pad"] = String(repeating: "p", count: pad) }
        let item = given["item"]
        for index in 0..<count {
            let id = count == 1 ? item : item.map { "\($0)-\(index)" }
            do {
                try await client.track(type: type, itemID: id, properties: properties)
            } catch {
                print("tracked \(index) of \(count)")
                throw error
            }
        }
        print("tracked \(count)")
    case "identify":
        guard let user = given["user"] else { throw Usage(description: "identify needs --user") }
        try await client.identify(userID: user, token: given["token"])
        print("identified \(user)")
    case "flush":
        try await client.flush()
        let status = await client.queueStatus()
        print(
            "flushed; pending \(status.pending) rejected \(status.rejected); sent \(status.sentEvents) events in \(status.sentBytes) bytes"
        )
    case "deliver":
        // As an app does: the background uploads send, backing off on 429 and 5xx, until the
        // queue is empty or --timeout seconds pass.
        let deadline = Date().addingTimeInterval(Double(given["timeout"] ?? "30") ?? 30)
        while await client.queueStatus().pending > 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let status = await client.queueStatus()
        print("pending \(status.pending) rejected \(status.rejected)")
    case "status":
        let status = await client.queueStatus()
        print(
            "pending \(status.pending) bytes \(status.pendingBytes) dropped \(status.dropped) rejected \(status.rejected)"
        )
    case "feed":
        do {
            let items = try await client.recommendations(limit: Int(given["limit"] ?? "10") ?? 10)
            print(items.map(\.itemID).joined(separator: " "))
        } catch {
            // Offline: show the last feed, with its age, as an app would.
            guard let cached = client.cachedFeed else { throw error }
            print(
                "offline; cached feed from \(Int(cached.age)) s ago: "
                    + cached.items.map(\.itemID).joined(separator: " ")
            )
        }
    case "similar":
        guard let item = given["item"] else { throw Usage(description: "similar needs --item") }
        print(try await client.similar(to: item, limit: 10).map(\.itemID).joined(separator: " "))
    case "search":
        guard let query = given["query"] else { throw Usage(description: "search needs --query") }
        let page = try await client.search(query, limit: 10)
        print("\(page.total) found: " + page.hits.map(\.itemID).joined(separator: " "))
    default:
        throw Usage(description: "unknown command \(command)")
    }
    await client.close()
}

// A file-size limit (ulimit -f) must be an error the client reports, not a signal that kills.
signal(SIGXFSZ, SIG_IGN)
do {
    try await run()
} catch {
    FileHandle.standardError.write(Data("aisle-shop: \(error)\n".utf8))
    exit(1)
}
