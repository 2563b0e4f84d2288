import AisleCore
import AisleMath
import Foundation
import Testing

@testable import AisleText

/// The encoder's building blocks against the definitions they implement.
@Suite struct EncoderLayerTests {
    @Test("erf8 is within 3e-7 of the C library's erf on [-6, 6], and GELU follows")
    func erfAndGELU() {
        var worst: Float = 0
        for step in -6000...6000 {
            let x = Float(step) / 1000
            let exact = Float(Foundation.erf(Double(x)))
            worst = max(worst, abs(TextEncoder.erf8(SIMD8(repeating: x))[0] - exact))
            let exactGELU = Float(0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot())))
            // Relative to the value: float rounding of x/2 · (1 + erf) alone is about an ulp of x.
            #expect(abs(TextEncoder.gelu(x) - exactGELU) <= 3e-7 * max(1, abs(x)), "GELU(\(x))")
        }
        #expect(worst <= 3e-7, "largest erf error \(worst)")
        #expect(TextEncoder.gelu(0) == 0)
        #expect(abs(TextEncoder.gelu(1) - 0.841_344_7) < 1e-6)
    }

    @Test("GELU over a matrix equals GELU of each entry, including the tail past a multiple of 8")
    func geluMatrix() {
        var matrix = DenseMatrix(rows: 3, columns: 7, values: (0..<21).map { Float($0 - 10) / 3 })
        let expected = matrix.values.map(TextEncoder.gelu)
        TextEncoder.gelu(&matrix, parallelism: Parallelism(threads: 2))
        #expect(matrix.values == expected)
        // Several blocks of 4,096 for the workers, and a tail.
        var large = DenseMatrix(rows: 3, columns: 3_001, values: (0..<9_003).map { Float($0 % 97 - 48) / 12 })
        let largeExpected = large.values.map(TextEncoder.gelu)
        TextEncoder.gelu(&large, parallelism: Parallelism(threads: 2))
        #expect(large.values == largeExpected)
    }

    @Test("LayerNorm centres and scales each row, then applies weight and bias")
    func layerNorm() {
        var matrix = DenseMatrix(rows: 2, columns: 4, values: [1, 2, 3, 4, -2, -2, -2, -2])
        TextEncoder.layerNorm(&matrix, ([1, 1, 2, 2], [0, 0, 0, 1]), epsilon: 1e-12)
        // Row 1: mean 2.5, variance 1.25 → (x − 2.5) / 1.118; a constant row normalises to 0.
        let scale = 1 / Float(1.25).squareRoot()
        let expected: [Float] = [-1.5 * scale, -0.5 * scale, 2 * 0.5 * scale, 2 * 1.5 * scale + 1, 0, 0, 0, 1]
        for (value, target) in zip(matrix.values, expected) { #expect(abs(value - target) < 1e-5) }

        // A width of 8-lane blocks plus a tail, against the definition in Double.
        var generator = SplitMix64(seed: 11)
        let width = 21
        let values = (0..<(3 * width)).map { _ in Float(generator.nextDouble() * 8 - 3) }
        let weight = (0..<width).map { Float($0) / 10 + 0.5 }
        let bias = (0..<width).map { Float($0 % 5) - 2 }
        var wide = DenseMatrix(rows: 3, columns: width, values: values)
        TextEncoder.layerNorm(&wide, (weight, bias), epsilon: 1e-12)
        for row in 0..<3 {
            let entries = values[(row * width)..<((row + 1) * width)].map(Double.init)
            let mean = entries.reduce(0, +) / Double(width)
            let variance = entries.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
            for column in 0..<width {
                let target =
                    (entries[column] - mean) / (variance + 1e-12).squareRoot() * Double(weight[column])
                    + Double(bias[column])
                #expect(abs(Double(wide.values[row * width + column]) - target) < 1e-5, "row \(row) column \(column)")
            }
        }
    }

    @Test("softmax is shift-invariant and sums to one, even with large scores")
    func softmax() {
        var values: [Float] = [1000, 1001, 1002]
        values.withUnsafeMutableBufferPointer { TextEncoder.softmax($0, scale: 1) }
        let e = [Float(exp(-2.0)), Float(exp(-1.0)), 1]
        let total = e.reduce(0, +)
        for (value, target) in zip(values, e.map { $0 / total }) { #expect(abs(value - target) < 1e-6) }
    }

    @Test(
        "a sequence embedded alone or in a ragged batch with longer ones gives the same vector",
        .enabled(if: FileManager.default.fileExists(atPath: TextEncoderTests.modelFolder + "/model.safetensors"))
    )
    func raggedBatch() throws {
        let encoder = try TextEncoderTests.encoder()
        let texts = ["red shoes", "a much longer sentence about a warm winter jacket with a hood and pockets", "ok"]
        let batch = encoder.embed(texts)
        for (text, vector) in zip(texts, batch) {
            let alone = encoder.embed(text)
            let cosine = zip(alone, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.999_99, "\(text)")
        }
    }

    @Test("a batch is cut into passes of at most maxPassTokens tokens, in order, a longer text alone")
    func passes() {
        let limit = TextEncoder.maxPassTokens
        let window = { (count: Int) in [Int32](repeating: 5, count: count) }
        // 3 texts that fit together, one that overflows the pass, one longer than a pass on its
        // own (two windows), an empty one (read as 2 tokens).
        let texts: [[[Int32]]] = [
            [window(limit / 4)], [window(limit / 4)], [window(limit / 4)], [window(limit / 2)],
            [window(limit / 2 + 10), window(limit / 2 + 10)], [],
        ]
        #expect(TextEncoder.parts(of: texts) == [0..<3, 3..<4, 4..<5, 5..<6])
        #expect(TextEncoder.parts(of: []) == [])
        #expect(TextEncoder.parts(of: [[window(3)], []]) == [0..<2])
    }

    @Test(
        "a batch longer than one pass gives each text the vector it gets alone, in order",
        .enabled(if: FileManager.default.fileExists(atPath: TextEncoderTests.modelFolder + "/model.safetensors"))
    )
    func batchOfSeveralPasses() throws {
        let encoder = try TextEncoderTests.encoder()
        let sentence = "a warm winter jacket with a hood, deep pockets and a zip that does not jam"
        let texts = (0..<600).map { "\($0): " + sentence + ($0 % 7 == 0 ? " in red" : "") }
        let tokens = texts.reduce(0) { $0 + encoder.tokens(of: $1).count }
        #expect(tokens > TextEncoder.maxPassTokens, "the batch needs more than one pass")
        let batch = encoder.embed(texts)
        #expect(batch.count == texts.count)
        for index in [0, 1, 7, 299, 300, 301, 598, 599] {
            let alone = encoder.embed(texts[index])
            let cosine = zip(alone, batch[index]).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine > 0.999_99, "text \(index)")
        }
    }

    @Test(
        "integer products equal rounding the input to 8 bits per block, then multiplying by the 4-bit weights",
        .enabled(if: TextEncoder.integerProductsAvailable)
    )
    func integerProducts() throws {
        let encoder = try MultilingualEncoderTests.encoder()
        var random = SplitMix64(seed: 7)
        for (inputs, outputs) in [(32, 16), (96, 48), (384, 1152)] {
            let blocks = inputs / 32
            let levels = (0..<(outputs * inputs)).map { _ in Int8.random(in: -8...7, using: &random) }
            let scales = (0..<(outputs * blocks)).map { _ in Float.random(in: 0.001...0.05, using: &random) }
            let weights = TextEncoder.Int8Weights(levels: levels, scales: scales, outputs: outputs, inputs: inputs)
            let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &random) }
            for rows in [1, 2, 3, 4, 5, 9, 31, 40] {
                var values = (0..<(rows * inputs)).map { _ in Float.random(in: -4...4, using: &random) }
                // A block of zeros (scale 0) and one with a value far larger than the rest.
                for index in 0..<min(32, values.count) { values[index] = 0 }
                if values.count >= 64 { values[40] = 900 }
                let x = DenseMatrix(rows: rows, columns: inputs, values: values)
                let rounded = TextEncoder.roundedToInt8Blocks(x)
                for gelu in [false, true] {
                    let product = encoder.int8Linear(x, weights, bias, thenGELU: gelu)
                    var worst: Double = 0
                    for row in 0..<rows {
                        for output in 0..<outputs {
                            var sum = Double(bias[output])
                            for input in 0..<inputs {
                                let weight =
                                    Double(levels[output * inputs + input])
                                    * Double(scales[output * blocks + input / 32])
                                sum += weight * Double(rounded.values[row * inputs + input])
                            }
                            let expected = gelu ? Double(TextEncoder.gelu(Float(sum))) : sum
                            let error = abs(Double(product.values[row * outputs + output]) - expected)
                            worst = max(worst, error / max(1, abs(expected)))
                        }
                    }
                    #expect(worst < 1e-5, "\(rows) × \(inputs) → \(outputs), GELU \(gelu): relative error \(worst)")
                }
            }
        }
    }

    @Test("float16 fields read back exactly: every bit pattern, in bulk (F16C) and one by one (plain C)")
    func float16Fields() throws {
        let patterns = (0...UInt16.max).map { $0 }
        var bytes: [UInt8] = []
        for pattern in patterns { bytes += [UInt8(pattern & 0xff), UInt8(pattern >> 8)] }
        var bulk = ModelFileReader(bytes, name: "halves", offset: 0)
        let all = try bulk.float16s(patterns.count)
        var single = ModelFileReader(bytes, name: "halves", offset: 0)
        var mismatches = 0
        for (pattern, value) in zip(patterns, all) {
            let one = try single.float16s(1)[0]
            let expected = Float(Float16(bitPattern: pattern))
            for read in [value, one] where !(read.bitPattern == expected.bitPattern || (read.isNaN && expected.isNaN)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(bulk.atEnd && single.atEnd)
        var short = ModelFileReader([1, 2, 3], name: "short.aisle", offset: 0)
        #expect(throws: TextDataError.self) { try short.float16s(2) }
    }

    @Test(
        "a tower's weights rounded to 8 bits multiply as the float weights do, within the rounding",
        .enabled(if: TextEncoder.integerProductsAvailable)
    )
    func eightBitWeights() throws {
        let encoder = try MultilingualEncoderTests.encoder()
        var random = SplitMix64(seed: 11)
        let (inputs, outputs, rows) = (96, 48, 5)
        let weights = (0..<(outputs * inputs)).map { _ in Float.random(in: -0.1...0.1, using: &random) }
        let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &random) }
        let x = DenseMatrix(
            rows: rows,
            columns: inputs,
            values: (0..<(rows * inputs)).map { _ in Float.random(in: -1...1, using: &random) }
        )
        let product = encoder.int8Linear(x, PolarityTower.eightBit(weights, outputs: outputs, inputs: inputs), bias)
        var worst: Double = 0
        for row in 0..<rows {
            for output in 0..<outputs {
                var sum = Double(bias[output])
                for input in 0..<inputs {
                    sum += Double(x.values[row * inputs + input]) * Double(weights[output * inputs + input])
                }
                worst = max(worst, abs(sum - Double(product.values[row * outputs + output])))
            }
        }
        // Outputs are about 0.3 in size; 8-bit weights and inputs leave a few thousandths.
        #expect(worst < 0.02, "worst difference \(worst)")
    }

    @Test(
        "e5's single queries on integer products are within a cosine of 0.9999 of float32 weights",
        .enabled(if: TextEncoder.integerProductsAvailable)
    )
    func integerProductsAgreeWithFloat32() throws {
        let fast = try MultilingualEncoderTests.encoder()
        #expect(fast.integerProducts)
        let exact = try TextEncoder.load(MultilingualEncoderTests.modelFile, halfPrecision: false)
        #expect(!exact.integerProducts && !exact.halfPrecision)
        let texts = try MultilingualEncoderTests.reference().texts.map(\.text).filter { $0.count < 60 }.prefix(60)
        #expect(texts.count >= 30)
        for text in texts {
            let cosine = zip(fast.embed(text, as: .query), exact.embed(text, as: .query)).reduce(Float(0)) {
                $0 + $1.0 * $1.1
            }
            #expect(cosine >= 0.9999, "\(text.prefix(40).debugDescription): \(cosine)")
        }
    }
}
