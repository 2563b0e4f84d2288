import AisleCore
import Crypto
import Foundation

/// The browser apps' files (`Resources/web`), read once at start from the resource bundle beside
/// the binary and kept in memory with a gzip copy and an ETag each: the apps are small (tens of
/// kilobytes), so every answer is a dictionary lookup.
struct WebAssets: Sendable {
    struct File: Sendable {
        let bytes: [UInt8]
        /// nil when compressing does not make it smaller.
        let gzipped: [UInt8]?
        let contentType: String
        /// Quoted, without the `-gz` suffix the compressed copy's tag gets.
        let tag: String
    }

    /// By path under `web/`, e.g. `storefront/app.js`.
    let files: [String: File]

    /// Files by path (tests build their own set; the server reads the bundle).
    init(files: [String: [UInt8]]) {
        var built: [String: File] = [:]
        for (path, bytes) in files {
            let digest = Hex.string(SHA256.hash(data: bytes).prefix(12))
            let gzipped = Gzip.compress(bytes).flatMap { $0.count < bytes.count ? $0 : nil }
            built[path] = File(bytes: bytes, gzipped: gzipped, contentType: Self.contentType(of: path), tag: digest)
        }
        self.files = built
    }

    /// The files of `web/` in the server's resource bundle, read once per process; nil when
    /// the bundle is not beside the binary (the apps are then not served, and the server says
    /// why).
    static let installed: WebAssets? = bundled()

    private static func bundled() -> WebAssets? {
        guard let root = ServerResources.folder(named: "web") else { return nil }
        var files: [String: [UInt8]] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: root.path) else { return nil }
        while let relative = walker.nextObject() as? String {
            let url = root.appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue,
                !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                let data = manager.contents(atPath: url.path)
            else { continue }
            files[relative] = [UInt8](data)
        }
        return files.isEmpty ? nil : WebAssets(files: files)
    }

    static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json", "webmanifest": "application/json"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}

/// The server's resource bundle (`aisle_AisleServer.resources`), found beside the binary.
enum ServerResources {
    /// A file or folder in the bundle; nil when the bundle is not installed. Not
    /// `Bundle.module`: its generated accessor calls fatalError when the bundle is missing (a
    /// binary copied without it), and a missing document must not crash serving.
    static func folder(named name: String) -> URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            executable.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.resourceURL,
        ].compactMap { $0 }
        for folder in candidates {
            for bundle in ["aisle_AisleServer.resources", "aisle_AisleServer.bundle"] {
                let url = folder.appendingPathComponent(bundle).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
        }
        return nil
    }
}
