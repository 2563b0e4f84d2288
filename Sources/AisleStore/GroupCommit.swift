import AisleCore
import Synchronization

/// Commits concurrent calls together: while one transaction runs, later calls queue up; when it
/// ends, the first of them leads the next transaction for everything queued by then. Each caller
/// waits for one transaction at most after its turn comes. Both stores append events this way:
/// SQLite rewrites the index pages each transaction touches, PostgreSQL takes one lock and one
/// round trip per transaction, so fewer, larger transactions cost much less.
final class GroupCommit<Request: Sendable, Outcome: Sendable>: Sendable {
    /// Commits requests in one transaction; answers one outcome per request, in order.
    typealias Transaction = @Sendable ([Request]) async throws -> [Outcome]

    private enum Turn: Sendable {
        case done(Outcome)
        case lead
    }

    private struct Queue: Sendable {
        var writing = false
        var waiting: [(Request, CheckedContinuation<Turn, any Error>)] = []
    }

    private let queue = Mutex(Queue())

    init() {}

    /// Commits `request`, with others queued beside it, through `transaction`.
    func submit(_ request: Request, transaction: Transaction) async throws -> Outcome {
        let leads = queue.withLock { queue in
            if queue.writing { return false }
            queue.writing = true
            return true
        }
        if leads { return try await lead(first: request, transaction: transaction) }
        let turn = try await withCheckedThrowingContinuation { continuation in
            let queued = queue.withLock { queue in
                // The leader may have finished between the check above and now.
                if queue.writing {
                    queue.waiting.append((request, continuation))
                    return true
                }
                queue.writing = true
                return false
            }
            if !queued { continuation.resume(returning: Turn.lead) }
        }
        switch turn {
        case .done(let outcome): return outcome
        case .lead: return try await lead(first: request, transaction: transaction)
        }
    }

    /// Commits `first` with everything queued now, answers the queued callers, and hands the
    /// lead to the next one waiting (or marks the queue idle).
    private func lead(first: Request, transaction: Transaction) async throws -> Outcome {
        let queued = queue.withLock { queue in
            let taken = queue.waiting
            queue.waiting = []
            return taken
        }
        let results = await commit([first] + queued.map(\.0), transaction)
        for ((_, continuation), result) in zip(queued, results.dropFirst()) {
            continuation.resume(with: result.map(Turn.done))
        }
        let next = queue.withLock { queue in
            if queue.waiting.isEmpty {
                queue.writing = false
                return nil as CheckedContinuation<Turn, any Error>?
            }
            return queue.waiting.removeFirst().1
        }
        // The next leader takes its own request back: it was queued with its continuation.
        next?.resume(returning: .lead)
        return try results[0].get()
    }

    /// One transaction for all requests; if it fails, each request alone, so one request's
    /// failure is not another's.
    private func commit(_ requests: [Request], _ transaction: Transaction) async -> [Result<Outcome, any Error>] {
        do {
            let outcomes = try await transaction(requests)
            guard outcomes.count == requests.count else {
                throw AisleError(
                    code: .unavailable,
                    message: "a group commit answered \(outcomes.count) of \(requests.count)"
                )
            }
            return outcomes.map { .success($0) }
        } catch {
            if requests.count == 1 { return [.failure(error)] }
            var results: [Result<Outcome, any Error>] = []
            for request in requests {
                do {
                    let outcomes = try await transaction([request])
                    guard let outcome = outcomes.first else {
                        throw AisleError(code: .unavailable, message: "a group commit answered nothing")
                    }
                    results.append(.success(outcome))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }
}
