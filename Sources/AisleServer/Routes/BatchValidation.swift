import AisleCore

/// Validation of batch upserts, shared by items and users.
enum BatchValidation {
    /// The valid rows and the errors of the others. When two rows share an id, the later one
    /// wins, as two PUTs in a row would.
    static func rows<Body: Sendable, Value, ID: Hashable>(
        _ rows: [BatchRow<Body>],
        field: String,
        maxRows: Int,
        id: (Value) -> ID,
        validate: (Body) throws(AisleError) -> Value
    ) throws(AisleError) -> ([Value], [RowError]) {
        guard rows.count <= maxRows else {
            throw .invalid(field, "a batch holds at most \(maxRows) rows, got \(rows.count)")
        }
        var values: [Value] = []
        var errors: [RowError] = []
        var position: [ID: Int] = [:]
        for (index, row) in rows.enumerated() {
            do {
                let value = try validate(try row.result.get())
                if let earlier = position[id(value)] {
                    values[earlier] = value
                } else {
                    position[id(value)] = values.count
                    values.append(value)
                }
            } catch {
                errors.append(RowError(index: index, error: error))
            }
        }
        return (values, errors)
    }
}
