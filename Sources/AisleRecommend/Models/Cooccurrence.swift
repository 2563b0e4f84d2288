import AisleMath

/// Rows of the item × item co-occurrence matrix XᵀX (X = user × item weights), one item at a time,
/// without ever holding the whole matrix: item i's row is Σ over i's users u of w(u,i) · X[u].
/// O(Σᵤ nᵤ²) over the log; rows are split over the workers, each with its own accumulator.
enum Cooccurrence {
    /// `visit(item, row)` for every item, where `row` holds XᵀX[item] (dense, catalog-sized, only
    /// valid during the call), and returns what `visit` returned, by item.
    static func mapRows<Value: Sendable>(
        of matrix: CSRMatrix,
        parallelism: Parallelism,
        _ visit: @Sendable (_ item: Int, _ row: UnsafeMutableBufferPointer<Float>, _ touched: [Int32]) -> Value
    ) -> [Value] {
        let itemUsers = matrix.transposed()
        return parallelism.mapRanges(matrix.columns, chunk: 32) { range in
            var accumulator = [Float](repeating: 0, count: matrix.columns)
            var touched: [Int32] = []
            var seen = [Bool](repeating: false, count: matrix.columns)
            var results: [Value] = []
            results.reserveCapacity(range.count)
            for item in range {
                touched.removeAll(keepingCapacity: true)
                for userSlot in itemUsers.range(ofRow: item) {
                    let user = Int(itemUsers.columnIndices[userSlot])
                    let weight = itemUsers.values[userSlot]
                    for slot in matrix.range(ofRow: user) {
                        let other = Int(matrix.columnIndices[slot])
                        if !seen[other] {
                            seen[other] = true
                            touched.append(Int32(other))
                        }
                        accumulator[other] += weight * matrix.values[slot]
                    }
                }
                let value = accumulator.withUnsafeMutableBufferPointer { visit(item, $0, touched) }
                results.append(value)
                for other in touched {
                    accumulator[Int(other)] = 0
                    seen[Int(other)] = false
                }
            }
            return results
        }
    }
}
