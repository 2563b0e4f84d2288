import Synchronization

/// What a starting engine still loads before it answers like a running one: the search index
/// from the store, the saved model. `/ready` says "starting" until both are in, so a load
/// balancer (or a test) does not send searches to a server whose index is half loaded.
///
/// Parts are added when the engine's services are made, so an engine run without them (in
/// tests, in-process) is ready at once.
final class StartupProgress: Sendable {
    enum Part: String, Sendable, Comparable {
        case searchIndex = "search_index"
        case savedModel = "saved_model"

        static func < (lhs: Part, rhs: Part) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private struct State {
        var pending: Set<Part> = []
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func begin(_ part: Part) { state.withLock { _ = $0.pending.insert(part) } }

    func finish(_ part: Part) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pending.remove(part)
            guard state.pending.isEmpty else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The parts still loading, in name order.
    var waitingFor: [Part] { state.withLock { $0.pending.sorted() } }

    /// Returns once nothing is loading.
    func waitUntilDone() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.pending.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
