public import AisleCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a data folder (`aisle.lock`), held while a server or an import writes
/// to it: the store's ingest caches assume one writing process. Released when the process
/// exits, however it exits (the kernel drops `flock` locks with the file descriptor).
public final class DataDirectoryLock: Sendable {
    let descriptor: Int32

    /// Takes the lock or throws `unavailable` naming what to do instead.
    public init(directory: String) throws {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("aisle.lock")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw AisleError(code: .unavailable, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AisleError(
                code: .unavailable,
                message:
                    "another aisle process (a server or an import) is using \(directory); stop it, or import through it with --url and --key"
            )
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
