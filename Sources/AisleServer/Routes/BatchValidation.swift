import AisleCore

/// The one loop every batch route validates its rows with: a bad row becomes a `RowError`
/// naming its position, the rest go on.
enum BatchValidation {
    /// The valid rows of a batch, with their positions in it, and the errors of the others.
    struct Rows<Value> {
        var values: [Value]
        /// `positions[i]` is the index in the request of `values[i]`.
        var positions: [Int]
        var errors: [RowError]
    }

    /// Validates every row, keeping each valid one in order (events: the store itself drops
    /// repeated event ids, and their order is the order they happened in).
    static func rows<Body: Sendable, Value>(
        _ rows: [BatchRow<Body>],
        field: String,
        maxRows: Int,
        validate: (Body) throws(AisleError) -> Value
    ) throws(AisleError) -> Rows<Value> {
        guard rows.count <= maxRows else {
            throw .invalid(field, "a batch holds at most \(maxRows) rows, got \(rows.count)")
        }
        var valid = Rows<Value>(values: [], positions: [], errors: [])
        valid.values.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            do {
                valid.values.append(try validate(try row.result.get()))
                valid.positions.append(index)
            } catch {
                valid.errors.append(RowError(index: index, error: error))
            }
        }
        return valid
    }

    /// The same for upserts: when two rows share an id, the later one wins, in the earlier
    /// one's place, as two PUTs in a row would.
    static func rows<Body: Sendable, Value, ID: Hashable>(
        _ rows: [BatchRow<Body>],
        field: String,
        maxRows: Int,
        id: (Value) -> ID,
        validate: (Body) throws(AisleError) -> Value
    ) throws(AisleError) -> Rows<Value> {
        let all = try Self.rows(rows, field: field, maxRows: maxRows, validate: validate)
        var kept = Rows<Value>(values: [], positions: [], errors: all.errors)
        var slot: [ID: Int] = [:]
        for (value, position) in zip(all.values, all.positions) {
            if let earlier = slot[id(value)] {
                kept.values[earlier] = value
                kept.positions[earlier] = position
            } else {
                slot[id(value)] = kept.values.count
                kept.values.append(value)
                kept.positions.append(position)
            }
        }
        return kept
    }
}
