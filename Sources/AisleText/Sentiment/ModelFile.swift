import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing the small model files (sentiment, embedding polarity, intents).
enum ModelFile {
    /// Writes `data` to `path` atomically: to a temporary file beside it, then renamed over it,
    /// so a reader never sees half a model and a failed write leaves the old one.
    static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw TextDataError("\(path): cannot move the model into place (errno \(errno))")
        }
    }
}
