import AisleCore
import AisleImage
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Image benchmarks (issue 25) on a folder of real photos (scripts/bench-images.sh fetches
/// public-domain ones): bytes at matched SSIM, enhancement of degraded photos, visually similar
/// twins, and rendition speed over HTTP.
struct ImageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Image benchmarks: bytes, enhance, twins (in process) and renditions (over HTTP)."
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case bytes, enhance, twins, renditions
    }

    @Argument(help: "bytes, enhance, twins or renditions.") var mode: Mode
    @Option(help: "Folder of photos (PNG or JPEG).") var photos = "bench-out/images/photos"
    @Option(help: "renditions: the server.") var url = "http://127.0.0.1:8080"
    @Option(help: "renditions: the admin key.") var key = ""
    @Option(help: "renditions: folder of originals to upload (1200x1600 JPEGs).") var originals =
        "bench-out/images/originals"
    @Option(help: "renditions: concurrent clients.") var clients = 2
    @Option(help: "renditions: requests for the cached part.") var cachedRequests = 4000

    func run() async throws {
        switch mode {
        case .bytes: try bytes()
        case .enhance: try enhance()
        case .twins: try twins()
        case .renditions: try await renditions()
        }
    }

    func photoFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { [".png", ".jpg", ".jpeg"].contains(where: $0.lowercased().hasSuffix) }.sorted()
            .map { "\(folder)/\($0)" }
    }

    struct Photo {
        var name: String
        var width: Int
        var height: Int
        var rgb: [UInt8]
    }

    func loadPhotos() throws -> [Photo] {
        let codec = ImageCodec()
        return try photoFiles(photos).map { path in
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let header = try codec.header(of: bytes)
            let (width, height) = header.displaySize
            return Photo(
                name: (path as NSString).lastPathComponent,
                width: width,
                height: height,
                rgb: try codec.pixels(of: bytes, width: width, height: height)
            )
        }
    }

    // MARK: - Bytes at matched SSIM

    /// JPEG at quality 80 sets the bar; WebP and AVIF get the lowest quality whose SSIM reaches
    /// the JPEG's (a binary search), and their bytes are compared.
    func bytes() throws {
        let codec = ImageCodec()
        var totals: [ImageFormat: Int] = [:]
        print("images bytes: photo, JPEG q80 bytes and SSIM; WebP and AVIF at the same SSIM: quality, bytes, ratio")
        for photo in try loadPhotos() {
            func encoded(_ format: ImageFormat, _ quality: Int) throws -> (bytes: Int, ssim: Double) {
                let file = try codec.encode(
                    rgb: photo.rgb,
                    width: photo.width,
                    height: photo.height,
                    as: format,
                    quality: quality
                )
                let decoded = try codec.pixels(of: file, width: photo.width, height: photo.height)
                return (file.count, Quality.ssim(photo.rgb, decoded, width: photo.width, height: photo.height))
            }
            let jpeg = try encoded(.jpeg, 80)
            totals[.jpeg, default: 0] += jpeg.bytes
            var line =
                "images bytes: \(photo.name) \(photo.width)x\(photo.height): JPEG \(jpeg.bytes) B, SSIM \(String(format: "%.4f", jpeg.ssim))"
            for format in [ImageFormat.webp, .avif] {
                var (low, high) = (1, 100)
                var best: (quality: Int, bytes: Int, ssim: Double)?
                while low <= high {
                    let quality = (low + high) / 2
                    let result = try encoded(format, quality)
                    if result.ssim >= jpeg.ssim {
                        best = (quality, result.bytes, result.ssim)
                        high = quality - 1
                    } else {
                        low = quality + 1
                    }
                }
                guard let best else {
                    line += "; \(format.rawValue): never reaches it"
                    continue
                }
                totals[format, default: 0] += best.bytes
                line +=
                    "; \(format.rawValue) q\(best.quality) \(best.bytes) B (\(String(format: "%.2f", Double(best.bytes) / Double(jpeg.bytes)))×)"
            }
            print(line)
        }
        let jpegTotal = Double(totals[.jpeg] ?? 1)
        print(
            "images bytes: all photos: JPEG \(totals[.jpeg] ?? 0) B, WebP \(totals[.webp] ?? 0) B (\(String(format: "%.2f", Double(totals[.webp] ?? 0) / jpegTotal))×), AVIF \(totals[.avif] ?? 0) B (\(String(format: "%.2f", Double(totals[.avif] ?? 0) / jpegTotal))×)"
        )
    }

    // MARK: - Enhancement

    /// Each photo degraded twice (mild: levels squeezed to 40...215 and noise sigma 8; strong:
    /// 70...185 and sigma 15), then rendered at full size with and without `enhance=auto`:
    /// PSNR and SSIM to the clean photo.
    func enhance() throws {
        let codec = ImageCodec()
        var sums: [String: (psnr: Double, ssim: Double, n: Int)] = [:]
        for photo in try loadPhotos() {
            for (level, low, high, sigma) in [("mild", 40.0, 215.0, 8.0), ("strong", 70.0, 185.0, 15.0)] {
                var random = SplitMix64(seed: UInt64(photo.rgb.count) &+ UInt64(sigma))
                let degraded = photo.rgb.map { value -> UInt8 in
                    let squeezed = low + Double(value) * (high - low) / 255
                    let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-12)
                    let u2 = Double(random.next() >> 11) / Double(1 << 53)
                    let gaussian = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
                    return UInt8(min(max(squeezed + sigma * gaussian, 0), 255).rounded())
                }
                let png = try codec.encode(rgb: degraded, width: photo.width, height: photo.height, as: .png)
                var line = "images enhance: \(photo.name) \(level):"
                for enhanced in [false, true] {
                    let rendition = try codec.render(
                        png,
                        RenditionSpec(width: photo.width, format: .png, quality: 100, enhance: enhanced)
                    )
                    let pixels = try codec.pixels(of: rendition, width: photo.width, height: photo.height)
                    let psnr = Quality.psnr(photo.rgb, pixels)
                    let ssim = Quality.ssim(photo.rgb, pixels, width: photo.width, height: photo.height)
                    let key = "\(level) \(enhanced ? "enhanced" : "degraded")"
                    let sum = sums[key] ?? (0, 0, 0)
                    sums[key] = (sum.psnr + psnr, sum.ssim + ssim, sum.n + 1)
                    line +=
                        " \(enhanced ? "enhanced" : "degraded") PSNR \(String(format: "%.2f", psnr)) dB SSIM \(String(format: "%.4f", ssim));"
                }
                print(line)
            }
        }
        for key in sums.keys.sorted() {
            let sum = sums[key] ?? (0, 0, 1)
            print(
                "images enhance: mean \(key): PSNR \(String(format: "%.2f", sum.psnr / Double(sum.n))) dB, SSIM \(String(format: "%.4f", sum.ssim / Double(sum.n))) over \(sum.n) photos"
            )
        }
    }

    // MARK: - Visually similar twins

    /// Originals: the four quarters of each photo (they do not overlap), 480 pixels wide, JPEG.
    /// Twins: each original cropped by 4 to 10 % on each side, 60 to 80 % of its size,
    /// brightened or tinted a little, as WebP at quality 60. Every original and twin is in the
    /// index; hit@1 is how often an original's nearest is its twin, and the twin's nearest its
    /// original.
    func twins() throws {
        let codec = ImageCodec()
        let side = ImageAnalysis.side
        var entries: [(name: String, group: Int, analysis: ImageAnalysis)] = []
        var random = SplitMix64(seed: 25)
        func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * Double(random.next() >> 11) / Double(1 << 53)
        }
        var group = 0
        for photo in try loadPhotos() {
            for scale in [0.5] {
                for (fx, fy) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
                    let cropWidth = Int(Double(photo.width) * scale)
                    let cropHeight = Int(Double(photo.height) * scale)
                    let x0 = Int(Double(photo.width - cropWidth) * fx)
                    let y0 = Int(Double(photo.height - cropHeight) * fy)
                    let crop = Self.crop(photo.rgb, photo.width, x0, y0, cropWidth, cropHeight)
                    let originalPNG = try codec.encode(rgb: crop, width: cropWidth, height: cropHeight, as: .png)
                    let original = try codec.render(
                        originalPNG,
                        RenditionSpec(width: 480, format: .jpeg, quality: 90, enhance: false)
                    )
                    // The twin: a smaller crop of the crop, recoloured, smaller, recompressed.
                    let left = Int(Double(cropWidth) * uniform(0.04, 0.10))
                    let top = Int(Double(cropHeight) * uniform(0.04, 0.10))
                    let twinWidth = cropWidth - left - Int(Double(cropWidth) * uniform(0.04, 0.10))
                    let twinHeight = cropHeight - top - Int(Double(cropHeight) * uniform(0.04, 0.10))
                    let shift = (Int(uniform(-12, 12)), Int(uniform(-12, 12)), Int(uniform(-12, 12)))
                    var twinPixels = Self.crop(crop, cropWidth, left, top, twinWidth, twinHeight)
                    for index in stride(from: 0, to: twinPixels.count, by: 3) {
                        twinPixels[index] = UInt8(clamping: Int(twinPixels[index]) + shift.0)
                        twinPixels[index + 1] = UInt8(clamping: Int(twinPixels[index + 1]) + shift.1)
                        twinPixels[index + 2] = UInt8(clamping: Int(twinPixels[index + 2]) + shift.2)
                    }
                    let twinPNG = try codec.encode(rgb: twinPixels, width: twinWidth, height: twinHeight, as: .png)
                    let twin = try codec.render(
                        twinPNG,
                        RenditionSpec(width: Int(480 * uniform(0.6, 0.8)), format: .webp, quality: 60, enhance: false)
                    )
                    for (name, bytes) in [("original", original), ("twin", twin)] {
                        let analysis = ImageAnalysis(rgb: try codec.pixels(of: bytes, width: side, height: side))
                        entries.append(("\(photo.name) \(scale) \(fx),\(fy) \(name)", group, analysis))
                    }
                    group += 1
                }
            }
        }
        for (label, scoring) in [
            (
                "features and hash (served)",
                { (a: ImageAnalysis, b: ImageAnalysis) -> Float in
                    ImageAnalysis.similarity(
                        features: a.features,
                        hash: a.perceptualHash,
                        to: b.features,
                        hash: b.perceptualHash
                    ).score
                }
            ),
            (
                "features alone",
                { (a: ImageAnalysis, b: ImageAnalysis) -> Float in
                    ImageAnalysis.featureSimilarity(a.features, b.features)
                }
            ),
            (
                "hash alone",
                { (a: ImageAnalysis, b: ImageAnalysis) -> Float in
                    -Float(ImageAnalysis.hammingDistance(a.perceptualHash, b.perceptualHash))
                }
            ),
        ] {
            var hits = 0
            var misses: [String] = []
            for (index, entry) in entries.enumerated() {
                var best = -1
                var bestScore = -Float.infinity
                for (other, candidate) in entries.enumerated() where other != index {
                    let score = scoring(entry.analysis, candidate.analysis)
                    if score > bestScore {
                        bestScore = score
                        best = other
                    }
                }
                if best >= 0 && entries[best].group == entry.group {
                    hits += 1
                } else if best >= 0 {
                    misses.append("\(entry.name) → \(entries[best].name)")
                }
            }
            print(
                "images twins: \(label): hit@1 \(String(format: "%.3f", Double(hits) / Double(entries.count))) over \(entries.count) photos (\(group) pairs)"
            )
            for miss in misses.prefix(5) { print("images twins:   missed \(miss)") }
        }
        let distances = stride(from: 0, to: entries.count, by: 2).map {
            ImageAnalysis.hammingDistance(entries[$0].analysis.perceptualHash, entries[$0 + 1].analysis.perceptualHash)
        }.sorted()
        print(
            "images twins: hash distance original-twin: median \(distances[distances.count / 2]), 90th percentile \(distances[distances.count * 9 / 10]), max \(distances.last ?? 0)"
        )
    }

    static func crop(_ rgb: [UInt8], _ width: Int, _ x0: Int, _ y0: Int, _ w: Int, _ h: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for y in y0..<(y0 + h) {
            let start = (y * width + x0) * 3
            out += rgb[start..<(start + w * 3)]
        }
        return out
    }

    // MARK: - Renditions over HTTP

    /// Uploads every original as an item's photo, then asks each for a 480-wide WebP once with
    /// `clients` clients at a time (cold: made from the original), then `cachedRequests` times
    /// the same renditions (cached). Latency percentiles and renditions a second.
    func renditions() async throws {
        let files = try photoFiles(originals)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await renditions(client, files)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func renditions(_ client: HTTPClient, _ files: [String]) async throws {
        let items = files.indices.map { #"{"id":"photo-\#($0)","title":"Photo \#($0)"}"# }.joined(separator: ",")
        var batch = HTTPClientRequest(url: "\(url)/v1/items:batch")
        batch.method = .POST
        batch.headers.add(name: "Authorization", value: "Bearer \(key)")
        batch.headers.add(name: "Content-Type", value: "application/json")
        batch.body = .bytes(ByteBuffer(string: #"{"items":[\#(items)]}"#))
        _ = try await client.execute(batch, timeout: .seconds(60))
        for (index, file) in files.enumerated() {
            var put = HTTPClientRequest(url: "\(url)/v1/items/photo-\(index)/image")
            put.method = .PUT
            put.headers.add(name: "Authorization", value: "Bearer \(key)")
            put.headers.add(name: "Content-Type", value: "image/jpeg")
            put.body = .bytes(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: file))))
            let response = try await client.execute(put, timeout: .seconds(60))
            guard response.status == .ok else { throw ValidationError("upload of \(file) answered \(response.status)") }
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        print("images renditions: uploaded \(files.count) originals")
        let paths = files.indices.map { "/v1/items/photo-\($0)/image?w=480&format=webp" }
        let cold = try await timed(client, paths)
        report("cold (made from the original), 480-wide WebP", cold, count: paths.count)
        let repeated = (0..<cachedRequests).map { paths[$0 % paths.count] }
        let cached = try await timed(client, repeated)
        report("cached", cached, count: repeated.count)
        // The floor: what any request costs on this machine with this client.
        let health = try await timed(client, [String](repeating: "/health", count: cachedRequests))
        report("/health (the floor)", health, count: cachedRequests)
    }

    func timed(_ client: HTTPClient, _ paths: [String]) async throws -> (latencies: [Double], seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<clients {
                let mine = stride(from: worker, to: paths.count, by: clients).map { paths[$0] }
                group.addTask { [url] in
                    var times: [Double] = []
                    for path in mine {
                        let began = clock.now
                        let response = try await client.execute(
                            HTTPClientRequest(url: url + path),
                            timeout: .seconds(60)
                        )
                        let body = try await response.body.collect(upTo: 16 << 20)
                        guard response.status == .ok, body.readableBytes > 0 else {
                            throw ValidationError("\(path) answered \(response.status)")
                        }
                        times.append((clock.now - began).seconds * 1000)
                    }
                    return times
                }
            }
            var all: [Double] = []
            for try await times in group { all += times }
            return all
        }
        return (latencies.sorted(), (clock.now - start).seconds)
    }

    func report(_ label: String, _ run: (latencies: [Double], seconds: Double), count: Int) {
        let p50 = run.latencies[run.latencies.count / 2]
        let p99 = run.latencies[min(run.latencies.count - 1, run.latencies.count * 99 / 100)]
        print(
            "images renditions: \(label): \(count) in \(String(format: "%.2f", run.seconds)) s, \(String(format: "%.1f", Double(count) / run.seconds)) renditions/s, p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms (\(clients) clients)"
        )
    }
}

/// Image quality measures against a reference, on 8-bit RGB.
enum Quality {
    /// Peak signal-to-noise ratio over every channel, in dB.
    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var error = 0.0
        for index in a.indices {
            let difference = Double(a[index]) - Double(b[index])
            error += difference * difference
        }
        return 10 * log10(255 * 255 / max(error / Double(a.count), 1e-12))
    }

    /// Mean SSIM of the luminance (Wang et al. 2004: an 11 × 11 Gaussian window, sigma 1.5,
    /// K1 0.01, K2 0.03), over the window positions inside the image.
    static func ssim(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int) -> Double {
        func luminance(_ rgb: [UInt8]) -> [Double] {
            stride(from: 0, to: rgb.count, by: 3).map { (offset: Int) -> Double in
                let red = 0.299 * Double(rgb[offset])
                let green = 0.587 * Double(rgb[offset + 1])
                return red + green + 0.114 * Double(rgb[offset + 2])
            }
        }
        let x = luminance(a)
        let y = luminance(b)
        let radius = 5
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        // Separable blur over the valid region: rows, then columns.
        func blur(_ values: [Double]) -> [Double] {
            let innerWidth = width - 2 * radius
            let innerHeight = height - 2 * radius
            var rows = [Double](repeating: 0, count: innerWidth * height)
            for row in 0..<height {
                for column in 0..<innerWidth {
                    var sum = 0.0
                    for tap in 0..<kernel.count { sum += kernel[tap] * values[row * width + column + tap] }
                    rows[row * innerWidth + column] = sum
                }
            }
            var out = [Double](repeating: 0, count: innerWidth * innerHeight)
            for row in 0..<innerHeight {
                for column in 0..<innerWidth {
                    var sum = 0.0
                    for tap in 0..<kernel.count { sum += kernel[tap] * rows[(row + tap) * innerWidth + column] }
                    out[row * innerWidth + column] = sum
                }
            }
            return out
        }
        let muX = blur(x)
        let muY = blur(y)
        let xx = blur(x.map { $0 * $0 })
        let yy = blur(y.map { $0 * $0 })
        let xy = blur(zip(x, y).map { $0 * $1 })
        let c1: Double = (0.01 * 255) * (0.01 * 255)
        let c2: Double = (0.03 * 255) * (0.03 * 255)
        var sum = 0.0
        for index in muX.indices {
            let (mx, my) = (muX[index], muY[index])
            let sx = xx[index] - mx * mx
            let sy = yy[index] - my * my
            let sxy = xy[index] - mx * my
            sum += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sx + sy + c2))
        }
        return sum / Double(muX.count)
    }
}
