import AisleCore
import Testing

@Suite struct IdentifierTests {
    @Test("ids keep unicode exactly", arguments: ["羽绒服-42", "🧥", "a b", "x/y?z=1"])
    func acceptsUnicode(raw: String) throws {
        #expect(try ItemID(validating: raw, field: "id").rawValue == raw)
    }

    @Test(
        "empty, control-character and oversized ids are rejected",
        arguments: ["", "a\u{0}b", "line\nbreak", String(repeating: "x", count: 257)]
    )
    func rejects(raw: String) {
        #expect(throws: AisleError.self) { try ItemID(validating: raw, field: "id") }
    }

    @Test("ids compare byte for byte: precomposed and decomposed é are two ids")
    func byteEquality() {
        let precomposed = ItemID("caf\u{E9}")
        let decomposed = ItemID("cafe\u{301}")
        #expect(precomposed != decomposed)
        #expect(Set([precomposed, decomposed]).count == 2)
    }

    @Test("equal ids hash alike however their strings were made (literal, substring, bridged bytes)")
    func hashing() {
        let literal = ItemID("羽绒服-42")
        let fromSubstring = ItemID(String("x羽绒服-42".dropFirst()))
        let fromBytes = ItemID(String(decoding: Array("羽绒服-42".utf8), as: UTF8.self))
        #expect(literal == fromSubstring && literal == fromBytes)
        #expect(literal.hashValue == fromSubstring.hashValue && literal.hashValue == fromBytes.hashValue)
        #expect(Set([literal, fromSubstring, fromBytes]).count == 1)
        #expect(ItemID("ab") != ItemID("abc") && ItemID("ab") != ItemID("ac"))
    }

    @Test("ids order by UTF-8 bytes, as SQLite does")
    func byteOrder() {
        #expect(ItemID("Z") < ItemID("a"))
        #expect(ItemID("a") < ItemID("é"))
        #expect(ItemID("é") < ItemID("羽"))
    }
}
