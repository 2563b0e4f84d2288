import CHalfKernels
import Dispatch
import Foundation
import Synchronization

/// Helper threads that split a single query's products with the caller.
///
/// A query makes 24 products of about 100 µs each. Handing each one to a thread pool costs a
/// wake-up per product (tens of µs on this machine), which ate what the second core gained.
/// These helpers instead spin between closely spaced jobs and only park after a quiet spell
/// (`spinLimit`), so a query pays at most one wake-up. The caller always works too, and parts
/// are claimed from a counter: when a helper is late, the caller simply does more.
///
/// Jobs from concurrent callers do not wait for each other: each caller finishes its own job,
/// and a helper only ever works on the newest one.
final class QueryWorkers: Sendable {
    /// One product, split into `count` parts.
    final class Job: Sendable {
        let generation: Int
        let count: Int
        let body: @Sendable (Int) -> Void
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)

        init(generation: Int, count: Int, body: @escaping @Sendable (Int) -> Void) {
            self.generation = generation
            self.count = count
            self.body = body
        }

        /// Claims and runs parts until none are left.
        func work() {
            while true {
                let part = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard part < count else { return }
                body(part)
                done.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    /// A helper's parking state, with the semaphore it sleeps on.
    final class Helper: Sendable {
        let asleep = Atomic<Bool>(false)
        let wakeUp = DispatchSemaphore(value: 0)
    }

    /// How long a helper spins for the next job before it parks.
    static let spinLimit: Duration = .microseconds(300)

    let helpers: [Helper]
    private let generation = Atomic<Int>(0)
    private let latest = Mutex<Job?>(nil)
    private let stopping = Atomic<Bool>(false)

    /// `threads - 1` helper threads (none for 1 thread).
    init(threads: Int) {
        helpers = (1..<max(1, threads)).map { _ in Helper() }
        for (index, helper) in helpers.enumerated() {
            let thread = Thread { [self] in serve(helper) }
            thread.name = "aisle-encoder-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(part)` for every part in `0..<count`, on the caller and the helpers, and
    /// returns when all are done. Parts must be independent.
    func run(parts count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 1, !helpers.isEmpty else {
            for part in 0..<count { body(part) }
            return
        }
        let job = latest.withLock { latest in
            let job = Job(generation: generation.load(ordering: .relaxed) + 1, count: count, body: body)
            latest = job
            generation.store(job.generation, ordering: .sequentiallyConsistent)
            return job
        }
        wake()
        job.work()
        while job.done.load(ordering: .acquiring) < count { aisle_cpu_relax() }
    }

    /// Wakes parked helpers, so they are spinning by the time the first job comes.
    func wake() {
        for helper in helpers where helper.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            helper.wakeUp.signal()
        }
    }

    /// Stops the helpers (they finish the job in hand first).
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wake()
    }

    private func serve(_ helper: Helper) {
        var seen = 0
        let clock = ContinuousClock()
        while !stopping.load(ordering: .relaxed) {
            var quietSince = clock.now
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                aisle_cpu_relax()
                spins += 1
                // Reading the clock every spin would cost more than the spin.
                guard spins % 64 == 0, clock.now - quietSince > Self.spinLimit else { continue }
                park(helper, seen: seen)
                if stopping.load(ordering: .relaxed) { return }
                quietSince = clock.now
            }
            guard let job = latest.withLock({ $0 }) else { continue }
            seen = job.generation
            job.work()
        }
    }

    /// Sleeps until woken, unless a job newer than `seen` is already there.
    private func park(_ helper: Helper, seen: Int) {
        helper.asleep.store(true, ordering: .sequentiallyConsistent)
        if generation.load(ordering: .sequentiallyConsistent) != seen
            || stopping.load(ordering: .sequentiallyConsistent)
        {
            // Whoever clears the flag owns the wake-up: if a caller got there first, it signals.
            if helper.asleep.exchange(false, ordering: .sequentiallyConsistent) { return }
        }
        helper.wakeUp.wait()
    }
}

/// Owns the helpers of one encoder and stops them when the encoder (every copy) is gone; the
/// helper threads keep the workers themselves alive.
final class QueryWorkersOwner: Sendable {
    let workers: QueryWorkers

    init(threads: Int) { workers = QueryWorkers(threads: threads) }

    deinit { workers.stop() }
}
