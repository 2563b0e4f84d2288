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

    /// Writes the exposures assigned since the last write (`ExposureFlushService` calls it
    /// every 100 ms; results call it first). A failed write is kept to be tried again.
    public func flushExposures() async throws {
        let pending = exposureLog.takePending()
        do {
            try await store.recordExposures(pending)
        } catch {
            exposureLog.restore(pending)
            throw error
        }
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
    /// their variant unlogged (`exposedAt` nil).
    public func assignment(in id: ExperimentID, for shopper: Shopper) async throws -> ExperimentAssignment {
        let experiment = try await experiment(id)
        let unit = try await exposureUnit(of: shopper)
        guard experiment.status == .running else {
            return ExperimentAssignment(experiment: experiment, variantIndex: 0, unit: unit, exposedAt: nil)
        }
        guard
            let index = Assignment.variant(
                experiment: experiment.id.rawValue,
                unit: unit.key,
                weights: experiment.variants.map(\.weight)
            )
        else {
            return ExperimentAssignment(experiment: experiment, variantIndex: 0, unit: unit, exposedAt: nil)
        }
        // A user who turned tracking off gets a variant, but no exposure of theirs is stored.
        if case .user(let user) = unit, try await consents.anyWithoutTracking(store: store),
            try await consent(of: user).tracking == false
        {
            return ExperimentAssignment(experiment: experiment, variantIndex: index, unit: unit, exposedAt: nil)
        }
        let first: Exposure
        if let known = exposureLog.exposure(of: unit, in: experiment.id) {
            first = known
        } else if let stored = try await store.exposure(of: unit, in: experiment.id) {
            first = exposureLog.record(stored, in: experiment.id, stored: true)
        } else {
            let exposure = Exposure(unit: unit, variant: experiment.variants[index].id, at: .now())
            first = exposureLog.record(exposure, in: experiment.id, stored: false)
        }
        // A unit keeps its first variant; one since removed falls back to the baseline.
        let kept = experiment.variants.firstIndex { $0.id == first.variant } ?? 0
        return ExperimentAssignment(experiment: experiment, variantIndex: kept, unit: unit, exposedAt: first.at)
    }

    /// The experiment's results so far: per variant, the exposed units and the metric's mean
    /// and variance over them (events after each unit's first exposure), and every treatment
    /// against the baseline (the first variant) once both have at least 2 users.
    public func experimentResults(_ id: ExperimentID, confidence: Double = 0.95) async throws -> ExperimentResults {
        let experiment = try await experiment(id)
        try await flushExposures()
        let exposures = try await store.exposures(in: id)
        var values: [[Double]] = Array(repeating: [], count: experiment.variants.count)
        // The same metric over the pre-period, CUPED's covariate.
        var covariates = values
        var prices: [ItemID: Double] = [:]
        for exposure in exposures {
            guard let index = experiment.variants.firstIndex(where: { $0.id == exposure.variant }) else { continue }
            let events = try await eventsAroundExposure(exposure, type: experiment.metric.eventType)
            values[index].append(try await metricValue(experiment.metric, of: events.after, prices: &prices))
            covariates[index].append(try await metricValue(experiment.metric, of: events.before, prices: &prices))
        }
        if experiment.metric == .revenue, let cap = Winsorization.cap(values.flatMap { $0 }, percentile: 99) {
            values = values.map { $0.map { min($0, cap) } }
            covariates = covariates.map { $0.map { min($0, cap) } }
        }
        return ExperimentResults(experiment: experiment, values: values, covariates: covariates, confidence: confidence)
    }

    /// How far before an exposure CUPED's pre-period reaches.
    static let preExposurePeriod: Int64 = 14 * 24 * 3_600 * 1_000

    /// The unit's events of `type` at or after its first exposure, and in the 14 days before it
    /// (a device: its anonymous events).
    private func eventsAroundExposure(_ exposure: Exposure, type: EventType) async throws
        -> (after: [Event], before: [Event])
    {
        let start = exposure.at.millisecondsSinceEpoch - Self.preExposurePeriod
        var after: [Event] = []
        var before: [Event] = []
        func sort(_ event: Event) -> Bool {
            let time = event.timestamp.millisecondsSinceEpoch
            if time >= exposure.at.millisecondsSinceEpoch {
                after.append(event)
            } else if time >= start {
                before.append(event)
            } else {
                return false
            }
            return true
        }
        switch exposure.unit {
        case .user(let user):
            var cursor: HistoryCursor?
            // Newest first: stop at the first event before the pre-period.
            while true {
                let page = try await store.history(of: user, types: [type], after: cursor, limit: 1_000)
                for stored in page where !sort(stored.event) { return (after, before) }
                guard page.count == 1_000, let last = page.last else { return (after, before) }
                cursor = HistoryCursor(after: last)
            }
        case .device(let device):
            for stored in try await store.anonymousHistory(of: device, limit: 10_000) where stored.event.type == type {
                _ = sort(stored.event)
            }
            return (after, before)
        }
    }

    private func metricValue(_ metric: ExperimentMetric, of events: [Event], prices: inout [ItemID: Double])
        async throws -> Double
    {
        switch metric {
        case .conversion: return events.isEmpty ? 0 : 1
        case .count: return Double(events.count)
        case .revenue:
            var revenue = 0.0
            for event in events {
                guard let item = event.itemID else { continue }
                if prices[item] == nil { prices[item] = try await store.item(item)?.price ?? 0 }
                revenue += (event.value ?? 1) * (prices[item] ?? 0)
            }
            return revenue
        }
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

/// An experiment's results (docs/EXPERIMENTS.md says what each figure means).
public struct ExperimentResults: Sendable, Equatable {
    public struct Variant: Sendable, Equatable {
        public var id: String
        public var users: Int
        /// Users with a metric value above 0 (for conversion: who converted).
        public var conversions: Int
        public var mean: Double
        public var variance: Double
    }

    /// A point estimate with its two-sided interval.
    public struct Interval: Sendable, Equatable {
        public var value: Double
        public var low: Double
        public var high: Double

        init(_ estimate: Estimate) {
            value = estimate.value
            low = estimate.low
            high = estimate.high
        }
    }

    public struct Comparison: Sendable, Equatable {
        public var variant: String
        public var baseline: String
        public var absoluteDifference: Interval
        public var relativeLift: Interval?
        /// Two-sided; Holm-adjusted when there are several treatments.
        public var pValue: Double
        public var chanceToBeat: Double
        public var expectedLoss: Double
        public var sequentialInterval: Interval
        /// The absolute difference with CUPED (the same metric over the 14 days before each
        /// exposure as the covariate); nil when the pre-period explains nothing (no variance).
        public var cupedDifference: Interval?
    }

    public var experimentID: ExperimentID
    public var metric: ExperimentMetric
    public var variants: [Variant]
    public var comparisons: [Comparison]
    /// The sample-ratio check's p-value; below 0.001 the results are not to be trusted.
    public var sampleRatioPValue: Double
    /// Plain-language cautions: a sample ratio mismatch, too few users to read, a treatment
    /// not compared yet.
    public var warnings: [String]

    /// Results from each variant's per-user values and pre-period values.
    init(experiment: Experiment, values: [[Double]], covariates: [[Double]], confidence: Double) {
        experimentID = experiment.id
        metric = experiment.metric
        let moments = zip(values, covariates).map { Moments(pairs: zip($0, $1).map { (y: $0, x: $1) }) }
        let adjusted = moments.contains { $0.varianceX > 0 } ? CUPED.adjusted(moments) : nil
        variants = zip(experiment.variants, zip(values, moments)).map { variant, data in
            Variant(
                id: variant.id,
                users: data.1.count,
                conversions: data.0.count { $0 > 0 },
                mean: data.1.meanY,
                variance: data.1.varianceY
            )
        }
        var comparisons: [Comparison] = []
        var warnings: [String] = []
        for index in experiment.variants.indices.dropFirst() {
            // Below two users an arm has no variance: any interval would be a false certainty.
            guard moments[index].count >= 2, moments[0].count >= 2 else {
                warnings.append(
                    "no comparison of \(experiment.variants[index].id) yet: it or the baseline has fewer than 2 users"
                )
                continue
            }
            let test = TwoSampleComparison(
                treatment: moments[index].summary,
                baseline: moments[0].summary,
                confidence: confidence
            )
            comparisons.append(
                Comparison(
                    variant: experiment.variants[index].id,
                    baseline: experiment.variants[0].id,
                    absoluteDifference: Interval(test.absoluteDifference),
                    relativeLift: test.relativeLift.map(Interval.init),
                    pValue: test.pValue,
                    chanceToBeat: test.chanceToBeat,
                    expectedLoss: test.expectedLoss,
                    sequentialInterval: Interval(test.sequentialInterval),
                    cupedDifference: adjusted.map {
                        Interval(
                            TwoSampleComparison(treatment: $0[index], baseline: $0[0], confidence: confidence)
                                .absoluteDifference
                        )
                    }
                )
            )
        }
        if comparisons.count > 1 {
            let adjusted = HolmCorrection.adjusted(comparisons.map(\.pValue))
            for index in comparisons.indices { comparisons[index].pValue = adjusted[index] }
        }
        self.comparisons = comparisons
        sampleRatioPValue = SampleRatioCheck.pValue(
            counts: moments.map(\.count),
            weights: experiment.variants.map(\.weight)
        )
        if sampleRatioPValue < SampleRatioCheck.threshold {
            warnings.append(
                "sample ratio mismatch (p < 0.001): users per variant do not fit the weights; assignment or exposure logging is broken, do not trust these results"
            )
        }
        if let fewest = moments.map(\.count).min(), fewest < 100 {
            warnings.append("fewer than 100 users in a variant: intervals are wide and the normal approximations rough")
        }
        self.warnings = warnings
    }
}
