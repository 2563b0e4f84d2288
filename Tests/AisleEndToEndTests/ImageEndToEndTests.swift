import AisleCore
import AisleImage
import Foundation
import NIOHTTP1
import Testing

/// Product photos through the real binary over loopback: uploads in every accepted format,
/// renditions with caching headers and 304s, EXIF orientation and stripping, enhancement,
/// refusals that keep the previous photo, a decompression bomb, removal, and the cache cap.
@Suite(.serialized) struct ImageEndToEndTests {
    let codec = ImageCodec()

    /// A 1200×1600 photo-like picture: gradients, a bright square and a dark disc.
    static func picture(width: Int = 1200, height: Int = 1600) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * 3
                let inSquare = x > width / 8 && x < width / 2 && y > height / 8 && y < height / 2
                let dx = x - 3 * width / 4
                let dy = y - 3 * height / 4
                let inDisc = dx * dx + dy * dy < (width / 6) * (width / 6)
                rgb[offset] = inSquare ? 250 : inDisc ? 30 : UInt8(40 + 160 * x / width)
                rgb[offset + 1] = inSquare ? 240 : inDisc ? 40 : UInt8(60 + 120 * y / height)
                rgb[offset + 2] = inSquare ? 40 : inDisc ? 140 : 120
            }
        }
        return rgb
    }

    private func withServer(
        _ environment: [String: String] = [:],
        _ body: (HTTP, ServerProcess) async throws -> Void
    ) async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"].merging(environment) { $1 })
        defer { server.stop() }
        try await withHTTP(server) { http in
            let items = ItemBatch(items: ["shoe", "bag", "hat"].map { ItemBody(id: $0, title: $0) })
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            try await body(http, server)
        }
    }

    private func upload(_ http: HTTP, _ item: String, _ bytes: [UInt8], _ type: String?) async throws -> HTTP.Reply {
        try await http.call(.PUT, "/v1/items/\(item)/image", bytes: bytes, contentType: type)
    }

    @Test("upload, metadata, renditions with ETag, 304, Cache-Control and Vary; by content address too")
    func renditions() async throws {
        try await withServer { http, _ in
            let jpeg = try codec.encode(rgb: Self.picture(), width: 1200, height: 1600, as: .jpeg)
            let reply = try await upload(http, "shoe", jpeg, "image/jpeg")
            #expect(reply.status == 200, "\(reply.text)")
            let image = try reply.decode(ImageBody.self)
            #expect(image.itemID == "shoe" && image.format == "jpeg" && image.width == 1200 && image.height == 1600)
            #expect(image.bytes == jpeg.count && image.sha256.count == 64 && image.perceptualHash.count == 16)
            #expect(image.url == "/v1/images/\(image.sha256)")
            #expect(!image.dominantColours.isEmpty && image.dominantColours.allSatisfy { $0.hex.count == 7 })
            #expect(try await http.call(.GET, "/v1/items/shoe/image/info").decode(ImageBody.self) == image)

            // No key: renditions are public by default.
            let webp = try await http.call(.GET, "/v1/items/shoe/image?w=480&format=webp", key: nil)
            #expect(webp.status == 200, "\(webp.text)")
            #expect(webp.headers["content-type"] == "image/webp")
            #expect(webp.headers["cache-control"] == "public, max-age=300")
            #expect(webp.headers["vary"] == nil)
            let tag = try #require(webp.headers["etag"])
            let header = try codec.header(of: Array(webp.body))
            #expect(header.format == .webp && header.width == 480 && header.height == 640)

            let again = try await http.call(
                .GET,
                "/v1/items/shoe/image?w=480&format=webp",
                key: nil,
                headers: ["If-None-Match": tag]
            )
            #expect(again.status == 304 && again.body.isEmpty && again.headers["etag"] == tag)
            let weak = try await http.call(
                .GET,
                "/v1/items/shoe/image?w=480&format=webp",
                key: nil,
                headers: ["If-None-Match": "\"other\", W/\(tag)"]
            )
            #expect(weak.status == 304, "a weak tag matches too")
            // Qualities come in steps of 5: 79 and 81 are the same rendition as 80.
            for quality in [79, 81] {
                let near = try await http.call(.GET, "/v1/items/shoe/image?w=480&format=webp&q=\(quality)", key: nil)
                #expect(near.headers["etag"] == tag, "q=\(quality)")
            }

            // Widths snap up to the ladder; dpr multiplies first: 200 × 2 → 480.
            let snapped = try await http.call(.GET, "/v1/items/shoe/image?w=200&dpr=2&format=jpeg", key: nil)
            let snappedHeader = try codec.header(of: Array(snapped.body))
            #expect(snappedHeader.format == .jpeg && snappedHeader.width == 480)

            // format=auto follows Accept, and says so.
            let avif = try await http.call(
                .GET,
                "\(image.url)?w=320",
                key: nil,
                headers: ["Accept": "image/avif,image/webp,*/*"]
            )
            #expect(avif.status == 200 && avif.headers["content-type"] == "image/avif")
            #expect(avif.headers["cache-control"] == "public, max-age=31536000, immutable")
            #expect(avif.headers["vary"] == "Accept")
            #expect(try codec.header(of: Array(avif.body)).width == 320)
            let plain = try await http.call(.GET, "\(image.url)?w=320", key: nil, headers: ["Accept": "*/*"])
            #expect(plain.headers["content-type"] == "image/jpeg" && plain.headers["etag"] != avif.headers["etag"])

            let cover = try await http.call(.GET, "/v1/items/shoe/image?w=160&h=160&fit=cover&format=png", key: nil)
            let coverHeader = try codec.header(of: Array(cover.body))
            #expect(coverHeader.format == .png && coverHeader.width == 160 && coverHeader.height == 160)

            for bad in ["w=0", "w=abc", "fit=stretch", "format=gif", "q=101", "enhance=yes", "dpr=9", "width=300"] {
                let refused = try await http.call(.GET, "/v1/items/shoe/image?\(bad)", key: nil)
                #expect(refused.status == 400 && refused.errorCode == "invalid_field", "\(bad): \(refused.text)")
            }
            #expect(try await http.call(.GET, "/v1/items/bag/image", key: nil).status == 404)
            #expect(
                try await http.call(.GET, "/v1/images/\(String(repeating: "0", count: 64))", key: nil).status == 404
            )
            #expect(try await http.call(.GET, "/v1/images/not-a-digest", key: nil).status == 404)
        }
    }

    @Test("PNG, WebP, HEIC and AVIF originals are read; EXIF orientation is applied and no EXIF leaves")
    func formatsAndOrientation() async throws {
        try await withServer { http, _ in
            let rgb = Self.picture(width: 300, height: 400)
            for format in [ImageFormat.png, .webp, .heic, .avif] {
                let bytes = try codec.encode(rgb: rgb, width: 300, height: 400, as: format)
                let reply = try await upload(http, "bag", bytes, format.mediaType)
                #expect(reply.status == 200, "\(format): \(reply.text)")
                let image = try reply.decode(ImageBody.self)
                #expect(image.format == format.rawValue && image.width == 300 && image.height == 400)
                let rendition = try await http.call(.GET, "/v1/items/bag/image?w=160&format=jpeg", key: nil)
                #expect(try codec.header(of: Array(rendition.body)).width == 160, "\(format)")
            }
            // Stored 400 wide and 300 high, shown turned (orientation 6): 300 × 400.
            let turned = try codec.encode(
                rgb: Self.picture(width: 400, height: 300),
                width: 400,
                height: 300,
                as: .jpeg,
                orientation: 6
            )
            #expect(try codec.header(of: turned).hasEXIF)
            let image = try await upload(http, "hat", turned, "image/jpeg").decode(ImageBody.self)
            #expect(image.width == 300 && image.height == 400)
            let rendition = try await http.call(.GET, "/v1/items/hat/image?w=160&format=jpeg", key: nil)
            let header = try codec.header(of: Array(rendition.body))
            #expect(header.width == 160 && header.height == 213)
            #expect(!header.hasEXIF && header.orientation == 1)
        }
    }

    @Test("refused uploads keep the previous photo: corrupt, other types, lying Content-Type, too large, unknown item")
    func refusals() async throws {
        try await withServer(["AISLE_IMAGE_MAX_MB": "1"]) { http, _ in
            let jpeg = try codec.encode(rgb: Self.picture(width: 300, height: 400), width: 300, height: 400, as: .jpeg)
            let stored = try await upload(http, "shoe", jpeg, "image/jpeg").decode(ImageBody.self)

            let truncated = try await upload(http, "shoe", Array(jpeg.prefix(jpeg.count / 2)), "image/jpeg")
            #expect(truncated.status == 400 && truncated.errorCode == "invalid_image", "\(truncated.text)")
            let gif = Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 100)
            for (bytes, type) in [
                (gif, "image/gif"), (gif, "image/jpeg"), (jpeg, "image/png"), (jpeg, "text/plain"), (jpeg, nil),
                (Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8), "image/png"),
            ] as [([UInt8], String?)] {
                let reply = try await upload(http, "shoe", bytes, type)
                #expect(
                    reply.status == 415 && reply.errorCode == "unsupported_media_type",
                    "\(type ?? "none"): \(reply.text)"
                )
            }
            // Over 1 MB (incompressible noise).
            var noise = SplitMix64(seed: 7)
            let big = (0..<(1200 * 1200 * 3)).map { _ in UInt8(truncatingIfNeeded: noise.next()) }
            let bigJPEG = try codec.encode(rgb: big, width: 1200, height: 1200, as: .jpeg, quality: 95)
            #expect(bigJPEG.count > 1024 * 1024)
            let tooLarge = try await upload(http, "shoe", bigJPEG, "image/jpeg")
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "payload_too_large")
            let unknown = try await upload(http, "no-such-item", jpeg, "image/jpeg")
            #expect(unknown.status == 404 && unknown.errorCode == "not_found")
            // Ingest key: not allowed to upload.
            let ingest = try await http.call(
                .PUT,
                "/v1/items/shoe/image",
                key: ServerProcess.ingestKey,
                bytes: jpeg,
                contentType: "image/jpeg"
            )
            #expect(ingest.status == 403)
            #expect(try await http.call(.GET, "/v1/items/shoe/image/info").decode(ImageBody.self) == stored)
        }
    }

    @Test("a decompression bomb is refused from its header without the server's memory growing")
    func bomb() async throws {
        try await withServer { http, server in
            let before = try #require(server.residentMiB)
            // 100,000 × 100,000 pixels claimed by 57 bytes.
            let bomb = ImageTestFiles.claimedPNG(width: 100_000, height: 100_000)
            let reply = try await upload(http, "shoe", bomb, "image/png")
            #expect(reply.status == 413 && reply.errorCode == "payload_too_large", "\(reply.text)")
            #expect(reply.text.contains("100000×100000"))
            // Just under the limit by pixels, but a tiny, broken body: decoding fails fast.
            let underLimit = ImageTestFiles.claimedPNG(width: 10_000, height: 9_000)
            let broken = try await upload(http, "shoe", underLimit, "image/png")
            #expect(broken.status == 400 && broken.errorCode == "invalid_image", "\(broken.text)")
            let after = try #require(server.residentMiB)
            #expect(after - before < 64, "RSS \(before) → \(after) MiB")
        }
    }

    @Test("enhance=auto brings a noisy, flat photo closer to the clean one")
    func enhancement() async throws {
        try await withServer { http, _ in
            let (width, height) = (480, 640)
            let clean = Self.picture(width: width, height: height)
            var random = SplitMix64(seed: 11)
            // Low contrast (levels squeezed into 70...185) and Gaussian noise (sigma 12).
            let degraded = clean.map { value -> UInt8 in
                let squeezed = 70 + Double(value) * 115 / 255
                let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-12)
                let u2 = Double(random.next() >> 11) / Double(1 << 53)
                let gaussian = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
                return UInt8(min(max(squeezed + 12 * gaussian, 0), 255))
            }
            let png = try codec.encode(rgb: degraded, width: width, height: height, as: .png)
            #expect(try await upload(http, "shoe", png, "image/png").status == 200)
            func psnr(_ query: String) async throws -> Double {
                let reply = try await http.call(.GET, "/v1/items/shoe/image?w=\(width)&format=png&\(query)", key: nil)
                #expect(reply.status == 200, "\(reply.text)")
                let pixels = try codec.pixels(of: Array(reply.body), width: width, height: height)
                let error =
                    zip(pixels, clean).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(clean.count)
                return 10 * log10(255 * 255 / error)
            }
            let plain = try await psnr("enhance=none")
            let enhanced = try await psnr("enhance=auto")
            #expect(enhanced > plain + 1, "PSNR \(plain) → \(enhanced) dB")
        }
    }

    @Test("removing a photo removes its original and renditions once no item uses it; renditions may need a key")
    func removal() async throws {
        try await withServer(["AISLE_IMAGE_ACCESS": "ingest"]) { http, server in
            let jpeg = try codec.encode(rgb: Self.picture(width: 300, height: 400), width: 300, height: 400, as: .jpeg)
            let first = try await upload(http, "shoe", jpeg, "image/jpeg").decode(ImageBody.self)
            _ = try await upload(http, "bag", jpeg, "image/jpeg")
            #expect(try await http.call(.GET, "/v1/items/shoe/image?w=160", key: nil).status == 401)
            let rendition = try await http.call(.GET, "/v1/items/shoe/image?w=160", key: ServerProcess.ingestKey)
            #expect(rendition.status == 200)
            // Behind a key, shared caches must not keep a copy.
            #expect(rendition.headers["cache-control"] == "private, max-age=300")
            let original = "\(server.dataDirectory)/images/originals/\(first.sha256.prefix(2))/\(first.sha256)"
            #expect(FileManager.default.fileExists(atPath: original))

            #expect(try await http.call(.DELETE, "/v1/items/shoe/image").status == 204)
            #expect(try await http.call(.DELETE, "/v1/items/shoe/image").status == 404)
            #expect(try await http.call(.GET, "/v1/items/shoe/image", key: ServerProcess.ingestKey).status == 404)
            // The bag still uses the same bytes.
            #expect(FileManager.default.fileExists(atPath: original))
            #expect(try await http.call(.GET, first.url, key: ServerProcess.ingestKey).status == 200)
            #expect(try await http.call(.DELETE, "/v1/items/bag/image").status == 204)
            #expect(!FileManager.default.fileExists(atPath: original))
            #expect(try await http.call(.GET, first.url, key: ServerProcess.ingestKey).status == 404)
            let renditions = "\(server.dataDirectory)/images/renditions/\(first.sha256.prefix(2))"
            let left = (try? FileManager.default.contentsOfDirectory(atPath: renditions)) ?? []
            #expect(!left.contains { $0.hasPrefix(first.sha256) })
        }
    }

    @Test("the rendition cache stays under its cap, the least recently used going first")
    func cacheCap() async throws {
        try await withServer(["AISLE_IMAGE_CACHE_MB": "1"]) { http, server in
            var noise = SplitMix64(seed: 3)
            let rgb = (0..<(1280 * 1280 * 3)).map { _ in UInt8(truncatingIfNeeded: noise.next()) }
            let png = try codec.encode(rgb: rgb, width: 1280, height: 1280, as: .png)
            let image = try await upload(http, "shoe", png, "image/png").decode(ImageBody.self)
            let folder = "\(server.dataDirectory)/images/renditions/\(image.sha256.prefix(2))"
            func cached() -> [String: Int] {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                return Dictionary(
                    uniqueKeysWithValues: names.filter { !$0.hasPrefix(".") }.map { name in
                        let size = (try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)"))?[.size]
                        return (name, (size as? Int) ?? 0)
                    }
                )
            }
            // Noise compresses badly: each JPEG rendition is hundreds of kilobytes.
            for width in [160, 320, 480, 640] {
                let reply = try await http.call(.GET, "/v1/items/shoe/image?w=\(width)&format=jpeg&q=95", key: nil)
                #expect(reply.status == 200)
            }
            let files = cached()
            #expect(files.values.reduce(0, +) <= 1024 * 1024, "\(files)")
            #expect(files.keys.contains { $0.contains("-640x0-") }, "the newest stays: \(files.keys.sorted())")
            #expect(!files.keys.contains { $0.contains("-160x0-") }, "the oldest goes: \(files.keys.sorted())")
        }
    }
}

/// Image files made byte by byte.
enum ImageTestFiles {
    /// A PNG whose header claims `width` × `height` with almost no data.
    static func claimedPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// Visually similar items and near-duplicates through the real server.
@Suite(.serialized) struct VisualSimilarityEndToEndTests {
    let codec = ImageCodec()

    /// Three unlike pictures, and a twin of the first: cropped by a tenth, shifted in colour,
    /// half the size, as WebP.
    @Test("a transformed twin is the most similar photo and a near-duplicate; exact copies group; unknowns are 404")
    func twins() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let ids = ["original", "twin", "copy", "other-1", "other-2", "bare"]
            let items = ItemBatch(items: ids.map { ItemBody(id: $0, title: $0) })
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            func put(_ id: String, _ bytes: [UInt8], _ format: ImageFormat) async throws {
                let reply = try await http.call(
                    .PUT,
                    "/v1/items/\(id)/image",
                    bytes: bytes,
                    contentType: format.mediaType
                )
                #expect(reply.status == 200, "\(id): \(reply.text)")
            }
            let picture = ImageEndToEndTests.picture(width: 600, height: 800)
            let original = try codec.encode(rgb: picture, width: 600, height: 800, as: .jpeg)
            var cropped: [UInt8] = []
            for y in 40..<760 {
                for x in 30..<570 {
                    let offset = (y * 600 + x) * 3
                    cropped += [picture[offset], picture[offset + 1], picture[offset + 2]].map {
                        UInt8(min(Int($0) + 10, 255))
                    }
                }
            }
            let croppedJPEG = try codec.encode(rgb: cropped, width: 540, height: 720, as: .jpeg)
            let twin = try codec.render(
                croppedJPEG,
                RenditionSpec(width: 270, format: .webp, quality: 70, enhance: false)
            )
            try await put("original", original, .jpeg)
            try await put("twin", twin, .webp)
            try await put("copy", original, .jpeg)
            // Unlike pictures: the same one upside down, and stripes.
            let turned = stride(from: picture.count - 3, through: 0, by: -3).flatMap { picture[$0..<$0 + 3] }
            try await put("other-1", try codec.encode(rgb: turned, width: 600, height: 800, as: .png), .png)
            var stripes: [UInt8] = []
            for y in 0..<400 { for _ in 0..<400 { stripes += y % 40 < 20 ? [200, 30, 30] : [20, 20, 160] } }
            try await put("other-2", try codec.encode(rgb: stripes, width: 400, height: 400, as: .jpeg), .jpeg)

            let similar = try await http.call(
                .GET,
                "/v1/items/twin/visually-similar?limit=3",
                key: ServerProcess.ingestKey
            )
            #expect(similar.status == 200, "\(similar.text)")
            let matches = try similar.decode(VisualMatchesBody.self).data
            #expect(Set(matches.prefix(2).map(\.itemID)) == ["original", "copy"], "\(matches)")
            #expect(matches.count == 3 && matches[0].score > matches[2].score)
            let fromOriginal = try await http.call(
                .GET,
                "/v1/items/original/visually-similar",
                key: ServerProcess.ingestKey
            )
            .decode(VisualMatchesBody.self).data
            #expect(fromOriginal.first?.itemID == "copy" && fromOriginal.first?.hashDistance == 0)
            #expect(fromOriginal.dropFirst().first?.itemID == "twin")
            #expect(fromOriginal.count == 4)
            // A hidden item is not shown as a lookalike.
            let hide = Data(#"{"title":"Copy","hidden":true}"#.utf8)
            #expect(try await http.call(.PUT, "/v1/items/copy", body: hide).status == 200)
            let withoutHidden = try await http.call(
                .GET,
                "/v1/items/original/visually-similar",
                key: ServerProcess.ingestKey
            )
            .decode(VisualMatchesBody.self).data
            #expect(withoutHidden.map(\.itemID).first == "twin" && !withoutHidden.contains { $0.itemID == "copy" })
            #expect(try await http.call(.PUT, "/v1/items/copy", body: Data(#"{"title":"Copy"}"#.utf8)).status == 200)

            let groups = try await http.call(.GET, "/v1/images/duplicates?max_distance=7").decode(
                DuplicateImagesBody.self
            )
            #expect(groups.groups == [["copy", "original", "twin"]], "\(groups)")
            let exact = try await http.call(.GET, "/v1/images/duplicates?max_distance=0").decode(
                DuplicateImagesBody.self
            )
            #expect(exact.groups.contains(["copy", "original"]))
            #expect(try await http.call(.GET, "/v1/images/duplicates?max_distance=9").status == 400)
            #expect(try await http.call(.GET, "/v1/images/duplicates", key: ServerProcess.ingestKey).status == 403)
            #expect(
                try await http.call(.GET, "/v1/items/bare/visually-similar", key: ServerProcess.ingestKey).status == 404
            )
            #expect(
                try await http.call(.GET, "/v1/items/original/visually-similar?limit=0", key: ServerProcess.ingestKey)
                    .status == 400
            )

            // A removed photo leaves the index; a restarted server loads it from the store.
            #expect(try await http.call(.DELETE, "/v1/items/copy/image").status == 204)
            let after = try await http.call(.GET, "/v1/items/original/visually-similar", key: ServerProcess.ingestKey)
                .decode(VisualMatchesBody.self).data
            #expect(!after.contains { $0.itemID == "copy" } && after.first?.itemID == "twin")
        }
        _ = server.stop()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        try await withHTTP(server) { http in
            let reloaded = try await http.call(
                .GET,
                "/v1/items/original/visually-similar",
                key: ServerProcess.ingestKey
            )
            .decode(VisualMatchesBody.self).data
            #expect(reloaded.first?.itemID == "twin" && reloaded.count == 3, "\(reloaded)")
        }
    }
}

/// Photos joining the recommender's similar items.
@Suite(.serialized) struct LookalikeRecommendationEndToEndTests {
    let codec = ImageCodec()

    @Test("a new item's similar items include the one whose photo looks like it, explained as looks_similar")
    func lookalikes() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            // No words in common, no events: only the photos can relate them.
            let items = ItemBatch(items: [
                ItemBody(id: "red-dress", title: "Summer dress"), ItemBody(id: "red-scarf", title: "Silk scarf"),
                ItemBody(id: "blue-kettle", title: "Electric kettle"),
            ])
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            func stripes(_ a: [UInt8], _ b: [UInt8]) throws -> [UInt8] {
                var rgb: [UInt8] = []
                for y in 0..<200 { for _ in 0..<200 { rgb += y % 50 < 25 ? a : b } }
                return try codec.encode(rgb: rgb, width: 200, height: 200, as: .jpeg)
            }
            let red = try stripes([200, 20, 30], [240, 220, 210])
            let redAgain = try codec.render(red, RenditionSpec(width: 150, format: .webp, quality: 60, enhance: false))
            let blue = try codec.encode(
                rgb: (0..<(200 * 200)).flatMap { $0 % 200 < 100 ? [20, 40, 180] as [UInt8] : [90, 90, 90] },
                width: 200,
                height: 200,
                as: .png
            )
            for (id, bytes, type) in [
                ("red-dress", red, "image/jpeg"), ("red-scarf", redAgain, "image/webp"),
                ("blue-kettle", blue, "image/png"),
            ] {
                #expect(
                    try await http.call(.PUT, "/v1/items/\(id)/image", bytes: bytes, contentType: type).status == 200
                )
            }
            let reply = try await http.call(
                .GET,
                "/v1/items/red-dress/similar?explain=true&limit=2",
                key: ServerProcess.ingestKey
            )
            #expect(reply.status == 200, "\(reply.text)")
            let list = try reply.decode(RecommendationListBody.self)
            #expect(list.data.first?.itemID == "red-scarf", "\(reply.text)")
            #expect(list.data.first?.reason?.type == "looks_similar", "\(reply.text)")
        }
    }
}
