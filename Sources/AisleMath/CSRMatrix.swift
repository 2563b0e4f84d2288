/// A sparse matrix in compressed sparse row form: the user × item interaction matrix, item
/// neighbour lists, transition counts.
///
/// Row `r`'s entries are `columnIndices[rowStarts[r]..<rowStarts[r + 1]]` with the matching
/// `values`, columns ascending and unique. Memory is (rows + 1) × 8 + entries × 8 bytes.
public struct CSRMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Where each row starts in `columnIndices`/`values`; `rows + 1` entries, the last is the entry count.
    public let rowStarts: [Int]
    /// Column of each stored entry, ascending within a row.
    public let columnIndices: [Int32]
    /// Value of each stored entry.
    public let values: [Float]

    /// One stored entry, for building a matrix. 12 bytes (32-bit indices): builders hold tens of
    /// millions of these at once.
    public struct Entry: Sendable, Equatable {
        private let rowIndex: Int32
        private let columnIndex: Int32
        /// Value; entries at the same position are added together.
        public var value: Float

        /// Row index.
        public var row: Int { Int(rowIndex) }
        /// Column index.
        public var column: Int { Int(columnIndex) }

        /// An entry at (row, column); both must fit in 32 bits.
        public init(row: Int, column: Int, value: Float) {
            precondition(
                row >= 0 && row <= Int(Int32.max) && column >= 0 && column <= Int(Int32.max),
                "index out of range"
            )
            self.rowIndex = Int32(truncatingIfNeeded: row)
            self.columnIndex = Int32(truncatingIfNeeded: column)
            self.value = value
        }
    }

    /// Builds a matrix from entries in any order; entries at the same position are summed.
    /// O(entries + rows) with a counting sort by row, then a sort within each row.
    public init(rows: Int, columns: Int, entries: [Entry]) {
        precondition(rows >= 0 && columns >= 0, "matrix shape must be non-negative")
        var counts = [Int](repeating: 0, count: rows + 1)
        for entry in entries {
            precondition(entry.row >= 0 && entry.row < rows, "row \(entry.row) outside 0..<\(rows)")
            precondition(entry.column >= 0 && entry.column < columns, "column \(entry.column) outside 0..<\(columns)")
            counts[entry.row + 1] += 1
        }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        var cursor = counts
        var unsortedColumns = [Int32](repeating: 0, count: entries.count)
        var unsortedValues = [Float](repeating: 0, count: entries.count)
        for entry in entries {
            let slot = cursor[entry.row]
            unsortedColumns[slot] = Int32(entry.column)
            unsortedValues[slot] = entry.value
            cursor[entry.row] += 1
        }
        var starts = [Int](repeating: 0, count: rows + 1)
        var columnsOut: [Int32] = []
        var valuesOut: [Float] = []
        columnsOut.reserveCapacity(entries.count)
        valuesOut.reserveCapacity(entries.count)
        var order: [Int] = []
        for r in 0..<rows {
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: counts[r]..<counts[r + 1])
            order.sort { unsortedColumns[$0] < unsortedColumns[$1] }
            for slot in order {
                if let last = columnsOut.last, columnsOut.count > starts[r], last == unsortedColumns[slot] {
                    valuesOut[valuesOut.count - 1] += unsortedValues[slot]
                } else {
                    columnsOut.append(unsortedColumns[slot])
                    valuesOut.append(unsortedValues[slot])
                }
            }
            starts[r + 1] = columnsOut.count
        }
        self.init(rows: rows, columns: columns, rowStarts: starts, columnIndices: columnsOut, values: valuesOut)
    }

    /// Wraps arrays that are already in CSR form (checked: shapes and ascending unique columns).
    public init(rows: Int, columns: Int, rowStarts: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowStarts.count == rows + 1, "rowStarts needs rows + 1 entries")
        precondition(columnIndices.count == values.count, "one value per column index")
        precondition(rowStarts.first == 0 && rowStarts.last == values.count, "rowStarts must span the entries")
        self.rows = rows
        self.columns = columns
        self.rowStarts = rowStarts
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Number of stored entries.
    public var entryCount: Int { values.count }

    /// Number of stored entries in row `r`.
    public func count(ofRow r: Int) -> Int { rowStarts[r + 1] - rowStarts[r] }

    /// The storage range of row `r` in `columnIndices` and `values`.
    public func range(ofRow r: Int) -> Range<Int> { rowStarts[r]..<rowStarts[r + 1] }

    /// Value at (row, column), 0 when not stored. O(log entries in the row).
    public subscript(row: Int, column: Int) -> Float {
        var low = rowStarts[row]
        var high = rowStarts[row + 1]
        let target = Int32(column)
        while low < high {
            let middle = (low + high) / 2
            if columnIndices[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low < rowStarts[row + 1] && columnIndices[low] == target ? values[low] : 0
    }

    /// The transpose (item × user from user × item). O(entries + rows + columns); columns stay sorted.
    public func transposed() -> CSRMatrix {
        var starts = [Int](repeating: 0, count: columns + 1)
        for column in columnIndices { starts[Int(column) + 1] += 1 }
        for c in 0..<columns { starts[c + 1] += starts[c] }
        var cursor = starts
        var outColumns = [Int32](repeating: 0, count: entryCount)
        var outValues = [Float](repeating: 0, count: entryCount)
        // Rows are visited in order, so each transposed row's columns come out ascending.
        for r in 0..<rows {
            for slot in range(ofRow: r) {
                let c = Int(columnIndices[slot])
                outColumns[cursor[c]] = Int32(r)
                outValues[cursor[c]] = values[slot]
                cursor[c] += 1
            }
        }
        return CSRMatrix(rows: columns, columns: rows, rowStarts: starts, columnIndices: outColumns, values: outValues)
    }

    /// The dense copy; for small matrices (EASE's Gram matrix, tests).
    public func dense() -> DenseMatrix {
        var result = DenseMatrix(rows: rows, columns: columns)
        for r in 0..<rows {
            for slot in range(ofRow: r) { result.values[r * columns + Int(columnIndices[slot])] = values[slot] }
        }
        return result
    }
}
