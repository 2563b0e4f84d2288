import Foundation
import Hummingbird
import Testing

@testable import AisleServer

/// docs/openapi.yaml and the router must describe the same routes.
@Suite struct OpenAPIDocumentTests {
    /// "METHOD /path" for every operation under `paths:` (2-space paths, 4-space methods).
    static func documentedRoutes(_ yaml: String) -> Set<String> {
        var routes: Set<String> = []
        var inPaths = false
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " ", first != "#" { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "put", "post", "delete", "patch"].contains(String(key)) {
                    routes.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return routes
    }

    @Test("every routed endpoint is documented and every documented one is routed")
    func routesMatch() async throws {
        let api = try TestAPI()
        // The browser apps' pages are not API routes.
        let routed = Set(api.router.routes.map { "\($0.method) \($0.path)" }).subtracting(WebRoutes.routes)
        let yaml = try await servedDocument(api)
        let documented = Self.documentedRoutes(yaml)
        #expect(!documented.isEmpty)
        #expect(routed.subtracting(documented).sorted() == [], "routed but not documented")
        #expect(documented.subtracting(routed).sorted() == [], "documented but not routed")
    }

    @Test("the served document is docs/openapi.yaml")
    func servesTheDocsFile() async throws {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        let onDisk = try String(contentsOf: docs, encoding: .utf8)
        #expect(try await servedDocument(TestAPI()) == onDisk)
    }

    func servedDocument(_ api: TestAPI) async throws -> String {
        let box = TextBox()
        try await api.run { caller in
            box.text = try await caller.call(.get, "/v1/openapi.yaml", key: .none).text
        }
        return box.text
    }
}

/// Carries a value out of a @Sendable test closure.
final class TextBox: @unchecked Sendable {
    // Written once inside `run` and read after it returns; never shared concurrently.
    var text = ""
}
