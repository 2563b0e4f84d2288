extension CSRMatrix {
    /// The dense Gram matrix XᵀX (columns × columns) of this sparse X: for a user × item matrix,
    /// entry (i, j) is Σᵤ x(u,i)·x(u,j), the weighted co-occurrence of items i and j.
    ///
    /// O(Σ_rows n_row²) time; memory columns² × 4 bytes (10 GB at 50,000 columns). Output rows
    /// are split over the workers, each writing only its own rows.
    public func gram(parallelism: Parallelism) -> DenseMatrix {
        let n = columns
        var result = DenseMatrix(rows: n, columns: n)
        let transpose = transposed()
        result.values.withUnsafeMutableBufferPointer { buffer in
            let output = SendableMutableBuffer(buffer)
            parallelism.forEachRange(of: n, chunk: 16) { range in
                let base = output.buffer.baseAddress.unsafelyUnwrapped
                for column in range {
                    let row = base + column * n
                    for userSlot in transpose.range(ofRow: column) {
                        let user = Int(transpose.columnIndices[userSlot])
                        let weight = transpose.values[userSlot]
                        for slot in self.range(ofRow: user) {
                            row[Int(self.columnIndices[slot])] += weight * self.values[slot]
                        }
                    }
                }
            }
        }
        return result
    }
}
