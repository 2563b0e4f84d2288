import Foundation
import Synchronization
import Testing

@testable import AisleText

/// The helpers that split a single query's products with the caller.
@Suite struct QueryWorkersTests {
    /// Runs `jobs` jobs of `parts` parts and returns how often each part of each job ran.
    static func counts(_ workers: QueryWorkers, jobs: Int, parts: Int) -> [Int] {
        let counts = Mutex([Int](repeating: 0, count: jobs * parts))
        for job in 0..<jobs {
            workers.run(parts: parts) { part in counts.withLock { $0[job * parts + part] += 1 } }
        }
        return counts.withLock { $0 }
    }

    @Test("every part of every job runs exactly once, back to back and after the helpers park")
    func everyPartOnce() {
        let owner = QueryWorkersOwner(threads: 3)
        #expect(Self.counts(owner.workers, jobs: 2_000, parts: 7).allSatisfy { $0 == 1 })
        // Long enough apart that the helpers park between jobs.
        for _ in 0..<5 {
            Thread.sleep(forTimeInterval: 0.002)
            #expect(Self.counts(owner.workers, jobs: 1, parts: 16) == [Int](repeating: 1, count: 16))
        }
        #expect(Self.counts(owner.workers, jobs: 3, parts: 1) == [1, 1, 1])
        #expect(Self.counts(owner.workers, jobs: 3, parts: 0).isEmpty)
    }

    @Test("the helpers take parts: slow parts do not all run on the caller")
    func helpersWork() {
        let owner = QueryWorkersOwner(threads: 2)
        let caller = pthread_self()
        let onHelpers = Atomic<Int>(0)
        for _ in 0..<20 {
            owner.workers.run(parts: 4) { _ in
                Thread.sleep(forTimeInterval: 0.001)
                if pthread_equal(pthread_self(), caller) == 0 { onHelpers.wrappingAdd(1, ordering: .relaxed) }
            }
        }
        #expect(onHelpers.load(ordering: .relaxed) > 0, "no part ran on a helper thread")
    }

    @Test("concurrent callers each get their own job done, complete")
    func concurrentCallers() {
        let owner = QueryWorkersOwner(threads: 2)
        let results = Mutex([[Int]](repeating: [], count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let counts = Self.counts(owner.workers, jobs: 300, parts: 9)
            results.withLock { $0[caller] = counts }
        }
        for counts in results.withLock({ $0 }) {
            #expect(counts.count == 300 * 9 && counts.allSatisfy { $0 == 1 })
        }
    }

    @Test("after stop, the caller still finishes every job alone")
    func afterStop() {
        let workers = QueryWorkers(threads: 2)
        workers.stop()
        Thread.sleep(forTimeInterval: 0.002)
        #expect(Self.counts(workers, jobs: 10, parts: 5).allSatisfy { $0 == 1 })
    }
}
