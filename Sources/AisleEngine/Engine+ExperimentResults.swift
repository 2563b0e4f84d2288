public import AisleCore
import AisleExperiment
import AisleStore

/// Experiment results (docs/EXPERIMENTS.md): per exposed unit, the metric's events after the
/// first exposure and over the 14 days before it, kept as incremental aggregates
/// (`ExperimentTally`) that each look brings up to date with what is new.
extension Engine {
    /// The experiment's results so far: per variant, the exposed units and the metric's mean
    /// and variance over them, every treatment against the baseline (the first variant) once
    /// both have at least 2 users, and the same for each guardrail.
    public func experimentResults(_ id: ExperimentID, confidence: Double = 0.95) async throws -> ExperimentResults {
        let experiment = try await experiment(id)
        try await flushExposures()
        let tally = try await refreshedTally(of: experiment)
        return ExperimentResults(experiment: experiment, tally: tally, confidence: confidence)
    }

    /// Brings every running experiment's aggregates up to date (`ExperimentTallyService` calls
    /// it at start and every minute), so a results request only reads what came in since; at
    /// start it also loads their exposures for assignments.
    func refreshExperimentTallies() async throws {
        for experiment in try await store.experiments() where experiment.status == .running {
            startLoadingExposures(of: experiment.id)
            _ = try await refreshedTally(of: experiment, paced: true)
        }
    }

    /// The experiment's tally with every exposure and event stored so far counted.
    /// `paced`: a background refresh, which gives way to requests.
    func refreshedTally(of experiment: Experiment, paced: Bool = false) async throws -> ExperimentTally {
        // Another refresh of this experiment is running: wait for it, then catch up.
        var waited = 0
        while true {
            if let taken = experimentTallies.take(experiment) {
                var tally = taken
                do {
                    try await refresh(&tally, of: experiment.id, paced: paced)
                } catch {
                    experimentTallies.putBack(nil, of: experiment.id)
                    throw error
                }
                experimentTallies.putBack(tally, of: experiment.id)
                return tally
            }
            waited += 1
            guard waited < 3_000 else {
                throw AisleError(
                    code: .unavailable,
                    message: "the results of this experiment are being computed; try again"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Exposures are written within moments of the assignment (`ExposureFlushService`); new ones
    /// are read back from this long before the last read, so one written a little late is not
    /// missed (one written much later, after a failed write, is noted by `flushExposures`).
    static let exposureReadOverlap: Int64 = 60 * 1_000

    /// Counts what is new: exposures made since the last read, and events stored since the last
    /// scan. A unit first seen after events were scanned has its earlier events read from its
    /// own history instead.
    private func refresh(_ tally: inout ExperimentTally, of id: ExperimentID, paced: Bool) async throws {
        let latest = try await store.latestSequence()
        let readStart = Timestamp.now().millisecondsSinceEpoch
        let since = Timestamp(millisecondsSinceEpoch: max(0, tally.exposuresReadUntil - Self.exposureReadOverlap))
        var late: [(row: Int32, exposure: Exposure)] = []
        for exposure in try await store.exposures(in: id, since: since) {
            guard let row = tally.add(exposure) else { continue }
            if tally.through > 0 { late.append((row, exposure)) }
        }
        tally.exposuresReadUntil = readStart
        // Late units' events the scan has passed, a few hundred units per read. In the
        // background, pause as long as each read took, so a minute of newcomers never holds a
        // core for long against the requests being served.
        for start in stride(from: 0, to: late.count, by: 500) {
            let began = ContinuousClock.now
            let batch = late[start..<min(start + 500, late.count)]
            let earliest = batch.map { tally.preExposureStart(row: $0.row) }.min() ?? 0
            let events = try await store.ownedEvents(
                of: batch.map(\.exposure.unit.key),
                types: tally.eventTypes,
                since: Timestamp(millisecondsSinceEpoch: earliest),
                through: tally.through
            )
            let rows = Dictionary(batch.map { ($0.exposure.unit.key, $0.row) }, uniquingKeysWith: { first, _ in first })
            for event in events {
                guard let row = rows[event.owner] else { continue }
                try await count(event, row: row, into: &tally)
            }
            if paced { try await Task.sleep(for: ContinuousClock.now - began) }
        }
        while tally.through < latest {
            let page = try await store.ownedEvents(after: tally.through, types: tally.eventTypes, limit: 50_000)
            for event in page where event.sequence <= latest {
                guard let row = tally.row(of: event.owner) else { continue }
                try await count(event, row: row, into: &tally)
            }
            guard let last = page.last else { break }
            tally.through = min(last.sequence, latest)
        }
        tally.through = max(tally.through, latest)
    }

    /// Counts one event of the unit in `row`, reading the item's price for revenue.
    private func count(_ event: OwnedEvent, row: Int32, into tally: inout ExperimentTally) async throws {
        var price = 0.0
        if event.type == .purchase, tally.countsRevenue, let item = event.itemID {
            if let known = tally.prices[item] {
                price = known
            } else {
                price = try await store.item(item)?.price ?? 0
                tally.prices[item] = price
            }
        }
        tally.count(event.type, value: event.value, price: price, at: event.timestamp.millisecondsSinceEpoch, row: row)
    }
}

extension ExperimentTally {
    /// Whether revenue is one of the parts (prices are read only then).
    var countsRevenue: Bool { parts.contains(.revenue) }
}

/// An experiment's results (docs/EXPERIMENTS.md says what each figure means).
public struct ExperimentResults: Sendable, Equatable {
    public struct Variant: Sendable, Equatable {
        public var id: String
        public var users: Int
        /// Users with a metric value above 0 (for conversion: who converted; for a ratio: with
        /// a numerator above 0).
        public var conversions: Int
        /// The metric's mean per user (a ratio: Σ numerator / Σ denominator).
        public var mean: Double
        /// Per user (a ratio: the delta method's, so that variance / users is the ratio's).
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
        /// exposure as the covariate); nil when the pre-period explains nothing (no variance),
        /// and for ratios.
        public var cupedDifference: Interval?
    }

    /// One metric's figures: per variant, and each treatment against the baseline.
    public struct MetricResults: Sendable, Equatable {
        public var metric: ExperimentMetric
        public var variants: [Variant]
        public var comparisons: [Comparison]
        /// Treatments not compared yet (they or the baseline have fewer than 2 users, or a
        /// ratio's denominator is 0).
        public var uncompared: [String]
    }

    /// A guardrail's figures, and the treatments it finds harmful.
    public struct GuardrailResults: Sendable, Equatable {
        public var guardrail: Guardrail
        public var results: MetricResults
        /// Treatments significantly worse (the interval of the difference excludes 0 on the
        /// harmful side, p < 0.05 after Holm).
        public var harmedBy: [String]
    }

    public var experimentID: ExperimentID
    public var metric: ExperimentMetric
    public var variants: [Variant]
    public var comparisons: [Comparison]
    public var guardrails: [GuardrailResults]
    /// The sample-ratio check's p-value; below 0.001 the results are not to be trusted.
    public var sampleRatioPValue: Double
    /// Plain-language cautions: a sample ratio mismatch, too few users to read, a treatment
    /// not compared yet, a guardrail harmed.
    public var warnings: [String]

    init(experiment: Experiment, tally: ExperimentTally, confidence: Double) {
        experimentID = experiment.id
        metric = experiment.metric
        let primary = Self.analyse(experiment.metric, of: experiment, tally: tally, confidence: confidence)
        variants = primary.variants
        comparisons = primary.comparisons
        var warnings = primary.uncompared.map {
            "no comparison of \($0) yet: it or the baseline has fewer than 2 users, or nothing to divide by"
        }
        guardrails = experiment.guardrails.map { guardrail in
            let results = Self.analyse(guardrail.metric, of: experiment, tally: tally, confidence: confidence)
            let harmed = results.comparisons.filter { comparison in
                let difference = comparison.absoluteDifference
                let worse = guardrail.harm == .decrease ? difference.high < 0 : difference.low > 0
                return worse && comparison.pValue < 0.05
            }
            return GuardrailResults(guardrail: guardrail, results: results, harmedBy: harmed.map(\.variant))
        }
        for guardrail in guardrails {
            for variant in guardrail.harmedBy {
                warnings.append(
                    "guardrail \(guardrail.guardrail.metric.name): \(variant) \(guardrail.guardrail.harm == .decrease ? "lowers" : "raises") it significantly"
                )
            }
        }
        let users = primary.variants.map(\.users)
        sampleRatioPValue = SampleRatioCheck.pValue(counts: users, weights: experiment.variants.map(\.weight))
        if sampleRatioPValue < SampleRatioCheck.threshold {
            warnings.append(
                "sample ratio mismatch (p < 0.001): users per variant do not fit the weights; assignment or exposure logging is broken, do not trust these results"
            )
        }
        if let fewest = users.min(), fewest < 100 {
            warnings.append("fewer than 100 users in a variant: intervals are wide and the normal approximations rough")
        }
        self.warnings = warnings
    }

    /// One metric's figures from the tally.
    static func analyse(
        _ metric: ExperimentMetric,
        of experiment: Experiment,
        tally: ExperimentTally,
        confidence: Double
    ) -> MetricResults {
        let ids = experiment.variants.map(\.id)
        // Each arm's moments: y the value, x CUPED's pre-period value (for a ratio: y the
        // numerator, x the denominator).
        let arms: [Moments]
        let summaries: [Summary?]
        var adjusted: [Summary]?
        var conversions: [Int]
        switch metric {
        case .ratio(let numerator, let denominator):
            let top = tally.values(of: numerator).after
            let bottom = tally.values(of: denominator).after
            arms = zip(top, bottom).map { Moments(pairs: zip($0, $1).map { (y: $0, x: $1) }) }
            summaries = arms.map(RatioMetric.summary)
            conversions = top.map { $0.count { $0 > 0 } }
        default:
            var (values, covariates) = tally.values(of: metric)
            if case .conversion = metric {
                values = values.map { $0.map { $0 > 0 ? 1 : 0 } }
                covariates = covariates.map { $0.map { $0 > 0 ? 1 : 0 } }
            }
            // The cap is the 99th percentile of the buyers' revenue: with zeros counted, a shop
            // where under 1% of shoppers buy would cap every order to 0.
            if metric == .revenue, let cap = Winsorization.cap(values.flatMap { $0 }.filter { $0 > 0 }, percentile: 99)
            {
                values = values.map { $0.map { min($0, cap) } }
                covariates = covariates.map { $0.map { min($0, cap) } }
            }
            arms = zip(values, covariates).map { Moments(pairs: zip($0, $1).map { (y: $0, x: $1) }) }
            summaries = arms.map(\.summary)
            if arms.contains(where: { $0.varianceX > 0 }) { adjusted = CUPED.adjusted(arms) }
            conversions = values.map { $0.count { $0 > 0 } }
        }
        let variants = ids.indices.map { index in
            Variant(
                id: ids[index],
                users: arms[index].count,
                conversions: conversions[index],
                mean: summaries[index]?.mean ?? 0,
                variance: summaries[index]?.variance ?? 0
            )
        }
        var comparisons: [Comparison] = []
        var uncompared: [String] = []
        for index in ids.indices.dropFirst() {
            // Below two users an arm has no variance: any interval would be a false certainty.
            guard arms[index].count >= 2, arms[0].count >= 2, let treatment = summaries[index],
                let baseline = summaries[0]
            else {
                uncompared.append(ids[index])
                continue
            }
            let test = TwoSampleComparison(treatment: treatment, baseline: baseline, confidence: confidence)
            comparisons.append(
                Comparison(
                    variant: ids[index],
                    baseline: ids[0],
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
            let adjustedP = HolmCorrection.adjusted(comparisons.map(\.pValue))
            for index in comparisons.indices { comparisons[index].pValue = adjustedP[index] }
        }
        return MetricResults(metric: metric, variants: variants, comparisons: comparisons, uncompared: uncompared)
    }
}
