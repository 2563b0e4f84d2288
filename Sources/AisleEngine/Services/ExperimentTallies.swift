import AisleCore
import Synchronization

/// Per exposed unit, the sums an experiment's metrics are made of, after and before the unit's
/// first exposure: the incremental aggregate results are computed from. A refresh reads only
/// what is new since the last (exposures made since, events after the last sequence scanned),
/// so results over a million users do not re-read the event log (docs/EXPERIMENTS.md).
struct ExperimentTally: Sendable {
    /// The per-user sums counted: each a count of one event type, or revenue.
    let parts: [ExperimentMetric]
    /// The variants' ids when the tally began (a unit's variant is its index here).
    let variantIDs: [String]
    /// The event types the parts read.
    let eventTypes: Set<EventType>

    /// Unit key → row.
    private(set) var rows: [String: Int32] = [:]
    /// Per row: the unit's variant (-1: erased, counted nowhere) and first exposure (ms).
    private(set) var variant: [Int16] = []
    private(set) var exposedAt: [Int64] = []
    /// Per row and part (`row * parts.count + part`): the sum from the exposure on, and over
    /// the pre-period before it.
    private(set) var after: [Double] = []
    private(set) var before: [Double] = []
    /// Events are counted through this sequence.
    var through: Int64 = 0
    /// Exposures made before this time (ms) have been read.
    var exposuresReadUntil: Int64 = 0
    /// Catalog prices read so far, for revenue.
    var prices: [ItemID: Double] = [:]

    /// How far before an exposure the pre-period (CUPED's covariate) reaches.
    static let preExposurePeriod: Int64 = 14 * 24 * 3_600 * 1_000

    init(_ experiment: Experiment) {
        var parts: [ExperimentMetric] = []
        for metric in [experiment.metric] + experiment.guardrails.map(\.metric) {
            for part in metric.parts.map(Self.part) where !parts.contains(part) { parts.append(part) }
        }
        self.parts = parts
        variantIDs = experiment.variants.map(\.id)
        eventTypes = parts.reduce(into: []) { $0.formUnion($1.eventTypes) }
    }

    /// The sum a metric part is counted as: a conversion counts its events (any above 0 converts).
    static func part(_ metric: ExperimentMetric) -> ExperimentMetric {
        if case .conversion(let type) = metric { return .count(type) }
        return metric
    }

    /// Whether this tally counts what `experiment` now asks (else a new one is started).
    func fits(_ experiment: Experiment) -> Bool {
        self.parts == Self(experiment).parts && variantIDs == experiment.variants.map(\.id)
    }

    /// Adds a unit at its first exposure; nil when it is known already, else its row.
    mutating func add(_ exposure: Exposure) -> Int32? {
        guard rows[exposure.unit.key] == nil else { return nil }
        let row = Int32(variant.count)
        rows[exposure.unit.key] = row
        // A variant removed since the tally began counts nowhere.
        variant.append(Int16(variantIDs.firstIndex(of: exposure.variant) ?? -1))
        exposedAt.append(exposure.at.millisecondsSinceEpoch)
        after.append(contentsOf: repeatElement(0, count: parts.count))
        before.append(contentsOf: repeatElement(0, count: parts.count))
        return row
    }

    func row(of owner: String) -> Int32? { rows[owner] }

    /// The earliest time an event of the unit in `row` counts (the pre-period's start).
    func preExposureStart(row: Int32) -> Int64 { exposedAt[Int(row)] - Self.preExposurePeriod }

    /// Counts one event of the unit in `row` (`price` for revenue): after the exposure, or in
    /// the pre-period before it; older events count nowhere.
    mutating func count(_ type: EventType, value: Double?, price: Double, at time: Int64, row: Int32) {
        let start = exposedAt[Int(row)]
        let isAfter = time >= start
        guard isAfter || time >= start - Self.preExposurePeriod else { return }
        for (index, part) in parts.enumerated() {
            let amount: Double
            switch part {
            case .count(let counted) where counted == type: amount = 1
            case .revenue where type == .purchase: amount = (value ?? 1) * price
            default: continue
            }
            let slot = Int(row) * parts.count + index
            if isAfter { after[slot] += amount } else { before[slot] += amount }
        }
    }

    /// Erased units count nowhere from now on.
    mutating func forget(_ keys: Set<String>) {
        for key in keys {
            if let row = rows[key] { variant[Int(row)] = -1 }
        }
    }

    /// Per variant, each unit's after and before sums of `part`.
    func values(of part: ExperimentMetric) -> (after: [[Double]], before: [[Double]]) {
        var afterByVariant = Array(repeating: [Double](), count: variantIDs.count)
        var beforeByVariant = afterByVariant
        guard let index = parts.firstIndex(of: Self.part(part)) else { return (afterByVariant, beforeByVariant) }
        for row in variant.indices where variant[row] >= 0 {
            let arm = Int(variant[row])
            afterByVariant[arm].append(after[row * parts.count + index])
            beforeByVariant[arm].append(before[row * parts.count + index])
        }
        return (afterByVariant, beforeByVariant)
    }
}

/// The tallies of this process, one per experiment; a refresh takes one out and puts it back,
/// so two refreshes of one experiment never run at once (the second waits).
final class ExperimentTallies: Sendable {
    private enum Slot {
        case idle(ExperimentTally)
        case busy
    }

    private let slots = Mutex<[ExperimentID: Slot]>([:])
    /// Per experiment, the oldest exposure written late (after a failed write was retried): the
    /// next refresh reads exposures from there.
    private let lateWrites = Mutex<[ExperimentID: Int64]>([:])
    /// Units erased while their tally was out being refreshed, to forget when it comes back.
    private let erasedWhileBusy = Mutex<Set<String>>([])

    /// The experiment's tally to refresh (a new one when none fits what it counts now); nil
    /// while another refresh has it.
    func take(_ experiment: Experiment) -> ExperimentTally? {
        let taken: ExperimentTally? = slots.withLock { slots in
            switch slots[experiment.id] {
            case .busy: return nil
            case .idle(let tally) where tally.fits(experiment):
                slots[experiment.id] = .busy
                return tally
            default:
                slots[experiment.id] = .busy
                return ExperimentTally(experiment)
            }
        }
        guard var tally = taken else { return nil }
        if let late = lateWrites.withLock({ $0.removeValue(forKey: experiment.id) }) {
            tally.exposuresReadUntil = min(tally.exposuresReadUntil, late)
        }
        return tally
    }

    /// Notes exposures written now that were made at `times` (by experiment): any made before
    /// the last read are read again at the next refresh.
    func noteWritten(_ times: [ExperimentID: Int64]) {
        lateWrites.withLock { late in
            for (id, time) in times { late[id] = min(late[id] ?? time, time) }
        }
    }

    /// Puts a tally back after its refresh (nil: the refresh failed; the next one starts over).
    func putBack(_ tally: ExperimentTally?, of id: ExperimentID) {
        slots.withLock { slots in
            let erased = erasedWhileBusy.withLock { $0 }
            if var tally {
                tally.forget(erased)
                slots[id] = .idle(tally)
            } else {
                slots[id] = nil
            }
            let anyBusy = slots.values.contains { if case .busy = $0 { true } else { false } }
            if !anyBusy { erasedWhileBusy.withLock { $0 = [] } }
        }
    }

    /// Erased units (a user and their devices) count in no tally from now on.
    func forget(units keys: Set<String>) {
        slots.withLock { slots in
            erasedWhileBusy.withLock { $0.formUnion(keys) }
            for id in Array(slots.keys) {
                guard case .idle(var tally) = slots[id] else { continue }
                // Out of the dictionary first, so the arrays are changed in place, not copied.
                slots[id] = .busy
                tally.forget(keys)
                slots[id] = .idle(tally)
            }
        }
    }
}
