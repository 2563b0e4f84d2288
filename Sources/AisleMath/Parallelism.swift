import Dispatch
import Foundation
import Synchronization

/// How many threads the engine's numeric work uses: training loops and batch scoring split their
/// work over this many workers, and OpenBLAS is told the same count (`BLAS.setThreads`).
///
/// Passed down by value from the configuration; nothing reads a global.
public struct Parallelism: Sendable, Equatable {
    /// Worker threads, at least 1.
    public let threads: Int

    /// `threads` workers; values below 1 become 1.
    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// One worker per processor the machine reports (2 on the project's standard machine).
    public static var machine: Parallelism {
        Parallelism(threads: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Single-threaded: for tests and for work too small to split.
    public static let serial = Parallelism(threads: 1)

    /// Runs `body` over `0..<count` split into contiguous ranges of about `chunk` indices, on at
    /// most `threads` workers, and returns when all are done.
    ///
    /// Ranges are disjoint, so a body may write to its own part of a shared output buffer. Workers
    /// take the next range from a shared counter, so an uneven range (a heavy user, a popular
    /// item) does not leave a core idle.
    public func forEachRange(of count: Int, chunk: Int = 256, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunkSize = max(1, chunk)
        let chunks = (count + chunkSize - 1) / chunkSize
        let workers = min(threads, chunks)
        if workers == 1 {
            body(0..<count)
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < chunks else { return }
                let start = index * chunkSize
                body(start..<min(count, start + chunkSize))
            }
        }
    }
}
