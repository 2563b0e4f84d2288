import AisleCore
import AisleImage
import Foundation
import NIOHTTP1
import Testing

/// `aisle import images DIR` as a user runs it: into a data folder (then served by a server
/// started on it) and through a running server, with a mapping CSV and a rejects file.
@Suite(.serialized) struct ImageImportEndToEndTests {
    let codec = ImageCodec()

    func aisle(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> ProcessRun {
        try ProcessRun.run(ServerProcess.binary, arguments, in: folder, environment: environment)
    }

    /// A work folder with items `shoe`, `bag`, `hat` (items.jsonl) and a `photos` folder: shoe.jpg,
    /// bag.png, hat.webp, broken.jpg (truncated), notes.txt (skipped: not a photo).
    func workFolder() throws -> String {
        let work = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-images-\(UUID().uuidString)")
        let photos = (work as NSString).appendingPathComponent("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        let items = ["shoe", "bag", "hat"].map { #"{"id":"\#($0)","title":"\#($0)"}"# }.joined(separator: "\n")
        try items.write(toFile: "\(work)/items.jsonl", atomically: true, encoding: .utf8)
        let rgb = ImageEndToEndTests.picture(width: 240, height: 320)
        let jpeg = try codec.encode(rgb: rgb, width: 240, height: 320, as: .jpeg)
        try Data(jpeg).write(to: URL(fileURLWithPath: "\(photos)/shoe.jpg"))
        try Data(try codec.encode(rgb: rgb, width: 240, height: 320, as: .png)).write(
            to: URL(fileURLWithPath: "\(photos)/bag.png")
        )
        try Data(try codec.encode(rgb: rgb, width: 240, height: 320, as: .webp)).write(
            to: URL(fileURLWithPath: "\(photos)/hat.webp")
        )
        try Data(jpeg.prefix(jpeg.count / 2)).write(to: URL(fileURLWithPath: "\(photos)/broken.jpg"))
        try "not a photo".write(toFile: "\(photos)/notes.txt", atomically: true, encoding: .utf8)
        return work
    }

    /// A rejects record's text field ("" when absent).
    func text(_ value: JSONValue?) -> String {
        if case .string(let text) = value { return text }
        return ""
    }

    func rejects(_ path: String) throws -> [[String: JSONValue]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8))
        }
    }

    @Test("into a data folder: photos by file name, the bad ones in the rejects file; a server then serves them")
    func intoFolder() async throws {
        let work = try workFolder()
        #expect(try aisle(["import", "items", "items.jsonl", "--data", "data"], in: work).status == 0)
        let run = try aisle(["import", "images", "photos", "--data", "data"], in: work)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("imported 3 images"), "\(run.output)")
        #expect(run.output.contains("1 rejected, see photos.rejects.jsonl"), "\(run.output)")
        // broken.jpg names no item (checked before any decoding); notes.txt is not a photo.
        let rejected = try rejects("\(work)/photos.rejects.jsonl")
        #expect(rejected.map { [text($0["item_id"]), text($0["code"])] } == [["broken", "not_found"]], "\(rejected)")
        let file = text(rejected.first.flatMap { $0["file"] })
        #expect(file.hasSuffix("photos/broken.jpg"), "\(file)")

        let server = ServerProcess(dataDirectory: "\(work)/data")
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            for (item, format) in [("shoe", "jpeg"), ("bag", "png"), ("hat", "webp")] {
                let info = try await http.call(.GET, "/v1/items/\(item)/image/info")
                #expect(info.status == 200, "\(item): \(info.text)")
                #expect(try info.decode(ImageBody.self).format == format)
                let rendition = try await http.call(.GET, "/v1/items/\(item)/image?w=160&format=jpeg", key: nil)
                #expect(try codec.header(of: Array(rendition.body)).width == 160)
            }
        }
    }

    @Test("through a server with a mapping CSV: rows name the items; unknown items and bad files are rejected")
    func throughServer() async throws {
        let work = try workFolder()
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let items = ItemBatch(items: ["sku-1", "sku-2", "sku-3"].map { ItemBody(id: $0, title: $0) })
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            let mapping =
                "file,item_id\nshoe.jpg,sku-1\nbag.png,sku-2\nhat.webp,no-such-item\nbroken.jpg,sku-3\nmissing.jpg,sku-3\n"
            try mapping.write(toFile: "\(work)/map.csv", atomically: true, encoding: .utf8)
            let run = try aisle(
                [
                    "import", "images", "photos", "--map", "map.csv", "--url", server.baseURL, "--key",
                    ServerProcess.adminKey, "--rejects", "bad.jsonl",
                ],
                in: work
            )
            #expect(run.status == 0, "\(run.output)")
            #expect(run.output.contains("imported 2 images") && run.output.contains("3 rejected"), "\(run.output)")
            let rejected = try rejects("\(work)/bad.jsonl")
            // hat.webp's item is unknown, broken.jpg is truncated, missing.jpg is not there (in
            // the order they finished: sorted here).
            #expect(
                rejected.map { [text($0["item_id"]), text($0["code"])] }.sorted { $0.joined() < $1.joined() } == [
                    ["no-such-item", "not_found"], ["sku-3", "invalid_image"], ["sku-3", "not_found"],
                ],
                "\(rejected)"
            )
            #expect(try await http.call(.GET, "/v1/items/sku-1/image/info").status == 200)
            #expect(try await http.call(.GET, "/v1/items/sku-3/image/info").status == 404)
        }
        let empty = (work as NSString).appendingPathComponent("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try aisle(["import", "images", "empty", "--data", "data"], in: work)
        #expect(none.status != 0 && none.output.contains("no photos"), "\(none.output)")
        let noMap = try aisle(["import", "images", "photos", "--map", "nope.csv", "--data", "data"], in: work)
        #expect(noMap.status != 0 && noMap.output.contains("cannot read the mapping file nope.csv"), "\(noMap.output)")
    }
}

/// Items' `image_url` photos fetched by the server in the background.
@Suite(.serialized) struct ImageURLEndToEndTests {
    let codec = ImageCodec()

    /// Polls the item's photo metadata until `done` says so (10 s at most).
    func waitForInfo(_ http: HTTP, _ item: String, until done: (HTTP.Reply) -> Bool) async throws -> HTTP.Reply {
        var reply = try await http.call(.GET, "/v1/items/\(item)/image/info")
        for _ in 0..<100 where !done(reply) {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await http.call(.GET, "/v1/items/\(item)/image/info")
        }
        return reply
    }

    @Test(
        "a photo at image_url is fetched and served; private addresses, 404s and non-images are refused with the reason"
    )
    func fetches() async throws {
        // The origin: another Aisle serving a photo at a content-addressed URL.
        let origin = ServerProcess()
        try origin.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { origin.stop() }
        let photoURL = try await withHTTP(origin) { http in
            #expect(
                try await http.post("/v1/items:batch", encoding: ItemBatch(items: [ItemBody(id: "p", title: "p")]))
                    .status == 200
            )
            let jpeg = try codec.encode(
                rgb: ImageEndToEndTests.picture(width: 300, height: 400),
                width: 300,
                height: 400,
                as: .jpeg
            )
            let image = try await http.call(.PUT, "/v1/items/p/image", bytes: jpeg, contentType: "image/jpeg").decode(
                ImageBody.self
            )
            return origin.baseURL + image.url + "?format=jpeg&w=320"
        }

        // Allowed to reach loopback: the photo arrives.
        let shop = ServerProcess()
        try shop.start(environment: ["AISLE_TRAIN_ON_START": "false", "AISLE_IMAGE_FETCH_PRIVATE": "true"])
        defer { shop.stop() }
        try await withHTTP(shop) { http in
            let items = ItemBatch(items: [
                ItemBody(id: "fetched", title: "fetched", imageURL: photoURL),
                ItemBody(
                    id: "missing",
                    title: "missing",
                    imageURL: origin.baseURL + "/v1/images/" + String(repeating: "a", count: 64)
                ),
                ItemBody(id: "not-image", title: "not an image", imageURL: origin.baseURL + "/health"),
            ])
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            let info = try await waitForInfo(http, "fetched") { $0.status == 200 }
            #expect(info.status == 200, "\(info.text)")
            let image = try info.decode(ImageBody.self)
            #expect(image.format == "jpeg" && image.width == 300 && image.height == 400)
            let missing = try await waitForInfo(http, "missing") { $0.text.contains("failed") }
            #expect(missing.status == 404 && missing.text.contains("answered 404"), "\(missing.text)")
            let notImage = try await waitForInfo(http, "not-image") { $0.text.contains("failed") }
            #expect(
                notImage.status == 404 && notImage.text.contains("Content-Type must be image/jpeg"),
                "\(notImage.text)"
            )
        }

        // The default: a catalog cannot make the server reach inside its network.
        let guarded = ServerProcess()
        try guarded.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { guarded.stop() }
        try await withHTTP(guarded) { http in
            let item = ItemBody(id: "inside", title: "inside", imageURL: photoURL)
            #expect(try await http.post("/v1/items:batch", encoding: ItemBatch(items: [item])).status == 200)
            let refused = try await waitForInfo(http, "inside") { $0.text.contains("failed") }
            #expect(refused.status == 404 && refused.text.contains("private address"), "\(refused.text)")
        }
    }
}
