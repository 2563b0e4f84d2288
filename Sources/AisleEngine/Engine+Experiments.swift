public import AisleCore
import AisleExperiment
import AisleStore

/// A/B tests (docs/EXPERIMENTS.md): definitions, deterministic assignment with exposure
/// logging, and results computed from the event log.
extension Engine {
    /// Creates or replaces an experiment after validating it.
    public func putExperiment(_ experiment: Experiment) async throws -> Experiment {
        try experiment.validate()
        // A variant that searches by meaning would fail every search of its shoppers.
        if encoder == nil,
            let index = experiment.variants.firstIndex(where: { ($0.settings.searchMode ?? .lexical) != .lexical })
        {
            throw AisleError(
                code: .unavailable,
                message:
                    "variants[\(index)].config.search_mode needs the text encoder: run make models, then start the server with --model-dir models/all-MiniLM-L6-v2",
                field: "variants[\(index)].config.search_mode"
            )
        }
        let stored = try await store.putExperiment(experiment, at: .now())
        exposureLog.remember(stored)
        await store.publish(.experiment(stored.id))
        return stored
    }

    /// The experiment; `notFound` when there is none.
    public func experiment(_ id: ExperimentID) async throws -> Experiment {
        if let known = exposureLog.experiment(id) { return known }
        guard let experiment = try await store.experiment(id) else {
            throw AisleError(code: .notFound, message: "no experiment \"\(id.rawValue.prefix(64))\"")
        }
        exposureLog.remember(experiment)
        return experiment
    }

    /// Whether this process is the only one writing exposures (the embedded store: its folder
    /// lock allows one server), so the exposure log, once loaded, answers a miss by itself.
    /// Several nodes on one database must read the store on a miss.
    var exposuresAreLocal: Bool { !store.isShared }

    /// Loads the experiment's stored exposures into the exposure log in the background (once):
    /// from then on a shopper not in the log has no exposure, and a newcomer's assignment reads
    /// nothing from the store. Started at the first assignment, and at start for running ones.
    func startLoadingExposures(of id: ExperimentID) {
        guard exposuresAreLocal, exposureLog.beginLoading(id) else { return }
        Task { [self] in
            exposureLog.finishLoading(id, stored: try? await store.exposures(in: id))
        }
    }

    /// Writes the exposures assigned since the last write (`ExposureFlushService` calls it
    /// every 100 ms; results call it first). A failed write is kept to be tried again.
    public func flushExposures() async throws {
        let pending = exposureLog.takePending()
        guard !pending.isEmpty else { return }
        do {
            try await store.recordExposures(pending)
        } catch {
            exposureLog.restore(pending)
            throw error
        }
        // Written late (a retry): results read exposures from their time again.
        let cutoff = Timestamp.now().millisecondsSinceEpoch - Self.exposureReadOverlap / 2
        var late: [ExperimentID: Int64] = [:]
        for (experiment, exposure) in pending where exposure.at.millisecondsSinceEpoch < cutoff {
            late[experiment] = min(late[experiment] ?? .max, exposure.at.millisecondsSinceEpoch)
        }
        if !late.isEmpty { experimentTallies.noteWritten(late) }
    }

    /// Every experiment, by id.
    public func experiments() async throws -> [Experiment] {
        try await store.experiments()
    }

    /// The variant `shopper` sees in the experiment, and its settings.
    ///
    /// A user is assigned by their user id, on every device: a device linked by identify gets
    /// its user's variant. An anonymous device is assigned by its own id until it signs in;
    /// from then on it shows the user's variant (which may differ: the device's earlier
    /// exposure stays counted under the device, the user's starts at their first assignment
    /// as a user). The first assignment of a unit is logged as its exposure, and a unit keeps
    /// that variant even if the weights change later. A draft or stopped experiment answers
    /// the baseline (the first variant) and logs nothing; a user who turned tracking off gets
    /// their variant unlogged (`exposedAt` nil). A shopper outside the experiment's targeting
    /// (`platform`, and `locale` or the user profile's `locale` attribute) gets the baseline,
    /// unlogged, until they are once in it.
    public func assignment(
        in id: ExperimentID,
        for shopper: Shopper,
        platform: Platform? = nil,
        locale: String? = nil
    ) async throws -> ExperimentAssignment {
        let experiment = try await experiment(id)
        let unit = try await exposureUnit(of: shopper)
        func unexposed(_ index: Int) -> ExperimentAssignment {
            ExperimentAssignment(experiment: experiment, variantIndex: index, unit: unit, exposedAt: nil)
        }
        guard experiment.status == .running else { return unexposed(0) }
        guard
            let index = Assignment.variant(
                experiment: experiment.id.rawValue,
                unit: unit.key,
                weights: experiment.variants.map(\.weight)
            )
        else { return unexposed(0) }
        startLoadingExposures(of: experiment.id)
        let first: Exposure
        if let known = exposureLog.exposure(of: unit, in: experiment.id) {
            first = known
        } else if !(exposuresAreLocal && exposureLog.isComplete(experiment.id)),
            let stored = try await store.exposure(of: unit, in: experiment.id)
        {
            first = exposureLog.record(stored, in: experiment.id, stored: true)
        } else {
            // A user who turned tracking off gets a variant, but no exposure of theirs is stored.
            if case .user(let user) = unit, try await consents.anyWithoutTracking(store: store),
                try await consent(of: user).tracking == false
            {
                return unexposed(index)
            }
            // Outside the targeting: the baseline, not in the experiment. Once in, a shopper
            // stays in (the exposure above), whatever device or locale they come back with.
            if !experiment.targeting.isEmpty {
                var locale = locale
                if locale == nil, !experiment.targeting.locales.isEmpty, case .user(let user) = unit,
                    case .string(let profile)? = try await store.user(user)?.attributes["locale"]
                {
                    locale = profile
                }
                guard experiment.targeting.admits(platform: platform, locale: locale) else { return unexposed(0) }
            }
            let exposure = Exposure(unit: unit, variant: experiment.variants[index].id, at: .now())
            first = exposureLog.record(exposure, in: experiment.id, stored: false)
        }
        // A unit keeps its first variant; one since removed falls back to the baseline.
        let kept = experiment.variants.firstIndex { $0.id == first.variant } ?? 0
        return ExperimentAssignment(experiment: experiment, variantIndex: kept, unit: unit, exposedAt: first.at)
    }
}

/// The variant a shopper sees.
public struct ExperimentAssignment: Sendable, Equatable {
    public var experimentID: ExperimentID
    public var variant: ExperimentVariant
    /// The unit assigned: the user (also for a device linked to them) or the anonymous device.
    public var unit: ExposureUnit
    /// When the unit was first exposed; nil when the experiment is not running.
    public var exposedAt: Timestamp?

    init(experiment: Experiment, variantIndex: Int, unit: ExposureUnit, exposedAt: Timestamp?) {
        experimentID = experiment.id
        variant = experiment.variants[variantIndex]
        self.unit = unit
        self.exposedAt = exposedAt
    }
}
