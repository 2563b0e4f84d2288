import AisleCore
import Foundation
import Testing

/// The fast event decoder must agree with JSONDecoder wherever it answers, and decline
/// whatever JSONDecoder rejects.
@Suite struct EventBodyFastDecodingTests {
    static let lines: [String] = [
        #"{"event_id":"e1","type":"view","user_id":"u1","device_id":"d1","item_id":"i1","device":{"platform":"ios"},"timestamp":1767225697126}"#,
        #"  { "type" : "rate" , "user_id" : "u" , "item_id" : "i" , "value" : 4.5 }  "#,
        #"{"type":"search","device_id":"d","query":"羽绒服 红色 🧥","timestamp":"2026-11-01T10:00:00+08:00"}"#,
        #"{"type":"purchase","user_id":"u","item_id":"i","value":2,"session_id":"s","device":{"platform":"android","model":"Pixel 8","app_version":"3.1.0"}}"#,
        #"{"type":"x_opened_push","user_id":"u","context":{"campaign":"winter","slot":3,"tags":["a",true,-1.5e3],"nested":{"k":false}}}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":-0.0}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":1E+2}"#,
        #"{"type":"view","user_id":"u","item_id":"i","device":{}}"#,
        #"{}"#,
        // Declined by the fast path; JSONDecoder decides.
        #"{"type":"view","user_id":"u\"quoted","item_id":"i"}"#,
        #"{"type":"view","user_id":"\u00e9","item_id":"i"}"#,
        #"{"type":"view","user_id":null,"item_id":"i"}"#,
        #"{"type":"view","user_id":"u","item_id":"i","colour":"red"}"#,
        #"{"type":"view","user_id":"u","user_id":"v","item_id":"i"}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":01}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":1.}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":.5}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":"3"}"#,
        #"{"type":"view","user_id":"u","item_id":"i","value":1e999}"#,
        #"{"type":"view","user_id":"u","item_id":"i","timestamp":1700000000}"#,
        #"{"type":"view","user_id":"u","item_id":"i","timestamp":"yesterday"}"#,
        #"{"type":"view","user_id":"u","item_id":"i"} trailing"#,
        #"{"type":"view","user_id":"u","item_id":"i",}"#,
        #"{"type":"view","user_id":"u","item_id":"i""#,
        #"{"type":"view","user_id":"u","item_id":7}"#,
        #"{"type":"view","user_id":"u","item_id":"i","context":[1]}"#,
        #"{"type":"view","user_id":"u","item_id":"i","received_at":"2026-11-01T10:00:00Z"}"#,
        "[1,2]", "null", "", "   ",
    ]

    static func slow(_ line: String) -> EventBody? {
        try? Wire.decode(EventBody.self, from: Data(line.utf8))
    }

    @Test("wherever the fast path answers, it gives what JSONDecoder gives", arguments: lines)
    func agrees(line: String) {
        guard let fast = EventBody.fastDecode(Array(line.utf8)[...]) else { return }
        #expect(fast == Self.slow(line))
    }

    @Test("whatever JSONDecoder rejects, the fast path declines", arguments: lines)
    func declines(line: String) {
        if Self.slow(line) == nil {
            #expect(EventBody.fastDecode(Array(line.utf8)[...]) == nil)
        }
    }

    @Test("the common shapes take the fast path", arguments: lines.prefix(9))
    func takesFastPath(line: String) {
        #expect(EventBody.fastDecode(Array(line.utf8)[...]) != nil)
    }

    @Test("a context nested a million deep is declined by the fast path and rejected, without a crash")
    func deepNesting() {
        let deep = #"{"type":"x_a","user_id":"u","context":{"a":"# + String(repeating: "[", count: 1_000_000)
        #expect(EventBody.fastDecode(Array(deep.utf8)[...]) == nil)
        #expect(throws: AisleError.self) { try EventsRequestBody.decode(Array(deep.utf8)) }
    }

    @Test("a context deeper than 16 levels is rejected even when it parses")
    func nestingLimit() throws {
        let nested = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        let body = try Wire.decode(
            EventBody.self,
            from: Data(#"{"type":"x_a","user_id":"u","context":{"a":\#(nested)}}"#.utf8)
        )
        #expect(throws: AisleError.self) {
            try body.validated(now: Timestamp(millisecondsSinceEpoch: 1_795_675_817_000))
        }
    }

    @Test("a batch body decodes fast when every row is plain, else row by row with errors")
    func batches() throws {
        let plain = #"{"events":[\#(Self.lines[0]),\#(Self.lines[1])]}"#
        guard case .batch(let rows) = try EventsRequestBody.decode(Array(plain.utf8)) else {
            Issue.record("expected a batch")
            return
        }
        #expect(
            rows.compactMap { try? $0.result.get() }
                == [Self.slow(Self.lines[0]), Self.slow(Self.lines[1])].compactMap { $0 }
        )
        let mixed = #"{"events":[\#(Self.lines[0]),{"type":"view","user_id":"u","item_id":7}]}"#
        guard case .batch(let mixedRows) = try EventsRequestBody.decode(Array(mixed.utf8)) else {
            Issue.record("expected a batch")
            return
        }
        #expect((try? mixedRows[0].result.get()) != nil)
        guard case .failure(let error) = mixedRows[1].result else {
            Issue.record("row 1 must fail")
            return
        }
        #expect(error.field == "item_id")
        #expect(throws: AisleError.self) { try EventsRequestBody.decode(Array("{".utf8)) }
    }
}
