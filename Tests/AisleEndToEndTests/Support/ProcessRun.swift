import Foundation

/// What a finished command printed (standard output and error together) and its exit status.
struct ProcessRun {
    var status: Int32
    var output: String

    /// Runs `executable` with `arguments` to its end.
    static func run(
        _ executable: String,
        _ arguments: [String],
        in folder: String? = nil,
        environment: [String: String] = [:]
    ) throws -> ProcessRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // A command on a data folder uses the folder's database when the suite runs on PostgreSQL.
        if let position = arguments.firstIndex(of: "--data"), position + 1 < arguments.count,
            case let data = arguments[position + 1],
            let store = try ServerProcess.suiteDatabase(
                for: data.hasPrefix("/") ? data : ((folder ?? FileManager.default.currentDirectoryPath) + "/" + data)
            )
        {
            process.environment?["AISLE_STORE"] = store
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessRun(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
