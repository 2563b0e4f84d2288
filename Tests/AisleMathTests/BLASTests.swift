import AisleMath
import Testing

@Suite struct BLASTests {
    @Test("products match the naive triple loop, transposes included")
    func multiply() {
        var random = SeededNumbers(seed: 1)
        let a = random.matrix(rows: 7, columns: 5)
        let b = random.matrix(rows: 5, columns: 3)
        #expect(maxDifference(BLAS.multiply(a, b).values, naiveProduct(a, b).values) < 1e-5)
        let product = BLAS.multiply(a.transposed(), b.transposed(), transposeA: .transposed, transposeB: .transposed)
        #expect(maxDifference(product.values, naiveProduct(a, b).values) < 1e-5)
        let vector = (0..<5).map { Float($0) - 2 }
        let column = DenseMatrix(rows: 5, columns: 1, values: vector)
        #expect(maxDifference(BLAS.multiply(a, vector: vector), naiveProduct(a, column).values) < 1e-5)
        #expect(maxDifference(a.multiplyOnCallingThread(vector), naiveProduct(a, column).values) < 1e-5)
    }

    @Test("a product split by rows or by column blocks, bias added, fills exactly its block")
    func multiplyAddingBiasInBlocks() {
        var random = SeededNumbers(seed: 3)
        let a = random.matrix(rows: 6, columns: 5)
        let b = random.matrix(rows: 5, columns: 40)
        let bias = (0..<40).map { Float($0) / 10 }
        var expected = naiveProduct(a, b)
        for row in 0..<6 { for column in 0..<40 { expected.values[row * 40 + column] += bias[column] } }
        var byRows = [Float](repeating: .nan, count: 6 * 40)
        var byColumns = [Float](repeating: .nan, count: 6 * 40)
        a.values.withUnsafeBufferPointer { a in
            byRows.withUnsafeMutableBufferPointer { c in
                guard let a = a.baseAddress, let c = c.baseAddress else { return }
                BLAS.multiplyAddingBias(a, rows: 4, b, columns: 0..<40, bias: bias, into: c)
                BLAS.multiplyAddingBias(a + 4 * 5, rows: 2, b, columns: 0..<40, bias: bias, into: c + 4 * 40)
            }
            byColumns.withUnsafeMutableBufferPointer { c in
                guard let a = a.baseAddress, let c = c.baseAddress else { return }
                BLAS.multiplyAddingBias(a, rows: 6, b, columns: 0..<16, bias: bias, into: c)
                BLAS.multiplyAddingBias(a, rows: 6, b, columns: 16..<40, bias: bias, into: c)
            }
        }
        #expect(!byRows.contains(where: \.isNaN) && !byColumns.contains(where: \.isNaN), "every entry written")
        #expect(maxDifference(byRows, expected.values) < 1e-5)
        #expect(maxDifference(byColumns, expected.values) < 1e-5)
    }

    @Test("the Gram matrix is aᵀa with both triangles filled")
    func gram() {
        var random = SeededNumbers(seed: 2)
        let a = random.matrix(rows: 9, columns: 4)
        #expect(maxDifference(BLAS.gram(a).values, naiveProduct(a.transposed(), a).values) < 1e-5)
    }

    @Test("inverting a positive definite matrix gives A·A⁻¹ = I")
    func invert() throws {
        var random = SeededNumbers(seed: 4)
        let matrix = random.positiveDefinite(12)
        var inverse = matrix
        try BLAS.invertPositiveDefinite(&inverse)
        #expect(maxDifference(BLAS.multiply(matrix, inverse).values, DenseMatrix.identity(12).values) < 1e-4)
    }

    @Test("a matrix that is not positive definite throws, naming the failing minor")
    func notPositiveDefinite() {
        var matrix = DenseMatrix(rows: 2, columns: 2, values: [1, 2, 2, 1])
        #expect(throws: MathError.notPositiveDefinite(order: 2, info: 2)) { try BLAS.invertPositiveDefinite(&matrix) }
        #expect(throws: MathError.self) { try BLAS.solvePositiveDefinite(matrix, [1, 1]) }
    }

    @Test("LAPACK's and the calling-thread Cholesky solves agree with the system")
    func solve() throws {
        var random = SeededNumbers(seed: 5)
        let matrix = random.positiveDefinite(16)
        let rightSide = (0..<16).map { _ in random.float() }
        let lapack = try BLAS.solvePositiveDefinite(matrix, rightSide)
        let local = try #require(SmallSystem.solvePositiveDefinite(matrix.values, rightSide))
        #expect(maxDifference(BLAS.multiply(matrix, vector: lapack), rightSide) < 1e-4)
        #expect(maxDifference(lapack, local) < 1e-4)
        #expect(SmallSystem.solvePositiveDefinite([1, 2, 2, 1], [1, 1]) == nil)
    }

    @Test("OpenBLAS takes the configured thread count")
    func threads() {
        BLAS.setThreads(Parallelism(threads: 1))
        #expect(BLAS.threads == 1)
        BLAS.setThreads(.machine)
        #expect(BLAS.threads >= 1)
    }
}
