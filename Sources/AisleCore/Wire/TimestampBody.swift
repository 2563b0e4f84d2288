/// A timestamp on the wire: RFC 3339 text or epoch milliseconds in, RFC 3339 (UTC, ms) out.
public struct TimestampBody: Codable, Sendable, Equatable {
    public var timestamp: Timestamp

    public init(_ timestamp: Timestamp) {
        self.timestamp = timestamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let field = jsonPath(decoder.codingPath)
        if let text = try? container.decode(String.self) {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw AisleError.invalid(
                    field,
                    "expected an RFC 3339 date-time like \"2026-11-26T06:50:17Z\" or epoch milliseconds, got \"\(text.prefix(64))\""
                )
            }
            timestamp = parsed
        } else if let number = try? container.decode(Double.self) {
            guard number.isFinite, number >= 0, number <= 253_402_300_799_999 else {
                throw AisleError.invalid(field, "epoch milliseconds must be between 0 and 253402300799999")
            }
            // Below 1e11 ms is before March 1973: almost surely epoch seconds sent by mistake.
            if number < 100_000_000_000 {
                throw AisleError.invalid(
                    field,
                    "\(JSONValue.format(number)) looks like epoch seconds; send epoch milliseconds or RFC 3339"
                )
            }
            timestamp = Timestamp(millisecondsSinceEpoch: Int64(number))
        } else {
            throw AisleError.invalid(field, "expected an RFC 3339 date-time string or epoch milliseconds")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(timestamp.rfc3339)
    }
}
