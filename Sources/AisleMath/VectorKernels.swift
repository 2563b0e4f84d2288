// Short-vector kernels for the factor-model inner loops (vectors of 16–256 floats), written with
// SIMD8 so the compiler vectorises them without fast-math. Calling BLAS for vectors this short
// costs more in call overhead than the arithmetic.

/// The dot product of two float vectors of `count` entries (SIMD; for other targets' inner
/// loops too: search's vector scan and graph).
@inlinable @inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum0 = SIMD8<Float>()
    var sum1 = SIMD8<Float>()
    var index = 0
    while index + 16 <= count {
        sum0 +=
            UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
            * UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
        sum1 +=
            UnsafeRawPointer(a + index + 8).loadUnaligned(as: SIMD8<Float>.self)
            * UnsafeRawPointer(b + index + 8).loadUnaligned(as: SIMD8<Float>.self)
        index += 16
    }
    var total = (sum0 + sum1).sum()
    while index < count {
        total += a[index] * b[index]
        index += 1
    }
    return total
}

/// y += alpha · x (SIMD; the sequential recommender's attention loops use it too).
@inlinable @inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    let scale = SIMD8<Float>(repeating: alpha)
    var index = 0
    while index + 8 <= count {
        let xs = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
        let ys = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(y + index).storeBytes(of: ys + scale * xs, as: SIMD8<Float>.self)
        index += 8
    }
    while index < count {
        y[index] += alpha * x[index]
        index += 1
    }
}

/// y = matrix · x for a square row-major matrix of order `count`.
@inline(__always)
func symmetricMultiply(
    _ matrix: UnsafePointer<Float>,
    _ x: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>,
    _ count: Int
) {
    for row in 0..<count { y[row] = dot(matrix + row * count, x, count) }
}

extension DenseMatrix {
    /// `self · vector` computed on the calling thread (one SIMD dot product per row). For the
    /// request path: a BLAS call there would wake OpenBLAS's thread pool for a few microseconds of
    /// work, and contend with the other requests' threads.
    public func multiplyOnCallingThread(_ vector: [Float]) -> [Float] {
        precondition(vector.count == columns, "vector of \(vector.count) for \(columns) columns")
        var result = [Float](repeating: 0, count: rows)
        let width = columns
        values.withUnsafeBufferPointer { matrix in
            vector.withUnsafeBufferPointer { x in
                result.withUnsafeMutableBufferPointer { y in
                    guard let base = matrix.baseAddress, let xBase = x.baseAddress else { return }
                    for row in 0..<y.count { y[row] = dot(base + row * width, xBase, width) }
                }
            }
        }
        return result
    }
}

/// Small dense systems solved on the calling thread (factor-model fold-ins: order 16–256).
public enum SmallSystem {
    /// Solves `a x = b` for a symmetric positive definite `a` (row-major, order `b.count`) by
    /// Cholesky, on the calling thread. O(n³/3). Returns nil when `a` is not positive definite.
    public static func solvePositiveDefinite(_ a: [Float], _ b: [Float]) -> [Float]? {
        let n = b.count
        precondition(a.count == n * n, "a must be \(n)×\(n)")
        // Lower factor L with a = L Lᵀ, in double for stability of the running sums.
        var lower = [Double](repeating: 0, count: n * n)
        for row in 0..<n {
            for column in 0...row {
                var sum = Double(a[row * n + column])
                for k in 0..<column { sum -= lower[row * n + k] * lower[column * n + k] }
                if row == column {
                    guard sum > 0 else { return nil }
                    lower[row * n + row] = sum.squareRoot()
                } else {
                    lower[row * n + column] = sum / lower[column * n + column]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for row in 0..<n {
            var sum = Double(b[row])
            for k in 0..<row { sum -= lower[row * n + k] * y[k] }
            y[row] = sum / lower[row * n + row]
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[row]
            for k in (row + 1)..<n { sum -= lower[k * n + row] * x[k] }
            x[row] = sum / lower[row * n + row]
        }
        return x.map { Float($0) }
    }
}
