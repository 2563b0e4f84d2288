import AisleCore
import Testing

@Suite struct TimestampTests {
    @Test(
        "RFC 3339 texts parse to the right instant",
        arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2026-11-26T06:50:17Z", 1_795_675_817_000),
            ("2026-11-26T06:50:17.123Z", 1_795_675_817_123),
            ("2026-11-26T06:50:17.1Z", 1_795_675_817_100),
            ("2026-11-26T14:50:17+08:00", 1_795_675_817_000),
            ("2026-11-26t06:50:17z", 1_795_675_817_000),
            ("2026-11-25T22:50:17-08:00", 1_795_675_817_000),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("1969-12-31T23:59:59Z", -1000),
        ]
    )
    func parses(text: String, milliseconds: Int64) throws {
        let parsed = try #require(Timestamp(rfc3339: text))
        #expect(parsed.millisecondsSinceEpoch == milliseconds)
    }

    @Test(
        "malformed date-times are rejected",
        arguments: [
            "", "2026-11-26", "2026-11-26T06:50:17", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T06:60:00Z", "2026-11-26T06:50:17.Z",
            "2026-11-26T06:50:17+0800", "2026-11-26T06:50:17Zjunk", "yesterday at noon", "２０２６-11-26T06:50:17Z",
        ]
    )
    func rejects(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(
        "formatting then parsing gives the same instant",
        arguments: [Int64(0), 1_795_675_817_123, -86_400_001, 253_402_300_799_999]
    )
    func roundTrips(milliseconds: Int64) throws {
        let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
        let reparsed = try #require(Timestamp(rfc3339: timestamp.rfc3339))
        #expect(reparsed == timestamp)
    }

    @Test("formats in UTC with milliseconds")
    func formats() {
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_675_817_005).rfc3339 == "2026-11-26T06:50:17.005Z")
    }
}
