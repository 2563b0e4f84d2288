import Foundation

/// Runs the guide's shell examples with /bin/bash as a reader would, against one server.
struct ExampleRunner {
    /// What one example printed, and the status of each HTTP request it made, in order.
    struct Run {
        var statuses: [Int]
        var output: String
        var errors: String
    }

    /// `curl` becomes a function that also reports each status on standard error, so the
    /// guide's commands stay as a reader copies them (pipes included) and the body stays alone
    /// on standard output. The newline after each body keeps the answers of a multi-command
    /// example apart even when the server sends none.
    static let prelude = #"""
        curl() {
            command curl -w '%{stderr}\nAISLE-DOCS-STATUS %{http_code}\n' "$@"
            local status=$?
            printf '\n'
            return $status
        }

        """#

    static let marker = "AISLE-DOCS-STATUS "

    var environment: [String: String]
    var folder: String

    init(baseURL: String, adminKey: String, ingestKey: String) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["AISLE"] = baseURL
        environment["ADMIN"] = "Authorization: Bearer \(adminKey)"
        environment["INGEST"] = "Authorization: Bearer \(ingestKey)"
        self.environment = environment
        folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func run(_ command: String) throws -> Run {
        let outputPath = (folder as NSString).appendingPathComponent("stdout")
        let errorPath = (folder as NSString).appendingPathComponent("stderr")
        // Files, not pipes: a big answer cannot fill a pipe and stall bash while nobody reads.
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", Self.prelude + command]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        process.waitUntilExit()
        let output = try String(contentsOfFile: outputPath, encoding: .utf8)
        let errors = try String(contentsOfFile: errorPath, encoding: .utf8)
        var statuses: [Int] = []
        var other: [Substring] = []
        for line in errors.split(separator: "\n") {
            if line.hasPrefix(Self.marker), let code = Int(line.dropFirst(Self.marker.count)) {
                statuses.append(code)
            } else {
                other.append(line)
            }
        }
        return Run(statuses: statuses, output: output, errors: other.joined(separator: "\n"))
    }
}
