import AisleCore
import AisleEngine
import AisleServer
import AisleStore
import ArgumentParser
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a fresh data folder from MovieLens-100K, serve it, and print curl examples.",
        discussion: """
            Items are the 1,682 movies (title, genres as categories, release year), users the 943
            raters, events the 100,000 ratings as rate events. The data folder (default
            ./aisle-demo-data) is recreated on every run.
            """
    )

    @OptionGroup var options: ServerOptions

    @Option(
        help:
            "Folder with ml-100k.item, ml-100k.user, ml-100k.inter (env AISLE_DEMO_SOURCE; default ../shared/data/ml-100k)."
    )
    var source: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var demoEnvironment = environment
        if options.data == nil && environment["AISLE_DATA"] == nil {
            demoEnvironment["AISLE_DATA"] = "./aisle-demo-data"
        }
        var configuration = try options.configuration(environment: demoEnvironment)
        let sourceFolder = source ?? environment["AISLE_DEMO_SOURCE"] ?? "../shared/data/ml-100k"
        let files = ["item", "user", "inter"].map { (sourceFolder as NSString).appendingPathComponent("ml-100k.\($0)") }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError(
                "cannot read \(file); point --source at a folder with the MovieLens-100K RecBole files"
            )
        }
        let directory = configuration.store.dataDirectory
        try Self.recreate(directory)
        configuration.keys.adminKey = configuration.keys.adminKey ?? KeyRing.newKey(scope: .admin)
        configuration.keys.ingestKey = configuration.keys.ingestKey ?? KeyRing.newKey(scope: .ingest)

        let logger = LogSetup.bootstrap(level: options.resolvedLogLevel(environment: environment))
        Console.line("aisle demo: loading MovieLens-100K from \(sourceFolder) into \(directory)")
        do {
            let folder = try await DataFolder.open(configuration: configuration)
            let sink = FolderSink(folder: folder)
            for (kind, file) in zip([ImportCommand.Kind.items, .users, .events], files) {
                let summary = try await ImportCommand.importFile(
                    kind: kind,
                    reader: try LineReader(path: file),
                    format: .recbole,
                    into: sink,
                    rejectsPath: (directory as NSString).appendingPathComponent("\(kind.rawValue).rejects.jsonl")
                )
                Console.line("  " + ImportCommand.describe(summary, kind: kind, rejectsPath: "the data folder"))
            }
            try await sink.close()
            try await Self.loadAssistantExamples(into: folder)
            // Train before serving, so the recommendation examples answer from the first request.
            let report = try await folder.train()
            Console.line(
                "  trained the recommendation models: \(report.interactions) interactions, \(report.items) items (\(report.blendSource))"
            )
        }
        let admin = configuration.keys.adminKey ?? ""
        let ingest = configuration.keys.ingestKey ?? ""
        let host = configuration.server.host
        try await Server.run(configuration: configuration, logger: logger, printKeys: false) { port in
            Console.line(Self.examples(base: "http://\(host):\(port)", admin: admin, ingest: ingest))
        }
    }

    /// The assistant's demo FAQs (bench/assistant/demo-faqs.json, when run from the checkout)
    /// and a few orders of MovieLens users, so the assistant can be tried at once.
    static func loadAssistantExamples(into folder: DataFolder) async throws {
        let path = "bench/assistant/demo-faqs.json"
        if let data = FileManager.default.contents(atPath: path) {
            let faqs = try Wire.decode(FAQSetBody.self, from: data).entries()
            _ = try await folder.importFAQs(faqs)
            Console.line("  assistant: \(faqs.count) FAQs from \(path)")
        } else {
            Console.line("  assistant: no FAQs (\(path) is read when the demo runs from the checkout)")
        }
        let day: Int64 = 86_400_000
        let now = Timestamp.now().millisecondsSinceEpoch
        let orders = [
            Order(
                id: OrderID("5521"),
                userID: UserID("196"),
                status: .shipped,
                lines: [Order.Line(itemID: ItemID("50"), quantity: 1, price: 19.99)],
                carrier: "UPS",
                trackingNumber: "1Z999AA10123456784",
                eta: Timestamp(millisecondsSinceEpoch: now + 2 * day),
                updatedAt: Timestamp(millisecondsSinceEpoch: now - day)
            ),
            Order(
                id: OrderID("5307"),
                userID: UserID("196"),
                status: .delivered,
                lines: [Order.Line(itemID: ItemID("181"), quantity: 1, price: 14.5)],
                carrier: "DHL",
                trackingNumber: "JD014600006281230",
                updatedAt: Timestamp(millisecondsSinceEpoch: now - 20 * day)
            ),
            Order(
                id: OrderID("6012"),
                userID: UserID("7"),
                status: .paid,
                lines: [Order.Line(itemID: ItemID("100"), quantity: 2, price: 9.99)],
                updatedAt: Timestamp(millisecondsSinceEpoch: now - 3_600_000)
            ),
        ]
        try await folder.importOrders(orders)
        Console.line("  assistant: \(orders.count) orders (5521 and 5307 of user 196, 6012 of user 7)")
    }

    /// Removes an earlier demo's database; refuses to touch a folder that is not Aisle's.
    static func recreate(_ directory: String) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: directory) else { return }
        let contents = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        let ours = contents.allSatisfy {
            $0.hasPrefix("aisle.") || $0.hasSuffix(".rejects.jsonl") || $0 == "models" || $0 == "data.key"
        }
        guard ours else {
            throw ValidationError(
                "\(directory) holds files that are not Aisle's; pass --data with a new or Aisle-only folder"
            )
        }
        _ = try DataDirectoryLock(directory: directory)  // refuses while a server runs on it
        for name in contents where name != "aisle.lock" {
            try manager.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }

    static func examples(base: String, admin: String, ingest: String) -> String {
        """

        Aisle demo is serving MovieLens-100K at \(base). Keys for this run:
          admin:  \(admin)
          ingest: \(ingest)

        Open the shop at \(base)/ and the dashboard at \(base)/dashboard (sign in with the admin key).

        Try (copy and paste):
          curl -s \(base)/health
          curl -s -H 'Authorization: Bearer \(admin)' \(base)/v1/items/50
          curl -s -H 'Authorization: Bearer \(admin)' '\(base)/v1/items?limit=3'
          curl -s -H 'Authorization: Bearer \(admin)' '\(base)/v1/users/196/history?limit=3'
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"type":"view","device_id":"demo-phone","item_id":"50"}' \(base)/v1/events
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"device_id":"demo-phone","user_id":"196"}' \(base)/v1/identify
          curl -s -H 'Authorization: Bearer \(admin)' \(base)/v1/users/196/devices
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/users/196/recommendations?limit=3&explain=true'
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/items/50/similar?limit=3'
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/trending?category=Comedy&limit=3'
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"device_id":"demo-phone","item_id":"50","limit":3}' \(base)/v1/recommendations
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"user_id":"196","rating":4,"text":"Great story and lovely music, but the ending drags."}' \(base)/v1/items/50/reviews
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"user_id":"7","text":"画面很美，音乐也不错，但是结尾太拖沓了"}' \(base)/v1/items/50/reviews
          curl -s -H 'Authorization: Bearer \(ingest)' \(base)/v1/items/50/review-summary
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/search?q=star+wras&limit=3'
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/search?q=films+about+astronauts&limit=3&facets=category&explain=true'
          curl -s -H 'Authorization: Bearer \(ingest)' '\(base)/v1/autocomplete?q=sta'
          curl -s -H 'Authorization: Bearer \(admin)' \(base)/v1/search/zero-results
          curl -s -H 'Authorization: Bearer \(admin)' -d '{"input":["space adventure","a film about astronauts"]}' \(base)/v1/embeddings | head -c 300
          curl -s -H 'Authorization: Bearer \(admin)' \(base)/v1/items/50/embedding | head -c 200
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"device_id":"demo-phone","text":"how long do I have to return something?"}' \(base)/v1/assistant/messages
          curl -s -H 'Authorization: Bearer \(ingest)' -d '{"device_id":"demo-phone","text":"退款多久到账"}' \(base)/v1/assistant/messages
          curl -s -H 'Authorization: Bearer \(admin)' -d '{"user_id":"196","text":"where is my order 5521?"}' \(base)/v1/assistant/messages
          curl -s \(base)/metrics | grep aisle_events
        Stop with Ctrl-C.
        """
    }
}
