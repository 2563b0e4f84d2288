import Foundation

/// The OpenAPI document, shipped as a resource bundle beside the binary (docs/openapi.yaml
/// links to the source file). A test checks that it and the router list the same routes.
enum OpenAPIDocument {
    /// The document text, or nil when the resource bundle is not beside the binary.
    static let yaml: String? = ServerResources.folder(named: "openapi.yaml").flatMap {
        try? String(contentsOf: $0, encoding: .utf8)
    }
}
