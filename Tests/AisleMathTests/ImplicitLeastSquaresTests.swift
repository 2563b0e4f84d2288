import AisleMath
import Testing

@Suite struct ImplicitLeastSquaresTests {
    /// Builds row r's full system (G + λI + Σ (c−1) y yᵀ) and right side (Σ c y) by hand.
    private func exactSolution(fixed: DenseMatrix, columns: [Int], confidences: [Float], lambda: Float) -> [Float]? {
        var system = ImplicitLeastSquares.regularizedGram(fixed, regularization: lambda)
        var rightSide = [Float](repeating: 0, count: fixed.columns)
        for (column, confidence) in zip(columns, confidences) {
            for a in 0..<fixed.columns {
                rightSide[a] += confidence * fixed[column, a]
                for b in 0..<fixed.columns { system[a, b] += (confidence - 1) * fixed[column, a] * fixed[column, b] }
            }
        }
        return SmallSystem.solvePositiveDefinite(system.values, rightSide)
    }

    @Test("enough conjugate-gradient steps reach the exact least-squares row", arguments: [1, 2])
    func convergesToExact(threads: Int) throws {
        var random = SeededNumbers(seed: 11)
        let fixed = random.matrix(rows: 20, columns: 6)
        let confidence = CSRMatrix(
            rows: 3,
            columns: 20,
            entries: [
                .init(row: 0, column: 1, value: 2), .init(row: 0, column: 7, value: 11),
                .init(row: 2, column: 4, value: 41), .init(row: 2, column: 5, value: 1),
                .init(row: 2, column: 19, value: 3),
            ]
        )
        var target = DenseMatrix(rows: 3, columns: 6, repeating: 0.01)
        ImplicitLeastSquares.update(
            &target,
            fixed: fixed,
            confidence: confidence,
            regularization: 0.5,
            conjugateGradientSteps: 6,
            parallelism: Parallelism(threads: threads)
        )
        let row0 = try #require(exactSolution(fixed: fixed, columns: [1, 7], confidences: [2, 11], lambda: 0.5))
        let row2 = try #require(
            exactSolution(fixed: fixed, columns: [4, 5, 19], confidences: [41, 1, 3], lambda: 0.5)
        )
        #expect(maxDifference(Array(target.row(0)), row0) < 1e-3)
        #expect(maxDifference(Array(target.row(2)), row2) < 1e-3)
        #expect(target.row(1).allSatisfy { $0 == 0 }, "a row without interactions becomes zero")
    }

    @Test("a single-row solve from zero matches the exact solution")
    func solveRow() throws {
        var random = SeededNumbers(seed: 12)
        let fixed = random.matrix(rows: 15, columns: 5)
        let gram = ImplicitLeastSquares.regularizedGram(fixed, regularization: 1)
        let x = ImplicitLeastSquares.solveRow(
            fixed: fixed,
            gram: gram,
            columns: [0, 3, 9],
            confidences: [5, 5, 2],
            conjugateGradientSteps: 5
        )
        let exact = try #require(exactSolution(fixed: fixed, columns: [0, 3, 9], confidences: [5, 5, 2], lambda: 1))
        #expect(maxDifference(x, exact) < 1e-3)
    }
}
