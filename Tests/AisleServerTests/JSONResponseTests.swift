import AisleCore
import Hummingbird
import Testing

@testable import AisleServer

/// Answers as JSON: a value JSON cannot carry is a logged 500 for that request, not a crash.
@Suite struct JSONResponseTests {
    struct Figure: Encodable {
        var value: Double
    }

    @Test("a finite answer is 200 with its ETag; a non-finite one is the internal error, and the server goes on")
    func nonFinite() async throws {
        let fine = JSONResponse.encoded(Figure(value: 1.5))
        #expect(fine.status == .ok && fine.headers[.eTag] != nil)
        for value in [Double.nan, .infinity, -.infinity] {
            let response = JSONResponse.encoded(Figure(value: value))
            #expect(response.status == .internalServerError)
            #expect(response.headers[.eTag] == nil)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        }
        #expect(Figure(value: .nan).value.finiteForJSON == 0)
        #expect(Figure(value: .infinity).value.finiteForJSON == .greatestFiniteMagnitude)
    }
}
