import AisleMath
import Testing

@Suite struct CSRMatrixTests {
    private let entries = [
        CSRMatrix.Entry(row: 2, column: 1, value: 4),
        CSRMatrix.Entry(row: 0, column: 3, value: 1),
        CSRMatrix.Entry(row: 0, column: 0, value: 2),
        CSRMatrix.Entry(row: 2, column: 1, value: 0.5),
    ]

    @Test("entries in any order build sorted rows; repeated positions are summed")
    func build() {
        let matrix = CSRMatrix(rows: 3, columns: 4, entries: entries)
        #expect(matrix.rowStarts == [0, 2, 2, 3])
        #expect(matrix.columnIndices == [0, 3, 1])
        #expect(matrix.values == [2, 1, 4.5])
        #expect(matrix[2, 1] == 4.5)
        #expect(matrix[1, 1] == 0)
        #expect(matrix.count(ofRow: 1) == 0)
    }

    @Test("transposing twice gives the matrix back, and matches the dense transpose")
    func transpose() {
        let matrix = CSRMatrix(rows: 3, columns: 4, entries: entries)
        #expect(matrix.transposed().transposed() == matrix)
        #expect(matrix.transposed().dense() == matrix.dense().transposed())
    }

    @Test("the sparse Gram matrix equals the dense XᵀX", arguments: [1, 2])
    func gram(threads: Int) {
        var random = SeededNumbers(seed: 3)
        var sparseEntries: [CSRMatrix.Entry] = []
        for row in 0..<40 {
            for column in 0..<30 where random.next() % 5 == 0 {
                sparseEntries.append(CSRMatrix.Entry(row: row, column: column, value: random.float()))
            }
        }
        let matrix = CSRMatrix(rows: 40, columns: 30, entries: sparseEntries)
        let sparse = matrix.gram(parallelism: Parallelism(threads: threads))
        let dense = BLAS.gram(matrix.dense())
        #expect(maxDifference(sparse.values, dense.values) < 1e-4)
    }
}
