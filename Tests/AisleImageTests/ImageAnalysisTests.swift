import AisleImage
import Testing

@Suite("Image analysis: colours, perceptual hash, features")
struct ImageAnalysisTests {
    let codec = ImageCodec()
    let side = ImageAnalysis.side

    func analysis(_ bytes: [UInt8]) throws -> ImageAnalysis {
        ImageAnalysis(rgb: try codec.pixels(of: bytes, width: side, height: side))
    }

    /// Stripes of `colours` (RGB), top to bottom, `width`×`height`.
    func stripes(_ colours: [[UInt8]], width: Int = 120, height: Int = 120) -> [UInt8] {
        var rgb: [UInt8] = []
        for y in 0..<height { for _ in 0..<width { rgb += colours[y * colours.count / height] } }
        return rgb
    }

    @Test("dominant colours are the picture's colours with their shares, largest first")
    func dominantColours() throws {
        let rgb = stripes([[230, 20, 30], [230, 20, 30], [230, 20, 30], [20, 40, 200]])
        let png = try codec.encode(rgb: rgb, width: 120, height: 120, as: .png)
        let colours = try analysis(png).dominantColours
        // The squeezed copy blends the rows where the stripes meet: shares within 0.05.
        func near(_ colour: ImageAnalysis.Colour, _ rgb: [Int]) -> Bool {
            let parts = stride(from: 1, to: 7, by: 2).compactMap { offset -> Int? in
                let start = colour.hex.index(colour.hex.startIndex, offsetBy: offset)
                return Int(colour.hex[start..<colour.hex.index(start, offsetBy: 2)], radix: 16)
            }
            return parts.count == 3 && zip(parts, rgb).allSatisfy { abs($0 - $1) <= 8 }
        }
        let first = try #require(colours.first)
        #expect(near(first, [230, 20, 30]) && abs(first.share - 0.75) < 0.05)
        #expect(colours.contains { near($0, [20, 40, 200]) && abs($0.share - 0.25) < 0.05 })
    }

    @Test("a resized, recompressed, slightly shifted twin keeps the hash and the look; another picture does not")
    func twins() throws {
        let width = 400
        let height = 300
        let original = TestImages.gradient(width: width, height: height)
        let jpeg = try codec.encode(rgb: original, width: width, height: height, as: .jpeg, quality: 92)
        // The twin: colours shifted a little, then half the size as WebP at low quality.
        let shifted = original.map { UInt8(min(Int($0) + 12, 255)) }
        let shiftedJPEG = try codec.encode(rgb: shifted, width: width, height: height, as: .jpeg, quality: 95)
        let twin = try codec.render(shiftedJPEG, RenditionSpec(width: 200, format: .webp, quality: 50, enhance: false))
        // Another picture: the same colours, turned upside down and mirrored.
        let turned = try codec.encode(
            rgb: stride(from: original.count - 3, through: 0, by: -3).flatMap { original[$0..<$0 + 3] },
            width: width,
            height: height,
            as: .jpeg
        )
        let (a, b, c) = (try analysis(jpeg), try analysis(twin), try analysis(turned))
        #expect(ImageAnalysis.hammingDistance(a.perceptualHash, b.perceptualHash) <= 10)
        #expect(ImageAnalysis.hammingDistance(a.perceptualHash, c.perceptualHash) >= 24)
        let twinSimilarity = zip(a.features, b.features).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let otherSimilarity = zip(a.features, c.features).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(twinSimilarity > 0.9)
        #expect(otherSimilarity < twinSimilarity - 0.1)
        #expect(a.features.count == ImageAnalysis.featureDimension)
        #expect(abs(a.features.reduce(Float(0)) { $0 + $1 * $1 } - 1) < 1e-4)
    }
}
