/// A dense row-major matrix of `Float`: item factors, EASE weights, Gram matrices.
///
/// Row-major so that one item's or user's vector is contiguous (`row(_:)` is a slice without copying).
/// Single precision: the models' accuracy does not need more, and it halves memory and doubles BLAS speed.
public struct DenseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the length of one row).
    public let columns: Int
    /// The entries, row after row: entry (r, c) is at `r * columns + c`.
    public var values: [Float]

    /// A matrix with every entry set to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative, got \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix whose entries `initialize` writes, every one of them (it gets the buffer
    /// uninitialised): for results a kernel fills anyway, which then skips zeroing them first.
    public init(rows: Int, columns: Int, initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative, got \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            initialize(buffer)
            count = rows * columns
        }
    }

    /// A matrix over existing row-major `values`; their count must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative, got \(rows)×\(columns)")
        precondition(values.count == rows * columns, "\(values.count) values for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The identity matrix of size `n`, scaled by `scale`.
    public static func identity(_ n: Int, scale: Float = 1) -> DenseMatrix {
        var matrix = DenseMatrix(rows: n, columns: n)
        for index in 0..<n { matrix.values[index * n + index] = scale }
        return matrix
    }

    /// Entry (row, column).
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row, without copying.
    public func row(_ index: Int) -> ArraySlice<Float> {
        values[(index * columns)..<((index + 1) * columns)]
    }

    /// The transpose, as a new matrix. O(rows × columns).
    public func transposed() -> DenseMatrix {
        var result = DenseMatrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns { result.values[c * rows + r] = values[r * columns + c] }
        }
        return result
    }
}
