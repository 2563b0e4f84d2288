import Foundation
import Testing

/// The comparison the guide's test relies on: what it forgives and what it must not.
@Suite struct DocsComparisonTests {
    private func differences(_ shown: String, _ got: String) throws -> [String] {
        let expected = try #require(try DocJSON.stream(shown).first?.value)
        let actual = try #require(try DocJSON.stream(got).first?.value)
        return expected.differences(from: actual)
    }

    @Test("stamped times and tokens are compared by presence, not value")
    func volatileFields() throws {
        #expect(
            try differences(#"{"id":"a","updated_at":"2026-01-01T00:00:00.000Z"}"#, #"{"updated_at":"x","id":"a"}"#)
                == []
        )
        #expect(try differences(#"{"token":"ut1.a"}"#, #"{}"#) == [#"token: expected "ut1.a", missing"#])
    }

    @Test("the fields that carry behaviour are compared: ids, counts, messages, extra fields")
    func behaviourFields() throws {
        #expect(try differences(#"{"id":"a"}"#, #"{"id":"b"}"#) == [#"id: expected "a", got "b""#])
        #expect(try differences(#"{"upserted":2}"#, #"{"upserted":3}"#).count == 1)
        #expect(try differences(#"{"n":1}"#, #"{"n":true}"#).count == 1)
        #expect(try differences(#"{"a":[1,2]}"#, #"{"a":[2,1]}"#).count == 2)
        #expect(try differences(#"{"a":1}"#, #"{"a":1,"b":2}"#) == ["b: not shown, got 2"])
    }

    @Test("fractional scores agree within 0.1 %, whole numbers only exactly")
    func tolerance() throws {
        #expect(try differences(#"{"score":0.2041}"#, #"{"score":0.2042}"#) == [])
        #expect(try differences(#"{"score":0.2041}"#, #"{"score":0.25}"#).count == 1)
        #expect(try differences(#"{"t":1795597800000}"#, #"{"t":1795597800001}"#).count == 1)
    }

    @Test("the server's clock inside a message is not compared, the rest of the message is")
    func clockInMessages() throws {
        let shown = #"{"message":"timestamp 2099-01-01T00:00:00.000Z is ahead (server time 2026-11-26T08:35:19.241Z)"}"#
        #expect(try differences(shown, shown.replacingOccurrences(of: "08:35:19.241", with: "09:00:00.000")) == [])
        #expect(try differences(shown, shown.replacingOccurrences(of: "2099", with: "2098")).count == 1)
    }

    @Test("status lines name one status for all commands, or one per command, and keep their note")
    func statusLines() {
        let (codes, suffix) = APIGuide.statuses(in: "→ `404 Not Found`, then `400 Bad Request` (indented here)")
        #expect(codes == [404, 400] && suffix == " (indented here)")
        #expect(APIGuide.statusLine([200, 200], suffix: "") == "→ `200 OK`")
        #expect(APIGuide.statusLine([200, 503], suffix: "") == "→ `200 OK`, then `503 Service Unavailable`")
    }

    @Test("a guide's sh blocks become examples, and only setup lines are skipped")
    func parsing() {
        let guide = APIGuide(
            """
            ## Start
            ```sh
            export AISLE=http://127.0.0.1:8080
            ```
            ### Items
            ```sh
            curl -s "$AISLE/v1/items" -H "$ADMIN"
            ```

            → `200 OK`

            ```json
            {"data":[]}
            ```
            """
        )
        #expect(guide.skipped.count == 1)
        #expect(guide.examples.count == 1)
        #expect(guide.examples.first?.heading == "Items")
        #expect(guide.examples.first?.statuses == [200])
        #expect(guide.examples.first?.answer?.text == #"{"data":[]}"#)
    }
}
