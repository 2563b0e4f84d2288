import AisleImage
import Testing

/// Synthetic photos: smooth colour gradients with a few shapes, so that resizing, cropping and
/// rotation can be checked by where colours end up.
enum TestImages {
    /// Width × height RGB: red grows to the right, green downwards, blue in a square at the
    /// top-left quarter.
    static func gradient(width: Int, height: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * 3
                rgb[offset] = UInt8(255 * x / max(width - 1, 1))
                rgb[offset + 1] = UInt8(255 * y / max(height - 1, 1))
                rgb[offset + 2] = x < width / 2 && y < height / 2 ? 255 : 0
            }
        }
        return rgb
    }

    static func photo(width: Int, height: Int, as format: ImageFormat = .jpeg, orientation: Int = 1) throws -> [UInt8] {
        try ImageCodec().encode(
            rgb: gradient(width: width, height: height),
            width: width,
            height: height,
            as: format,
            orientation: orientation
        )
    }

    /// A PNG whose header claims `width` × `height` with almost no data: a decompression bomb.
    static func claimedPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
            + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// The RGB of pixel (x, y).
    static func pixel(_ rgb: [UInt8], width: Int, _ x: Int, _ y: Int) -> [Int] {
        let offset = (y * width + x) * 3
        return [Int(rgb[offset]), Int(rgb[offset + 1]), Int(rgb[offset + 2])]
    }
}

@Suite("Image codec (libvips)")
struct ImageCodecTests {
    let codec = ImageCodec()

    @Test(
        "every accepted format is read back with its size, and sniffed from its bytes",
        arguments: [ImageFormat.jpeg, .png, .webp, .avif, .heic]
    )
    func formats(format: ImageFormat) throws {
        let bytes = try TestImages.photo(width: 120, height: 80, as: format)
        #expect(ImageFormat(sniffing: bytes) == format)
        let header = try codec.header(of: bytes)
        #expect(header.format == format && header.width == 120 && header.height == 80)
    }

    @Test("a rendition fits the box, keeps the aspect, never enlarges, and is in the asked format")
    func renditionSizes() throws {
        let original = try TestImages.photo(width: 1200, height: 1600)
        let webp = try codec.render(original, RenditionSpec(width: 480, format: .webp, quality: 80, enhance: false))
        let header = try codec.header(of: webp)
        #expect(header.format == .webp && header.width == 480 && header.height == 640)
        let cover = try codec.render(
            original,
            RenditionSpec(width: 300, height: 300, fit: .cover, format: .jpeg, quality: 80, enhance: false)
        )
        let coverHeader = try codec.header(of: cover)
        #expect(coverHeader.width == 300 && coverHeader.height == 300)
        let contain = try codec.render(
            original,
            RenditionSpec(width: 300, height: 300, fit: .contain, format: .png, quality: 80, enhance: false)
        )
        let containHeader = try codec.header(of: contain)
        #expect(containHeader.width == 225 && containHeader.height == 300)
        let larger = try codec.render(original, RenditionSpec(width: 4000, format: .jpeg, quality: 80, enhance: false))
        #expect(try codec.header(of: larger).width == 1200)
    }

    @Test("EXIF orientation is applied and no EXIF leaves in the rendition")
    func orientation() throws {
        // Stored 200 wide and 100 high, shown turned 90° clockwise (orientation 6).
        let original = try TestImages.photo(width: 200, height: 100, orientation: 6)
        let header = try codec.header(of: original)
        #expect(header.orientation == 6 && header.hasEXIF)
        #expect(header.displaySize == (width: 100, height: 200))
        let rendition = try codec.render(
            original,
            RenditionSpec(width: 100, format: .jpeg, quality: 90, enhance: false)
        )
        let rendered = try codec.header(of: rendition)
        #expect(rendered.width == 100 && rendered.height == 200)
        #expect(!rendered.hasEXIF && rendered.orientation == 1)
        // Turned clockwise, the stored top-left (blue square) is now at the top-right.
        let pixels = try codec.pixels(of: rendition, width: 100, height: 200)
        #expect(TestImages.pixel(pixels, width: 100, 90, 10)[2] > 200)
        #expect(TestImages.pixel(pixels, width: 100, 10, 190)[2] < 50)
    }

    @Test("a truncated file, foreign bytes and a decompression bomb are refused with their reason")
    func refusals() throws {
        let jpeg = try TestImages.photo(width: 640, height: 480)
        let truncated = Array(jpeg.prefix(jpeg.count / 2))
        try codec.verify(jpeg)
        #expect(throws: ImageError.self) { try codec.verify(truncated) }
        #expect(throws: ImageError.self) { try codec.verify(Array(truncated.prefix(100))) }
        let gif = Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 64)
        #expect(throws: ImageError.unsupported("not an image Aisle reads (JPEG, PNG, WebP, HEIC or AVIF)")) {
            try codec.header(of: gif)
        }
        let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>".utf8)
        #expect(throws: ImageError.self) { try codec.header(of: svg) }
        let bomb = TestImages.claimedPNG(width: 100_000, height: 100_000)
        #expect(bomb.count < 100)
        do {
            _ = try codec.header(of: bomb)
            Issue.record("a 10-gigapixel header was accepted")
        } catch {
            #expect(error == .tooLarge("100000×100000 pixels is over the limit of 100000000 pixels"))
        }
    }

    @Test("pixels come back squeezed to the asked size, colours where they were")
    func pixels() throws {
        let original = try TestImages.photo(width: 400, height: 300, as: .png)
        let pixels = try codec.pixels(of: original, width: 40, height: 30)
        #expect(pixels.count == 40 * 30 * 3)
        let topLeft = TestImages.pixel(pixels, width: 40, 2, 2)
        let bottomRight = TestImages.pixel(pixels, width: 40, 37, 27)
        #expect(topLeft[0] < 40 && topLeft[2] > 200)
        #expect(bottomRight[0] > 215 && bottomRight[1] > 215 && bottomRight[2] < 40)
    }
}
