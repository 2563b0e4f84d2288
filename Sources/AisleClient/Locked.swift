import Foundation

/// A value behind a lock, for the client's short critical sections. `Mutex` would do, but it
/// needs iOS 18 / macOS 15 and the client supports iOS 16.
final class Locked<Value>: @unchecked Sendable {
    // Sendable because `value` is only touched inside `withLock`, under `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
