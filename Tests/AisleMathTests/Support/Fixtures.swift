import AisleMath

/// Seeded random data for the math tests: the same numbers on every run.
struct SeededNumbers {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    mutating func matrix(rows: Int, columns: Int) -> DenseMatrix {
        DenseMatrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in float() })
    }

    /// A symmetric positive definite matrix: aᵀa + n·I.
    mutating func positiveDefinite(_ n: Int) -> DenseMatrix {
        var gram = BLAS.gram(matrix(rows: n + 3, columns: n))
        for d in 0..<n { gram[d, d] += Float(n) }
        return gram
    }
}

/// Plain triple-loop product, the reference the BLAS wrappers are checked against.
func naiveProduct(_ a: DenseMatrix, _ b: DenseMatrix) -> DenseMatrix {
    var result = DenseMatrix(rows: a.rows, columns: b.columns)
    for r in 0..<a.rows {
        for c in 0..<b.columns {
            var sum: Float = 0
            for k in 0..<a.columns { sum += a[r, k] * b[k, c] }
            result[r, c] = sum
        }
    }
    return result
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
