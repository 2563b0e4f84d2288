import AisleCore
import Synchronization

/// Experiments and first exposures in memory, in front of the store: an assignment reads the
/// experiment and the shopper's exposure here (the store only on a miss), and new exposures are
/// written in batches (`ExposureFlushService`, every 100 ms and at shutdown) instead of one
/// write per request. A crash can lose the last 100 ms of new exposures: those shoppers are
/// exposed again at their next assignment, to the same variant unless the weights changed.
final class ExposureLog: Sendable {
    private struct State {
        var experiments: [ExperimentID: Experiment] = [:]
        var exposures: [ExperimentID: [String: Exposure]] = [:]
        var pending: [(experiment: ExperimentID, exposure: Exposure)] = []
    }

    private let state = Mutex(State())

    func experiment(_ id: ExperimentID) -> Experiment? {
        state.withLock { $0.experiments[id] }
    }

    func remember(_ experiment: Experiment) {
        state.withLock { $0.experiments[experiment.id] = experiment }
    }

    /// The unit's first exposure if this process has seen it.
    func exposure(of unit: ExposureUnit, in id: ExperimentID) -> Exposure? {
        state.withLock { $0.exposures[id]?[unit.key] }
    }

    /// Keeps `exposure` as the unit's first unless one is known already (which is returned);
    /// `stored` tells whether it came from the store (nothing to write) or is new.
    func record(_ exposure: Exposure, in id: ExperimentID, stored: Bool) -> Exposure {
        state.withLock { state in
            if let known = state.exposures[id]?[exposure.unit.key] { return known }
            state.exposures[id, default: [:]][exposure.unit.key] = exposure
            if !stored { state.pending.append((id, exposure)) }
            return exposure
        }
    }

    /// The new exposures not written yet; they count as written.
    func takePending() -> [(experiment: ExperimentID, exposure: Exposure)] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// Puts back exposures whose write failed, to be tried again.
    func restore(_ pending: [(experiment: ExperimentID, exposure: Exposure)]) {
        state.withLock { $0.pending = pending + $0.pending }
    }

    /// Forgets a user's and their devices' exposures (erasure).
    func forget(units keys: Set<String>) {
        state.withLock { state in
            for id in state.exposures.keys {
                for key in keys { state.exposures[id]?[key] = nil }
            }
            state.pending.removeAll { keys.contains($0.exposure.unit.key) }
        }
    }
}
