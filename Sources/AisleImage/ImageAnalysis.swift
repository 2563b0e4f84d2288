import Foundation

/// What Aisle keeps of an image's look, computed once from a small squeezed copy
/// (`ImageAnalysis.side` square): its dominant colours for display, a perceptual hash for
/// near-duplicates, and a feature vector for visual similarity.
public struct ImageAnalysis: Sendable, Equatable {
    /// A colour and the share of the picture it covers.
    public struct Colour: Sendable, Equatable, Codable {
        /// `#rrggbb`, sRGB.
        public var hex: String
        public var share: Double
    }

    /// Up to three colours, largest share first.
    public var dominantColours: [Colour]
    /// 64-bit DCT perceptual hash: near-identical pictures differ in a few bits (resizing,
    /// recompression and small colour shifts keep it; `ImageAnalysis.hammingDistance`).
    public var perceptualHash: UInt64
    /// Colour layout and texture, L2-normalised (`featureDimension` floats): the dot product of
    /// two is their visual similarity.
    public var features: [Float]

    /// The side of the square copy analysed.
    public static let side = 64
    public static let featureDimension = 64 + 32 + 16

    /// The analysis of `rgb`, `side`×`side` RGB bytes (`ImageCodec.pixels`).
    public init(rgb: [UInt8]) {
        precondition(rgb.count == Self.side * Self.side * 3, "ImageAnalysis takes \(Self.side)×\(Self.side) RGB")
        let lab = Self.lab(rgb)
        dominantColours = Self.dominantColours(rgb, lab)
        perceptualHash = Self.perceptualHash(lab)
        features = Self.features(lab)
    }

    public init(dominantColours: [Colour], perceptualHash: UInt64, features: [Float]) {
        self.dominantColours = dominantColours
        self.perceptualHash = perceptualHash
        self.features = features
    }

    /// How alike two photos look (higher is closer): their features' cosine similarity, plus
    /// up to `hashWeight` for perceptual hashes within 16 bits (the same picture resized,
    /// recompressed or slightly recoloured).
    public static func similarity(
        features a: [Float],
        hash hashA: UInt64,
        to b: [Float],
        hash hashB: UInt64
    ) -> (score: Float, distance: Int) {
        let distance = hammingDistance(hashA, hashB)
        return (featureSimilarity(a, b) + hashWeight * Float(max(0, 16 - distance)) / 16, distance)
    }

    /// The cosine similarity of two feature vectors (both normalised: their dot product).
    public static func featureSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0
        for index in 0..<min(a.count, b.count) { dot += a[index] * b[index] }
        return dot
    }

    /// The weight of a close perceptual hash beside the features' similarity (0...1).
    public static let hashWeight: Float = 0.5

    /// How many of the 64 hash bits differ.
    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// CIE L*a*b* (D65) of each pixel: a perceptual colour space, where distances match what
    /// people see better than in RGB.
    static func lab(_ rgb: [UInt8]) -> [(l: Float, a: Float, b: Float)] {
        func linear(_ value: UInt8) -> Float {
            let c = Float(value) / 255
            return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
        }
        func f(_ t: Float) -> Float { t > 0.008856 ? cbrtf(t) : 7.787 * t + 16 / 116 }
        var table = [Float](repeating: 0, count: 256)
        for value in 0..<256 { table[value] = linear(UInt8(value)) }
        return stride(from: 0, to: rgb.count, by: 3).map { offset in
            let (r, g, b) = (table[Int(rgb[offset])], table[Int(rgb[offset + 1])], table[Int(rgb[offset + 2])])
            let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
            let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
            let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
            return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
        }
    }

    /// k-means (k = 4, a fixed start spread over lightness, 10 rounds) in Lab; the three
    /// largest clusters' mean sRGB colours.
    static func dominantColours(_ rgb: [UInt8], _ lab: [(l: Float, a: Float, b: Float)]) -> [Colour] {
        let order = lab.indices.sorted { lab[$0].l < lab[$1].l }
        var centres = (0..<4).map { lab[order[(2 * $0 + 1) * order.count / 8]] }
        var assignment = [Int](repeating: 0, count: lab.count)
        for _ in 0..<10 {
            for (index, colour) in lab.enumerated() {
                var best = 0
                var bestDistance = Float.infinity
                for (cluster, centre) in centres.enumerated() {
                    let distance =
                        (colour.l - centre.l) * (colour.l - centre.l) + (colour.a - centre.a) * (colour.a - centre.a)
                        + (colour.b - centre.b) * (colour.b - centre.b)
                    if distance < bestDistance {
                        bestDistance = distance
                        best = cluster
                    }
                }
                assignment[index] = best
            }
            var sums = [(l: Float, a: Float, b: Float, n: Float)](repeating: (0, 0, 0, 0), count: centres.count)
            for (index, colour) in lab.enumerated() {
                let cluster = assignment[index]
                sums[cluster].l += colour.l
                sums[cluster].a += colour.a
                sums[cluster].b += colour.b
                sums[cluster].n += 1
            }
            for cluster in centres.indices where sums[cluster].n > 0 {
                let n = sums[cluster].n
                centres[cluster] = (sums[cluster].l / n, sums[cluster].a / n, sums[cluster].b / n)
            }
        }
        var totals = [(r: Int, g: Int, b: Int, n: Int)](repeating: (0, 0, 0, 0), count: centres.count)
        for (index, cluster) in assignment.enumerated() {
            totals[cluster].r += Int(rgb[index * 3])
            totals[cluster].g += Int(rgb[index * 3 + 1])
            totals[cluster].b += Int(rgb[index * 3 + 2])
            totals[cluster].n += 1
        }
        return totals.filter { $0.n > 0 }.sorted { $0.n > $1.n }.prefix(3).map { total in
            let hex = [total.r, total.g, total.b].map { String(format: "%02x", $0 / total.n) }.joined()
            return Colour(hex: "#" + hex, share: (Double(total.n) / Double(lab.count) * 1000).rounded() / 1000)
        }
    }

    /// The DCT hash: lightness averaged to 32×32, its 2-D DCT, and one bit per coefficient of
    /// the lowest 8×8 (the constant one left out for the 64th) above their median.
    static func perceptualHash(_ lab: [(l: Float, a: Float, b: Float)]) -> UInt64 {
        let side = Self.side
        let small = 32
        var grey = [Float](repeating: 0, count: small * small)
        for y in 0..<side {
            for x in 0..<side { grey[(y / 2) * small + x / 2] += lab[y * side + x].l / 4 }
        }
        var cosines = [Float](repeating: 0, count: 8 * small)
        for u in 0..<8 {
            for x in 0..<small {
                cosines[u * small + x] = cosf(Float.pi * Float(u) * (2 * Float(x) + 1) / Float(2 * small))
            }
        }
        // Rows first (8 frequencies of 32 columns), then columns.
        var rows = [Float](repeating: 0, count: small * 8)
        for y in 0..<small {
            for u in 0..<8 {
                var sum: Float = 0
                for x in 0..<small { sum += grey[y * small + x] * cosines[u * small + x] }
                rows[y * 8 + u] = sum
            }
        }
        var coefficients = [Float](repeating: 0, count: 64)
        for v in 0..<8 {
            for u in 0..<8 {
                var sum: Float = 0
                for y in 0..<small { sum += rows[y * 8 + u] * cosines[v * small + y] }
                coefficients[v * 8 + u] = sum
            }
        }
        let kept = Array(coefficients.dropFirst()) + [coefficients[1] + coefficients[8]]
        let median = kept.sorted()[kept.count / 2]
        var hash: UInt64 = 0
        for (bit, value) in kept.enumerated() where value > median { hash |= 1 << UInt64(bit) }
        return hash
    }

    /// Colour (a 4×4×4 Lab histogram with soft bins, square-rooted), texture (8 gradient
    /// orientations weighted by strength, in each quarter) and layout (mean lightness of a 4×4
    /// grid, centred), each part normalised, then the whole.
    static func features(_ lab: [(l: Float, a: Float, b: Float)]) -> [Float] {
        let side = Self.side
        var colour = [Float](repeating: 0, count: 64)
        func bin(_ value: Float, low: Float, high: Float) -> (Int, Int, Float) {
            let position = min(max((value - low) / (high - low) * 4 - 0.5, 0), 3)
            let lower = min(Int(position), 3)
            return (lower, min(lower + 1, 3), position - Float(lower))
        }
        for pixel in lab {
            let (l0, l1, lw) = bin(pixel.l, low: 0, high: 100)
            let (a0, a1, aw) = bin(pixel.a, low: -60, high: 60)
            let (b0, b1, bw) = bin(pixel.b, low: -60, high: 60)
            for (l, wl) in [(l0, 1 - lw), (l1, lw)] {
                for (a, wa) in [(a0, 1 - aw), (a1, aw)] {
                    for (b, wb) in [(b0, 1 - bw), (b1, bw)] { colour[l * 16 + a * 4 + b] += wl * wa * wb }
                }
            }
        }
        colour = colour.map { ($0 / Float(lab.count)).squareRoot() }
        var texture = [Float](repeating: 0, count: 32)
        for y in 1..<(side - 1) {
            for x in 1..<(side - 1) {
                let dx = lab[y * side + x + 1].l - lab[y * side + x - 1].l
                let dy = lab[(y + 1) * side + x].l - lab[(y - 1) * side + x].l
                let magnitude = (dx * dx + dy * dy).squareRoot()
                guard magnitude > 1 else { continue }
                // Orientation modulo 180°: an edge is the same edge either way round.
                var angle = atan2f(dy, dx)
                if angle < 0 { angle += .pi }
                let orientation = min(Int(angle / .pi * 8), 7)
                let quarter = (y >= side / 2 ? 2 : 0) + (x >= side / 2 ? 1 : 0)
                texture[quarter * 8 + orientation] += magnitude
            }
        }
        var layout = [Float](repeating: 0, count: 16)
        for y in 0..<side {
            for x in 0..<side { layout[(y * 4 / side) * 4 + x * 4 / side] += lab[y * side + x].l }
        }
        let mean = layout.reduce(0, +) / 16
        layout = layout.map { $0 - mean }
        func normalised(_ part: [Float], weight: Float) -> [Float] {
            let norm = part.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? part.map { $0 / norm * weight } : part
        }
        let joined = normalised(colour, weight: 1) + normalised(texture, weight: 0.6) + normalised(layout, weight: 0.5)
        return normalised(joined, weight: 1)
    }
}
