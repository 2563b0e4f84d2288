import AisleCore
import ArgumentParser
import Foundation

struct SynthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a realistic synthetic event log as JSON Lines, for benchmarks.",
        discussion: """
            Item popularity and user activity follow power laws; events come in sessions (views,
            clicks, carts, purchases, searches, ratings) on one to three devices per user; a share
            of users browse anonymously on a device before signing in, so their first sessions
            carry only device_id. The same seed writes the same file.
            """
    )

    @Option(help: "Number of users.") var users: Int = 10_000
    @Option(help: "Number of items.") var items: Int = 5_000
    @Option(help: "Number of events.") var events: Int = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Days the log spans, ending 2026-01-31.") var days: Int = 30
    @Option(help: "Share of users who start anonymous on a device, 0 to 1.") var anonymousShare: Double = 0.3
    @Option(help: "Events file (default: standard output).") var output: String?
    @Option(help: "Also write the catalog as JSON Lines items to this file.") var itemsOutput: String?
    @Flag(help: "Leave out event_id (mobile SDKs send one; server-side logs often don't).") var noEventIds = false

    func validate() throws {
        guard users > 0, items > 0, events >= 0 else {
            throw ValidationError("--users and --items must be positive, --events not negative")
        }
        guard (0...1).contains(anonymousShare) else {
            throw ValidationError("--anonymous-share must be between 0 and 1")
        }
        guard days > 0 else { throw ValidationError("--days must be positive") }
    }

    func run() async throws {
        var generator = SyntheticLog(
            users: users,
            items: items,
            seed: seed,
            days: days,
            anonymousShare: anonymousShare,
            eventIDs: !noEventIds
        )
        let out = try OutputFile(path: output)
        var progress = Progress(label: "synth", totalBytes: 0)
        var written = 0
        while written < events {
            for line in generator.nextSession(limit: events - written) {
                out.write(line)
                written += 1
            }
            progress.update(rows: written, bytes: 0)
        }
        out.close()
        progress.finish()
        if let itemsOutput {
            let catalog = try OutputFile(path: itemsOutput)
            for index in 0..<items { catalog.write(generator.itemLine(index)) }
            catalog.close()
        }
        Console.error(
            "synth: wrote \(Progress.grouped(written)) events for \(Progress.grouped(users)) users and \(Progress.grouped(items)) items (seed \(seed))"
        )
    }
}

/// Buffered line output to a file or standard output.
final class OutputFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let handle = FileHandle(forWritingAtPath: path)
            else {
                throw ImportFailure("cannot write \(path)")
            }
            self.handle = handle
        } else {
            handle = FileHandle.standardOutput
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        if handle !== FileHandle.standardOutput { try? handle.close() }
    }
}

/// The generator behind `aisle synth`. Deterministic for a seed.
struct SyntheticLog {
    struct Shopper {
        var devices: [String]
        var platforms: [Platform]
        /// Sessions left before this shopper signs in on their first device (0: signed in).
        var anonymousSessionsLeft: Int
    }

    let itemCount: Int
    let seed: UInt64
    var random: SplitMix64
    let itemPopularity: ZipfSampler
    let userActivity: ZipfSampler
    var shoppers: [Shopper?]
    let eventIDs: Bool
    let anonymousShare: Double
    var clock: Int64
    let millisecondsPerSession: Double
    var eventCount = 0

    static let categories = 40
    static let nouns = [
        "jacket", "sneakers", "backpack", "headphones", "羽绒服", "kettle", "lamp", "jeans", "watch", "blender", "tent",
        "scarf",
    ]
    static let colors = ["black", "navy", "red", "olive", "white", "grey", "sand", "红色"]

    init(users: Int, items: Int, seed: UInt64, days: Int, anonymousShare: Double, eventIDs: Bool) {
        itemCount = items
        self.seed = seed
        random = SplitMix64(seed: seed)
        itemPopularity = ZipfSampler(count: items, exponent: 1.0)
        userActivity = ZipfSampler(count: users, exponent: 0.8)
        shoppers = Array(repeating: nil, count: users)
        self.eventIDs = eventIDs
        let end: Int64 = 1_769_817_600_000  // 2026-01-31T00:00:00Z
        clock = end - Int64(days) * 86_400_000
        // About 8 events per session; spread sessions evenly over the span.
        millisecondsPerSession = Double(Int64(days) * 86_400_000) / Double(max(1, users * 20))
        self.anonymousShare = anonymousShare
    }

    mutating func shopper(_ user: Int) -> Shopper {
        if let known = shoppers[user] { return known }
        let deviceCount = 1 + Int(random.next() % 3)
        let platforms: [Platform] = (0..<deviceCount).map { _ in Platform.allCases[Int(random.next() % 4)] }
        let anonymous = random.nextDouble() < anonymousShare ? 1 + Int(random.next() % 3) : 0
        let made = Shopper(
            devices: (0..<deviceCount).map { "d\(seed)-\(user)-\($0)" },
            platforms: platforms,
            anonymousSessionsLeft: anonymous
        )
        shoppers[user] = made
        return made
    }

    /// One session's event lines (at most `limit`).
    mutating func nextSession(limit: Int) -> [String] {
        let user = userActivity.sample(&random)
        var shopper = shopper(user)
        let deviceIndex = shopper.anonymousSessionsLeft > 0 ? 0 : Int(random.next() % UInt64(shopper.devices.count))
        let anonymous = shopper.anonymousSessionsLeft > 0
        if anonymous { shopper.anonymousSessionsLeft -= 1 }
        shoppers[user] = shopper
        clock += Int64(millisecondsPerSession * (0.5 + random.nextDouble()))
        var time = clock
        let length = min(limit, 1 + Int(-log(max(1e-9, random.nextDouble())) * 7))
        var lines: [String] = []
        var item = itemPopularity.sample(&random)
        for _ in 0..<length {
            var type = "view"
            var value: String?
            var query: String?
            let roll = random.nextDouble()
            switch roll {
            case ..<0.05:
                type = "search"
                query =
                    Self.nouns[item % Self.nouns.count]
                    + (random.nextDouble() < 0.5 ? " " + Self.colors[item % Self.colors.count] : "")
            case ..<0.15: type = "click"
            case ..<0.22: type = "add_to_cart"; value = "1"
            case ..<0.245: type = "purchase"; value = String(1 + Int(random.next() % 2))
            case ..<0.255: type = "rate"; value = String(1 + Int(random.next() % 5))
            case ..<0.265: type = "like"
            default: type = "view"
            }
            var fields = [String]()
            if eventIDs { fields.append(#""event_id":"e\#(seed)-\#(eventCount)""#) }
            fields.append(#""type":"\#(type)""#)
            if !anonymous { fields.append(#""user_id":"u\#(user)""#) }
            fields.append(#""device_id":"\#(shopper.devices[deviceIndex])""#)
            if type != "search" { fields.append(#""item_id":"i\#(item)""#) }
            if let value { fields.append(#""value":\#(value)"#) }
            if let query { fields.append(#""query":"\#(query)""#) }
            fields.append(#""device":{"platform":"\#(shopper.platforms[deviceIndex].rawValue)"}"#)
            fields.append(#""timestamp":\#(time)"#)
            lines.append("{" + fields.joined(separator: ",") + "}")
            eventCount += 1
            time += 5_000 + Int64(random.next() % 115_000)
            // Browsing moves within a category half of the time, else to a popular item.
            if random.nextDouble() < 0.5 {
                let category = item % Self.categories
                let step = Int(random.next() % 20) * Self.categories
                item = min(itemCount - 1, category + step)
            } else {
                item = itemPopularity.sample(&random)
            }
        }
        return lines
    }

    /// A catalog line for item `index` (SynthCatalog: brand, qualities, noun, attributes).
    func itemLine(_ index: Int) -> String {
        let body = ItemBody(SynthCatalog.item(index))
        return (try? String(decoding: Wire.encoder().encode(body), as: UTF8.self)) ?? ""
    }
}

/// Samples 0..<count with probability ∝ 1/(rank+1)^exponent, by binary search in the CDF.
struct ZipfSampler {
    let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 0..<count {
            running += 1 / pow(Double(rank + 1), exponent)
            cumulative.append(running)
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    func sample(_ random: inout SplitMix64) -> Int {
        let target = random.nextDouble()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
