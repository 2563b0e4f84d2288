import AisleCore
import Foundation
import Testing

@Suite struct ItemBodyTests {
    func validate(_ json: String, pathID: String? = "i1") throws -> Item {
        try Wire.decode(ItemBody.self, from: Data(json.utf8)).validated(pathID: pathID)
    }

    func errorField(_ json: String, pathID: String? = "i1") -> String? {
        do {
            _ = try validate(json, pathID: pathID)
            return "no error"
        } catch let error as AisleError {
            return error.field
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("category paths get one canonical spelling")
    func canonicalCategories() throws {
        let item = try validate(
            #"{"title":"Down jacket","categories":["Clothing>Jackets >  Down","Clothing > Jackets > Down"]}"#
        )
        #expect(item.categories == ["Clothing > Jackets > Down"])
    }

    @Test("CJK and emoji titles are kept byte for byte")
    func unicodeTitle() throws {
        let title = "这件羽绒服质量很好 🧥 é\u{301}"
        let json = try String(decoding: JSONEncoder().encode(["title": title]), as: UTF8.self)
        let item = try validate(json)
        #expect(Array(item.title.utf8) == Array(title.utf8))
    }

    @Test("in_stock defaults to true and hidden to false; attributes keep arrays of scalars")
    func defaults() throws {
        let item = try validate(#"{"title":"t","attributes":{"sizes":["S","M"],"waterproof":true,"weight_g":850}}"#)
        #expect(item.inStock)
        #expect(!item.hidden)
        #expect(try validate(#"{"title":"t","hidden":true}"#).hidden)
        #expect(item.attributes["sizes"] == .array([.string("S"), .string("M")]))
    }

    @Test(
        "invalid items name the field at fault",
        arguments: [
            (#"{}"#, "title"),
            (#"{"title":"  "}"#, "title"),
            (#"{"title":"t","price":-3}"#, "price"),
            (#"{"title":"t","price":"3"}"#, "price"),
            (#"{"title":"t","currency":"euro"}"#, "currency"),
            (#"{"title":"t","categories":["Clothing >  > Down"]}"#, "categories[0]"),
            (#"{"title":"t","categories":"Clothing"}"#, "categories"),
            (#"{"title":"t","attributes":{"dims":{"w":1}}}"#, "attributes.dims"),
            (#"{"title":"t","attributes":{"x":null}}"#, "attributes.x"),
            (#"{"title":"t","attributes":{"x":[[1]]}}"#, "attributes.x"),
            (#"{"title":"t","image_url":"ftp://x/y.png"}"#, "image_url"),
            (#"{"title":"t","in_stock":"yes"}"#, "in_stock"),
            (#"{"title":"t","hidden":1}"#, "hidden"),
            (#"{"title":"t","tags":["ok",""]}"#, "tags[1]"),
            (#"{"title":"t","id":"other"}"#, "id"),
            (#"{"title":"t","updated_at":"2026-11-26T06:00:00Z"}"#, "updated_at"),
            (#"{"title":"t","pirce":3}"#, "pirce"),
        ]
    )
    func invalid(json: String, field: String) {
        #expect(errorField(json) == field)
    }

    @Test("a batch row needs an id in the body")
    func batchRowNeedsID() {
        #expect(errorField(#"{"title":"t"}"#, pathID: nil) == "id")
    }
}
