import AisleCore
import Foundation

/// Bad rows with their line number and reason, as JSON Lines; created on the first reject.
final class RejectsFile {
    let path: String
    private var handle: FileHandle?
    private(set) var count = 0

    init(path: String) {
        self.path = path
    }

    func add(line: Int, error: AisleError, text: ArraySlice<UInt8>) throws {
        var record: [String: JSONValue] = [
            "line": .number(Double(line)),
            "code": .string(error.code.rawValue),
            "message": .string(error.message),
            "row": .string(String(decoding: text.prefix(4096), as: UTF8.self)),
        ]
        if let field = error.field { record["field"] = .string(field) }
        try add(record: record)
    }

    /// Writes one record (a JSON object) as a line.
    func add(record: [String: JSONValue]) throws {
        if handle == nil {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let opened = FileHandle(forWritingAtPath: path) else {
                throw ImportFailure("cannot write the rejects file \(path)")
            }
            handle = opened
        }
        handle?.write(Data((JSONValue.object(record).jsonText + "\n").utf8))
        count += 1
    }

    func close() {
        try? handle?.close()
    }
}
