import CZlib
public import Foundation

/// Reads a gzip file (or a plain one: zlib passes uncompressed files through) into memory.
public enum GzipFile {
    /// The decompressed bytes of `path`. Throws `TextDataError` when the file cannot be opened or
    /// is corrupt.
    public static func read(_ path: String) throws -> Data {
        guard let file = gzopen(path, "rb") else { throw TextDataError("\(path): cannot open") }
        defer { gzclose(file) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if count < 0 { throw TextDataError("\(path): not a readable gzip file") }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<Int(count)])
        }
        return data
    }
}

/// A problem with a text dataset file; the message names the file and line.
public struct TextDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, and where.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }

    /// The encoder's weights are not where they were looked for.
    public static let missingModel = TextDataError("the text encoder's model is missing; run make models")
}
