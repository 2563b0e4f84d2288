import AisleMath

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The element-wise pieces of the sequential recommender's network, forward and backward: layer
/// normalisation, GELU, a fast exponential. Products go through `BLAS`; these loops are the rest.
/// Each works on row-major rows of a flat buffer; callers split rows between workers.
enum TransformerKernels {
    static let normEpsilon: Float = 1e-6

    /// LayerNorm of `rows` rows of `width`: writes the normalised rows (`normalized`, kept for the
    /// backward pass), each row's inverse deviation (`inverse`) and `output = normalized · gain + bias`.
    static func normalize(
        _ input: UnsafePointer<Float>,
        rows: Range<Int>,
        width: Int,
        gain: UnsafePointer<Float>,
        bias: UnsafePointer<Float>,
        normalized: UnsafeMutablePointer<Float>,
        inverse: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        for row in rows {
            let x = input + row * width
            var mean: Float = 0
            for column in 0..<width { mean += x[column] }
            mean /= Float(width)
            var variance: Float = 0
            for column in 0..<width {
                let centred = x[column] - mean
                variance += centred * centred
            }
            let scale = 1 / (variance / Float(width) + normEpsilon).squareRoot()
            inverse[row] = scale
            let n = normalized + row * width
            let y = output + row * width
            for column in 0..<width {
                n[column] = (x[column] - mean) * scale
                y[column] = n[column] * gain[column] + bias[column]
            }
        }
    }

    /// LayerNorm's input gradient for `rows`, added to `inputGradient`:
    /// dx = inv · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) with ĝ = dy · gain. The gain and bias gradients
    /// are summed separately (`accumulateNormParameters`) so that workers never share a sum.
    static func normalizeBackward(
        _ outputGradient: UnsafePointer<Float>,
        rows: Range<Int>,
        width: Int,
        gain: UnsafePointer<Float>,
        normalized: UnsafePointer<Float>,
        inverse: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        for row in rows {
            let dy = outputGradient + row * width
            let n = normalized + row * width
            var meanGradient: Float = 0
            var meanProduct: Float = 0
            for column in 0..<width {
                let g = dy[column] * gain[column]
                meanGradient += g
                meanProduct += g * n[column]
            }
            meanGradient /= Float(width)
            meanProduct /= Float(width)
            let dx = inputGradient + row * width
            let scale = inverse[row]
            for column in 0..<width {
                dx[column] += scale * (dy[column] * gain[column] - meanGradient - n[column] * meanProduct)
            }
        }
    }

    /// The gain and bias gradients of a LayerNorm over `rows` rows: Σ dy · x̂ and Σ dy, in row order
    /// (one thread, so the sums are the same every run).
    static func accumulateNormParameters(
        _ outputGradient: UnsafePointer<Float>,
        rows: Int,
        width: Int,
        normalized: UnsafePointer<Float>,
        gainGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            let dy = outputGradient + row * width
            let n = normalized + row * width
            for column in 0..<width {
                gainGradient[column] += dy[column] * n[column]
                biasGradient[column] += dy[column]
            }
        }
    }

    /// Σ over `rows` rows of `width` (a bias's gradient), added to `sum`, in row order.
    static func accumulateColumns(
        _ values: UnsafePointer<Float>,
        rows: Int,
        width: Int,
        into sum: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows { axpy(1, values + row * width, sum, width) }
    }

    private static let geluScale: Float = 0.797_884_560_802_865_4  // √(2/π)
    private static let geluCubic: Float = 0.044_715

    /// GELU, tanh form: x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³))), of `count` values.
    static func gelu(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>) {
        var index = 0
        while index + 8 <= count {
            let x = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
            let inner: SIMD8<Float> = geluScale * (x + geluCubic * x * x * x)
            let t = tanh8(inner)
            UnsafeMutableRawPointer(output + index).storeBytes(of: 0.5 * x * (1 + t), as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            let x = input[index]
            let t = tanh8(SIMD8(repeating: geluScale * (x + geluCubic * x * x * x)))[0]
            output[index] = 0.5 * x * (1 + t)
            index += 1
        }
    }

    /// `gradient · GELU′(input)`, written over `gradient`.
    static func geluBackward(_ input: UnsafePointer<Float>, count: Int, gradient: UnsafeMutablePointer<Float>) {
        @inline(__always) func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
            let square: SIMD8<Float> = x * x
            let inner: SIMD8<Float> = geluScale * (x + geluCubic * square * x)
            let t = tanh8(inner)
            let slope: SIMD8<Float> = geluScale * (1 + 3 * geluCubic * square)
            let half: SIMD8<Float> = 0.5 * (1 + t)
            return half + 0.5 * x * (1 - t * t) * slope
        }
        var index = 0
        while index + 8 <= count {
            let x = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(gradient + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gradient + index).storeBytes(of: g * derivative(x), as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            gradient[index] *= derivative(SIMD8(repeating: input[index]))[0]
            index += 1
        }
    }

    @inline(__always)
    static func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // 1 − 2 / (e^{2x} + 1): exact at both tails, where e^{2x} saturates to 0 or a huge value.
        1 - 2 / (exp8(2 * x) + 1)
    }

    /// e^x for eight lanes to about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor
    /// polynomial, 2^n built in the exponent bits. Inputs are clamped to [−87, 88] (no
    /// infinities or denormals), which softmax and tanh never need past.
    @inline(__always)
    static func exp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
        var x = input
        x.replace(with: 88, where: x .> 88)
        x.replace(with: -87, where: x .< -87)
        // Adding 1.5 · 2²³ rounds x·log2(e) to an integer held in the low mantissa bits: the
        // rounding and the conversion without per-lane calls (generic SIMD conversions are).
        let shifted = x * 1.442_695_040_888_963_4 + 12_582_912
        let n = shifted - 12_582_912
        let r = x - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187_0e-06
        var p = SIMD8<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let bits = (integer &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// `scale ×` the softmax of a row, in place; returns log Σ e^{row} (for the loss).
    @discardableResult
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int, scale: Float = 1) -> Float {
        let raw = UnsafeMutableRawPointer(row)
        var largest8 = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        while index + 8 <= count {
            let values = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            largest8.replace(with: values, where: values .> largest8)
            index += 8
        }
        var largest = largest8.max()
        for tail in index..<count { largest = max(largest, row[tail]) }
        var sum = SIMD8<Float>()
        index = 0
        while index + 8 <= count {
            let e = exp8(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) - largest)
            raw.storeBytes(of: e, toByteOffset: index * 4, as: SIMD8<Float>.self)
            sum += e
            index += 8
        }
        var total = sum.sum()
        for tail in index..<count {
            row[tail] = exp8(SIMD8(repeating: row[tail] - largest))[0]
            total += row[tail]
        }
        let factor = scale / total
        index = 0
        while index + 8 <= count {
            let value = raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: value * factor, toByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        for tail in index..<count { row[tail] *= factor }
        return largest + log(total)
    }
}
