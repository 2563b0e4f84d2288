import AisleCore
import Foundation
import Testing

@Suite struct EventBodyTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_795_675_817_000)

    func validate(_ json: String) throws -> Event {
        try Wire.decode(EventBody.self, from: Data(json.utf8)).validated(now: now)
    }

    func error(_ json: String) -> AisleError? {
        do {
            _ = try validate(json)
            return nil
        } catch let error as AisleError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test("a full event decodes with every field")
    func fullEvent() throws {
        let event = try validate(
            #"{"event_id":"e1","type":"purchase","user_id":"u1","device_id":"d1","item_id":"i1","value":2,"session_id":"s1","device":{"platform":"ios","model":"iPhone15,2","app_version":"3.1"},"timestamp":"2026-11-26T06:00:00Z","context":{"page":"home","slot":3}}"#
        )
        #expect(event.eventID == EventID("e1"))
        #expect(event.type == .purchase)
        #expect(event.value == 2)
        #expect(event.device.platform == .ios)
        #expect(event.timestamp == Timestamp(rfc3339: "2026-11-26T06:00:00Z"))
        #expect(event.context?["slot"] == .number(3))
    }

    @Test("a missing timestamp means now; epoch milliseconds are accepted")
    func timestamps() throws {
        #expect(try validate(#"{"type":"view","user_id":"u","item_id":"i"}"#).timestamp == now)
        #expect(
            try validate(#"{"type":"view","user_id":"u","item_id":"i","timestamp":1700000000123}"#).timestamp
                .millisecondsSinceEpoch == 1_700_000_000_123
        )
    }

    @Test("custom x_ types are accepted without an item")
    func customType() throws {
        #expect(try validate(#"{"type":"x_opened_push","device_id":"d"}"#).type.rawValue == "x_opened_push")
    }

    @Test(
        "invalid events name the field at fault",
        arguments: [
            (#"{"user_id":"u","item_id":"i"}"#, "type"),
            (#"{"type":"teleport","user_id":"u","item_id":"i"}"#, "type"),
            (#"{"type":"x_Bad-Name","user_id":"u"}"#, "type"),
            (#"{"type":"view","item_id":"i"}"#, "user_id"),
            (#"{"type":"view","user_id":"u"}"#, "item_id"),
            (#"{"type":"rate","user_id":"u","item_id":"i"}"#, "value"),
            (#"{"type":"rate","user_id":"u","item_id":"i","value":6}"#, "value"),
            (#"{"type":"rate","user_id":"u","item_id":"i","value":0}"#, "value"),
            (#"{"type":"purchase","user_id":"u","item_id":"i","value":1.5}"#, "value"),
            (#"{"type":"add_to_cart","user_id":"u","item_id":"i","value":-1}"#, "value"),
            (#"{"type":"search","user_id":"u"}"#, "query"),
            (#"{"type":"search","user_id":"u","query":"   "}"#, "query"),
            (#"{"type":"view","user_id":"","item_id":"i"}"#, "user_id"),
            (#"{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-11-28T07:00:00Z"}"#, "timestamp"),
            (#"{"type":"view","user_id":"u","item_id":"i","timestamp":"last tuesday"}"#, "timestamp"),
            (#"{"type":"view","user_id":"u","item_id":"i","timestamp":-5}"#, "timestamp"),
            (#"{"type":"view","user_id":"u","item_id":"i","device":{"platform":"symbian"}}"#, "device.platform"),
            (#"{"type":"view","user_id":"u","item_id":"i","device":{"os":"ios"}}"#, "device.os"),
            (#"{"type":"view","user_id":"u","item_id":"i","colour":"red"}"#, "colour"),
            (#"{"type":"view","user_id":"u","item_id":"i","received_at":"2026-11-26T06:00:00Z"}"#, "received_at"),
            (#"{"type":"view","user_id":42,"item_id":"i"}"#, "user_id"),
            (#"{"type":"view","user_id":"u","item_id":"i","value":"3"}"#, "value"),
            (#"{"type":"view","user_id":"u","item_id":"i","context":[1,2]}"#, "context"),
        ]
    )
    func invalid(json: String, field: String) {
        let error = error(json)
        #expect(error?.code == .invalidField)
        #expect(error?.field == field)
    }

    @Test("malformed JSON is invalid_json, not a field error", arguments: ["{", "[", "nope", "{\"type\":}", ""])
    func malformed(json: String) {
        #expect(error(json)?.code == .invalidJSON)
    }

    @Test("a batch keeps good rows and reports bad ones with their index and a row-relative field")
    func batchRows() throws {
        let json =
            #"{"events":[{"type":"view","user_id":"u","item_id":"i"},{"type":"view","user_id":"u","item_id":7},{"type":"view","user_id":"u","item_id":"i","bogus":1}]}"#
        guard case .batch(let rows) = try Wire.decode(EventsRequestBody.self, from: Data(json.utf8)) else {
            Issue.record("expected a batch")
            return
        }
        #expect(rows.count == 3)
        #expect((try? rows[0].result.get()) != nil)
        guard case .failure(let typeError) = rows[1].result, case .failure(let unknownError) = rows[2].result else {
            Issue.record("rows 1 and 2 must fail")
            return
        }
        #expect(typeError.field == "item_id")
        #expect(unknownError.field == "bogus")
    }
}
