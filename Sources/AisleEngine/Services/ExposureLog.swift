import AisleCore
import Synchronization

/// Experiments and first exposures in memory, in front of the store: an assignment reads the
/// experiment and the shopper's exposure here (the store only on a miss), and new exposures are
/// written in batches (`ExposureFlushService`, every 100 ms and at shutdown) instead of one
/// write per request. A crash can lose the last 100 ms of new exposures: those shoppers are
/// exposed again at their next assignment, to the same variant unless the weights changed.
///
/// Once an experiment's stored exposures are all loaded (`load`, in the background after its
/// first assignment), a shopper not found here has none: a first assignment then reads nothing
/// from the store. That holds while this process is the store's only writer (the embedded
/// store, whose folder lock guarantees it); with several nodes on one database a miss must
/// still read the store (`Engine.exposuresAreLocal`).
final class ExposureLog: Sendable {
    private struct State {
        var experiments: [ExperimentID: Experiment] = [:]
        var exposures: [ExperimentID: [String: Exposure]] = [:]
        var pending: [(experiment: ExperimentID, exposure: Exposure)] = []
        /// Experiments whose stored exposures are all here, and those being loaded.
        var complete: Set<ExperimentID> = []
        var loading: Set<ExperimentID> = []
        /// Units erased while a load was under way: its read may still hold them.
        var erasedDuringLoad: Set<String> = []
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

    /// Whether every stored exposure of the experiment is here (a miss means none).
    func isComplete(_ id: ExperimentID) -> Bool {
        state.withLock { $0.complete.contains(id) }
    }

    /// Claims the loading of an experiment's exposures; false when it is loaded or loading.
    func beginLoading(_ id: ExperimentID) -> Bool {
        state.withLock { state in
            guard !state.complete.contains(id), !state.loading.contains(id) else { return false }
            state.loading.insert(id)
            return true
        }
    }

    /// Adds the experiment's stored exposures (keeping any this process made meanwhile) and marks
    /// it complete; nil (the read failed) lets a later assignment try again. The map is built
    /// outside the lock: a million exposures take a while, and assignments must not wait.
    func finishLoading(_ id: ExperimentID, stored: [Exposure]?) {
        var loaded: [String: Exposure] = [:]
        if let stored {
            loaded.reserveCapacity(stored.count)
            for exposure in stored { loaded[exposure.unit.key] = exposure }
        }
        state.withLock { state in
            state.loading.remove(id)
            defer { if state.loading.isEmpty { state.erasedDuringLoad = [] } }
            guard stored != nil else { return }
            // This process's own entries (first exposures made meanwhile) win; erased units go.
            for (key, exposure) in state.exposures[id] ?? [:] { loaded[key] = exposure }
            for key in state.erasedDuringLoad { loaded[key] = nil }
            state.exposures[id] = loaded
            state.complete.insert(id)
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
            if !state.loading.isEmpty { state.erasedDuringLoad.formUnion(keys) }
        }
    }
}
