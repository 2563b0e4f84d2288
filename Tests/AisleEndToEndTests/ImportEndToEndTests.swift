import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// `aisle import` as a user runs it: the real binary on fixture files, checked through the API.
@Suite(.serialized) struct ImportEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        .path

    func aisle(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> ProcessRun {
        try ProcessRun.run(ServerProcess.binary, arguments, in: folder, environment: environment)
    }

    func workFolder() -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-import-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func rejects(_ path: String) throws -> [[String: JSONValue]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8))
        }
    }

    @Test("JSON Lines: good rows stored, repeats skipped, bad rows in the rejects file with line numbers")
    func jsonLines() async throws {
        let work = workFolder()
        let run = try aisle(["import", "events", Self.fixtures + "/events.jsonl", "--data", "data"], in: work)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("imported 3 events of 7 rows"))
        #expect(run.output.contains("1 duplicates skipped"))
        #expect(run.output.contains("3 rejected"))
        let rejected = try rejects(work + "/events.jsonl.rejects.jsonl")
        #expect(rejected.map { $0["line"] } == [.number(3), .number(4), .number(8)])
        #expect(
            rejected.map { $0["code"] } == [
                .string("invalid_field"), .string("invalid_json"), .string("invalid_field"),
            ]
        )
        #expect(rejected[0]["field"] == .string("value"))
        #expect(rejected[2]["field"] == .string("colour"))

        let server = ServerProcess(dataDirectory: work + "/data")
        try server.start()
        defer { server.stop() }
        try await withHTTP(server) { http in
            let history = try await http.history(of: "ana")
            #expect(history.map(\.eventID) == ["j2", "j1"])
        }
    }

    @Test("CSV: quoted fields, lists split on |, unknown columns become string attributes")
    func csv() async throws {
        let work = workFolder()
        let run = try aisle(["import", "items", Self.fixtures + "/items.csv", "--data", "data"], in: work)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("imported 2 items of 4 rows"))
        let rejected = try rejects(work + "/items.csv.rejects.jsonl")
        #expect(rejected.map { $0["line"] } == [.number(3), .number(5)])
        #expect(rejected.map { $0["field"] } == [.string("price"), .string("title")])
        let server = ServerProcess(dataDirectory: work + "/data")
        try server.start()
        defer { server.stop() }
        try await withHTTP(server) { http in
            let jacket = try await http.call(.GET, "/v1/items/sku-1").decode(ItemBody.self)
            #expect(jacket.title == "Down jacket, long")
            #expect(jacket.categories == ["Clothing > Jackets > Down", "Sale"])
            #expect(jacket.tags == ["winter", "warm"])
            #expect(jacket.attributes?["color"] == .string("red"))
            let shell = try await http.call(.GET, "/v1/items/sku-3").decode(ItemBody.self)
            #expect(shell.title == #"Rain "shell" jacket"#)
            #expect(shell.inStock == false)
        }
    }

    @Test(
        "reviews from CSV are analysed and stored, in a folder and through --url; bad rows and unknown items rejected"
    )
    func reviews() async throws {
        for throughServer in [false, true] {
            let work = workFolder()
            #expect(
                try aisle(["import", "items", Self.fixtures + "/items.csv", "--data", "data"], in: work).status == 0
            )
            let server = ServerProcess(dataDirectory: work + "/data")
            var run: ProcessRun
            if throughServer {
                try server.start()
                run = try aisle(
                    ["import", "reviews", Self.fixtures + "/reviews.csv", "--url", server.baseURL],
                    in: work,
                    environment: ["AISLE_ADMIN_KEY": ServerProcess.adminKey]
                )
            } else {
                run = try aisle(["import", "reviews", Self.fixtures + "/reviews.csv", "--data", "data"], in: work)
                #expect(run.output.contains("import: reviews: the shipped sentiment model"))
                try server.start()
            }
            defer { server.stop() }
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("imported 3 reviews of 6 rows"), "\(run.output)")
            #expect(run.output.contains("3 rejected (1 for items not in the catalog)"), "\(run.output)")
            func line(_ row: [String: JSONValue]) -> Double {
                if case .number(let value) = row["line"] { return value }
                return 0
            }
            // Unknown items are found when a batch is written, after the rows that fail to parse.
            let rejected = try rejects(work + "/reviews.csv.rejects.jsonl").sorted { line($0) < line($1) }
            #expect(rejected.map { $0["line"] } == [.number(4), .number(5), .number(7)])
            #expect(rejected.map { $0["field"] } == [.string("item_id"), .string("rating"), .string("text")])
            try await withHTTP(server) { http in
                let review = try await http.call(.GET, "/v1/reviews/rv-5").decode(ReviewBody.self)
                #expect(review.analysis?.polarity == "negative")
                #expect(review.analysis?.aspects.map(\.aspect) == ["durability"])
                let summary = try await http.call(.GET, "/v1/items/sku-1/review-summary").decode(ReviewSummaryBody.self)
                #expect(summary.reviewCount == 2)
                #expect(summary.pros.first { $0.aspect == "quality" }?.count == 2)
                #expect(summary.cons.map(\.aspect) == ["delivery_shipping"])
            }
        }
    }

    @Test("RecBole atomic files: movies with genres, users, ratings as rate events in seconds; aisle train; serve")
    func recbole() async throws {
        let work = workFolder()
        for (kind, file) in [
            ("items", "ml-100k-slice.item"), ("users", "ml-100k-slice.user"), ("events", "ml-100k-slice.inter"),
        ] {
            let run = try aisle(["import", kind, Self.fixtures + "/" + file, "--data", "data"], in: work)
            #expect(run.status == 0, "\(run.output)")
            #expect(!run.output.contains("rejected"), "\(run.output)")
        }
        let train = try aisle(["train", "--data", "data", "--threads", "2"], in: work)
        #expect(train.status == 0 && train.output.contains("train: saved"), "\(train.output)")
        // The server loads the saved model even when told not to train at start.
        let server = ServerProcess(dataDirectory: work + "/data")
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        let busy = try aisle(["train", "--data", "data"], in: work)
        #expect(busy.status != 0 && busy.output.contains("in use by a running server"), "\(busy.output)")
        try await withHTTP(server) { http in
            let model = try await http.call(.GET, "/v1/models").decode(TrainingReportBody.self)
            #expect(model.trainedAt != nil && model.interactions > 0)
            let toyStory = try await http.call(.GET, "/v1/items/1").decode(ItemBody.self)
            #expect(toyStory.title == "Toy Story")
            #expect(toyStory.categories == ["Animation", "Children's", "Comedy"])
            #expect(toyStory.attributes?["release_year"] == .string("1995"))
            let user = try await http.call(.GET, "/v1/users/1").decode(UserBody.self)
            #expect(user.attributes?["occupation"] == .string("technician"))
            let ratings = try await http.history(of: "1")
            #expect(!ratings.isEmpty)
            #expect(ratings.allSatisfy { $0.type == "rate" && ($0.value ?? 0) >= 1 })
            // RecBole timestamps are seconds: ml-100k spans 1997-1998.
            #expect(ratings.allSatisfy { $0.timestamp?.timestamp.rfc3339.hasPrefix("199") == true })
        }
    }

    @Test("--url imports through a running server with the same results")
    func throughServer() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let work = workFolder()
        let run = try aisle(
            [
                "import", "events", Self.fixtures + "/events.jsonl", "--url", server.baseURL, "--key",
                ServerProcess.adminKey,
            ],
            in: work
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("imported 3 events of 7 rows"))
        try await withHTTP(server) { (http) async throws in
            #expect(try await http.history(of: "ana").map(\.eventID) == ["j2", "j1"])
        }
    }

    @Test("importing into a folder a server is using is refused with advice")
    func lockedFolder() throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let run = try aisle(
            ["import", "events", Self.fixtures + "/events.jsonl", "--data", server.dataDirectory],
            in: workFolder()
        )
        #expect(run.status != 0)
        #expect(run.output.contains("--url"))
    }

    @Test(
        "a missing file or unknown format fails with a clear message",
        arguments: [["import", "events", "/nonexistent.jsonl"], ["import", "events", "/etc/hostname"]]
    )
    func badArguments(arguments: [String]) throws {
        let run = try aisle(arguments + ["--data", "data"], in: workFolder())
        #expect(run.status != 0)
        #expect(run.output.contains("no such file") || run.output.contains("--format"))
    }
}
