import CBLAS

/// A numeric failure the caller can report: the input was fine for a human but not for the algebra.
public enum MathError: Error, Sendable, Equatable {
    /// A matrix that must be symmetric positive definite was not (LAPACK's `info` is the failing
    /// leading minor). Raising a regularisation weight fixes it.
    case notPositiveDefinite(order: Int, info: Int)
}

/// Whether an operand of a product is used as stored or transposed.
public enum Transpose: Sendable {
    /// Use the matrix as stored.
    case none
    /// Use its transpose.
    case transposed
}

/// Checked wrappers over OpenBLAS and LAPACKE. Every `cblas_*`/`LAPACKE_*` call of the project
/// lives here: shapes are checked before a pointer is handed to C.
public enum BLAS {
    /// Tells OpenBLAS how many threads its own kernels (gemm, syrk, potrf) may use. Process-wide in
    /// OpenBLAS itself; called once at startup from the configuration.
    public static func setThreads(_ parallelism: Parallelism) {
        openblas_set_num_threads(Int32(parallelism.threads))
    }

    /// The thread count OpenBLAS is using now.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// `c = a · b + bias` (bias added to every row) for `rows` rows of `a` given by pointer, and
    /// only the output columns `columns`: the parts of a product split between workers by rows
    /// or by columns, each written straight into its block of a shared result. `a` holds
    /// `rows × b.rows` floats; `c` points at the first of `rows` rows of a result `b.columns`
    /// wide, row-major; the caller guarantees both (bias must have `b.columns` entries).
    public static func multiplyAddingBias(
        _ a: UnsafePointer<Float>,
        rows: Int,
        _ b: DenseMatrix,
        columns: Range<Int>,
        bias: [Float],
        into c: UnsafeMutablePointer<Float>
    ) {
        precondition(bias.count == b.columns, "bias has \(bias.count) entries for \(b.columns) columns")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= b.columns, "columns \(columns) of \(b.columns)")
        guard rows > 0, !columns.isEmpty else { return }
        bias.withUnsafeBufferPointer { bias in
            guard let first = bias.baseAddress else { return }
            for row in 0..<rows {
                (c + row * b.columns + columns.lowerBound).update(
                    from: first + columns.lowerBound,
                    count: columns.count
                )
            }
        }
        guard b.rows > 0 else { return }
        b.values.withUnsafeBufferPointer { bBuffer in
            guard let bBase = bBuffer.baseAddress else { return }
            cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                Int32(rows),
                Int32(columns.count),
                Int32(b.rows),
                1,
                a,
                Int32(b.rows),
                bBase + columns.lowerBound,
                Int32(b.columns),
                1,
                c + columns.lowerBound,
                Int32(b.columns)
            )
        }
    }

    /// `c = alpha · op(a) · op(b) + beta · c` on row-major buffers the caller owns: `op(a)` is
    /// `m × k`, `op(b)` is `k × n`, `c` is `m × n`; `lda`, `ldb`, `ldc` are the stored row widths.
    /// For networks that keep their weights and activations in flat buffers (the sequential
    /// recommender); the caller guarantees the buffers hold the shapes. O(m n k) on BLAS threads.
    public static func multiply(
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        _ a: UnsafePointer<Float>,
        lda: Int,
        transposeA: Transpose = .none,
        _ b: UnsafePointer<Float>,
        ldb: Int,
        transposeB: Transpose = .none,
        beta: Float = 0,
        into c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative shape \(m)×\(k)·\(k)×\(n)")
        precondition(ldc >= n, "ldc \(ldc) below \(n) columns")
        precondition(lda >= (transposeA == .none ? k : m), "lda \(lda) too small")
        precondition(ldb >= (transposeB == .none ? n : k), "ldb \(ldb) too small")
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for row in 0..<m {
                for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA == .none ? CblasNoTrans : CblasTrans,
            transposeB == .none ? CblasNoTrans : CblasTrans,
            Int32(m),
            Int32(n),
            Int32(k),
            alpha,
            a,
            Int32(lda),
            b,
            Int32(ldb),
            beta,
            c,
            Int32(ldc)
        )
    }

    /// The same product with the result's rows split between `parallelism`'s workers when
    /// OpenBLAS is serial (`setThreads(.serial)`, so its threads do not fight the workers), each
    /// part one call writing its own rows; one threaded call otherwise. Every row of `c` is
    /// computed the same way whatever the split, so results do not depend on the thread count.
    public static func multiply(
        m: Int,
        n: Int,
        k: Int,
        _ a: UnsafePointer<Float>,
        lda: Int,
        transposeA: Transpose = .none,
        _ b: UnsafePointer<Float>,
        ldb: Int,
        transposeB: Transpose = .none,
        beta: Float = 0,
        into c: UnsafeMutablePointer<Float>,
        ldc: Int,
        splitting parallelism: Parallelism
    ) {
        // With OpenBLAS threaded, one call (it splits the work itself). Parts of at least 32
        // rows: smaller ones cost more in calls than they share.
        let workers = threads == 1 ? parallelism.threads : 1
        let part = max(32, (m + workers - 1) / workers)
        let (a, b, c) = (SendableConstPointer(a), SendableConstPointer(b), SendablePointer(c))
        parallelism.forEachRange(of: m, chunk: part) { rows in
            guard let a = a.pointer, let b = b.pointer, let c = c.pointer else { return }
            multiply(
                m: rows.count,
                n: n,
                k: k,
                transposeA == .none ? a + rows.lowerBound * lda : a + rows.lowerBound,
                lda: lda,
                transposeA: transposeA,
                b,
                ldb: ldb,
                transposeB: transposeB,
                beta: beta,
                into: c + rows.lowerBound * ldc,
                ldc: ldc
            )
        }
    }

    /// `op(a) · op(b)`. O(m n k) on BLAS threads.
    public static func multiply(
        _ a: DenseMatrix,
        _ b: DenseMatrix,
        transposeA: Transpose = .none,
        transposeB: Transpose = .none
    ) -> DenseMatrix {
        let (m, k) = transposeA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = transposeB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        precondition(k == kb, "inner dimensions differ: \(m)×\(k) · \(kb)×\(n)")
        var result = DenseMatrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return result }
        a.values.withUnsafeBufferPointer { aBuffer in
            b.values.withUnsafeBufferPointer { bBuffer in
                result.values.withUnsafeMutableBufferPointer { cBuffer in
                    guard let a = aBuffer.baseAddress, let b = bBuffer.baseAddress, let c = cBuffer.baseAddress
                    else { return }
                    multiply(
                        m: m,
                        n: n,
                        k: k,
                        a,
                        lda: max(1, transposeA == .none ? k : m),
                        transposeA: transposeA,
                        b,
                        ldb: max(1, transposeB == .none ? n : k),
                        transposeB: transposeB,
                        into: c,
                        ldc: n
                    )
                }
            }
        }
        return result
    }

    /// The Gram matrix `aᵀ a` (columns × columns), both triangles filled. O(rows × columns²).
    public static func gram(_ a: DenseMatrix) -> DenseMatrix {
        let n = a.columns
        var result = DenseMatrix(rows: n, columns: n)
        guard n > 0, a.rows > 0 else { return result }
        a.values.withUnsafeBufferPointer { aBuffer in
            result.values.withUnsafeMutableBufferPointer { cBuffer in
                cblas_ssyrk(
                    CblasRowMajor,
                    CblasUpper,
                    CblasTrans,
                    Int32(n),
                    Int32(a.rows),
                    1,
                    aBuffer.baseAddress,
                    Int32(n),
                    0,
                    cBuffer.baseAddress,
                    Int32(n)
                )
            }
        }
        mirrorUpperToLower(&result)
        return result
    }

    /// `matrix · vector`. O(rows × columns).
    public static func multiply(_ matrix: DenseMatrix, vector: [Float]) -> [Float] {
        precondition(vector.count == matrix.columns, "vector of \(vector.count) for \(matrix.columns) columns")
        var result = [Float](repeating: 0, count: matrix.rows)
        guard matrix.rows > 0, matrix.columns > 0 else { return result }
        matrix.values.withUnsafeBufferPointer { aBuffer in
            vector.withUnsafeBufferPointer { xBuffer in
                result.withUnsafeMutableBufferPointer { yBuffer in
                    cblas_sgemv(
                        CblasRowMajor,
                        CblasNoTrans,
                        Int32(matrix.rows),
                        Int32(matrix.columns),
                        1,
                        aBuffer.baseAddress,
                        Int32(matrix.columns),
                        xBuffer.baseAddress,
                        1,
                        0,
                        yBuffer.baseAddress,
                        1
                    )
                }
            }
        }
        return result
    }

    /// Inverts a symmetric positive definite matrix in place (Cholesky: `spotrf` then `spotri`).
    /// O(n³) on BLAS threads. Throws `MathError.notPositiveDefinite` and leaves `matrix` undefined
    /// when it is not.
    public static func invertPositiveDefinite(_ matrix: inout DenseMatrix) throws(MathError) {
        precondition(matrix.rows == matrix.columns, "only a square matrix can be inverted")
        let n = matrix.rows
        guard n > 0 else { return }
        var info: Int32 = 0
        matrix.values.withUnsafeMutableBufferPointer { buffer in
            info = LAPACKE_spotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), buffer.baseAddress, Int32(n))
            if info == 0 {
                info = LAPACKE_spotri(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), buffer.baseAddress, Int32(n))
            }
        }
        guard info == 0 else { throw .notPositiveDefinite(order: n, info: Int(info)) }
        mirrorUpperToLower(&matrix)
    }

    /// Solves `a x = b` for a symmetric positive definite `a` (Cholesky, `sposv`). O(n³).
    public static func solvePositiveDefinite(_ a: DenseMatrix, _ b: [Float]) throws(MathError) -> [Float] {
        precondition(a.rows == a.columns && b.count == a.rows, "a must be square and match b")
        let n = a.rows
        guard n > 0 else { return [] }
        var factor = a.values
        var solution = b
        var info: Int32 = 0
        factor.withUnsafeMutableBufferPointer { aBuffer in
            solution.withUnsafeMutableBufferPointer { bBuffer in
                info = LAPACKE_sposv(
                    LAPACK_ROW_MAJOR,
                    Int8(UInt8(ascii: "U")),
                    Int32(n),
                    1,
                    aBuffer.baseAddress,
                    Int32(n),
                    bBuffer.baseAddress,
                    1
                )
            }
        }
        guard info == 0 else { throw .notPositiveDefinite(order: n, info: Int(info)) }
        return solution
    }

    private static func mirrorUpperToLower(_ matrix: inout DenseMatrix) {
        let n = matrix.rows
        matrix.values.withUnsafeMutableBufferPointer { values in
            for r in 0..<n {
                for c in 0..<r { values[r * n + c] = values[c * n + r] }
            }
        }
    }
}
