import Foundation

/// The OpenAPI document, shipped as a resource (docs/openapi.yaml links to it). A test checks
/// that every route in it exists in the router and the other way round.
enum OpenAPIDocument {
    static let yaml: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            return "# openapi.yaml was not found beside the aisle binary; see docs/openapi.yaml in the source\n"
        }
        return text
    }()
}
