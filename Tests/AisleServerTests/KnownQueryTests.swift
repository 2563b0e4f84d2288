import Hummingbird
import Testing

@testable import AisleServer

/// Every route declares the query parameters it reads, so unknown ones can be refused.
@Suite struct KnownQueryTests {
    @Test("every route of the router is in the table of known query parameters")
    func everyRouteListed() throws {
        let api = try TestAPI()
        // The browser apps' pages are not API routes.
        let routed = Set(api.router.routes.map { "\($0.method) \($0.path)" }).subtracting(WebRoutes.routes)
        let listed = Set(KnownQuery.parameters.keys)
        #expect(routed.subtracting(listed).sorted() == [], "routes missing from KnownQuery.parameters")
        #expect(listed.subtracting(routed).sorted() == [], "KnownQuery.parameters lists routes that do not exist")
    }
}
