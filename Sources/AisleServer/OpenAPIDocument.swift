import Foundation

/// The OpenAPI document, shipped as a resource bundle beside the binary (docs/openapi.yaml
/// links to the source file). A test checks that it and the router list the same routes.
enum OpenAPIDocument {
    /// The document text, or nil when the resource bundle is not beside the binary.
    static let yaml: String? = {
        // Not `Bundle.module`: its generated accessor calls fatalError when the bundle is
        // missing (a binary copied without its bundle), and a missing doc must not crash serving.
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            executable.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.resourceURL,
        ].compactMap { $0 }
        for folder in candidates {
            for bundle in ["aisle_AisleServer.resources", "aisle_AisleServer.bundle"] {
                let url = folder.appendingPathComponent(bundle).appendingPathComponent("openapi.yaml")
                if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
            }
        }
        return nil
    }()
}
