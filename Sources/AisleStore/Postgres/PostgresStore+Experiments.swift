public import AisleCore
import Foundation
import PostgresNIO

/// Experiments and first exposures on PostgreSQL (`ExperimentStore`). A unit's first exposure
/// is the row `ON CONFLICT DO NOTHING` leaves: two nodes exposing it at once record one.
extension PostgresStore: ExperimentStore {
    static let experimentColumns =
        "id, variants, metric, guardrails, targeting, status, created_at, updated_at, started_at"

    public func putExperiment(_ experiment: Experiment, at now: Timestamp) async throws -> Experiment {
        let variants = String(decoding: try JSONEncoder().encode(experiment.variants), as: UTF8.self)
        let started: Int64? = experiment.status == .running ? now.millisecondsSinceEpoch : nil
        // created_at is kept from the first put, started_at from the first put while running.
        let rows = try await query(
            """
            INSERT INTO experiments (\(unescaped: Self.experimentColumns))
            VALUES (\(experiment.id.rawValue), \(variants), \(experiment.metric.name),
                \(ExperimentColumns.guardrailsText(experiment.guardrails)),
                \(ExperimentColumns.targetingText(experiment.targeting)), \(experiment.status.rawValue),
                \(now.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch), \(started))
            ON CONFLICT (id) DO UPDATE SET variants = excluded.variants, metric = excluded.metric,
                guardrails = excluded.guardrails, targeting = excluded.targeting, status = excluded.status,
                updated_at = excluded.updated_at, started_at = COALESCE(experiments.started_at, excluded.started_at)
            RETURNING created_at, started_at
            """,
            logger: logger
        )
        var stored = experiment
        for try await (created, startedAt) in rows.decode((Int64, Int64?).self) {
            stored.createdAt = Timestamp(millisecondsSinceEpoch: created)
            stored.startedAt = startedAt.map(Timestamp.init(millisecondsSinceEpoch:))
        }
        stored.updatedAt = now
        return stored
    }

    public func experiment(_ id: ExperimentID) async throws -> Experiment? {
        try await experiments(
            "SELECT \(unescaped: Self.experimentColumns) FROM experiments WHERE id = \(id.rawValue)"
        ).first
    }

    public func experiments() async throws -> [Experiment] {
        try await experiments("SELECT \(unescaped: Self.experimentColumns) FROM experiments ORDER BY id")
    }

    private func experiments(_ query: PostgresQuery) async throws -> [Experiment] {
        let rows = try await self.query(query, logger: logger)
        var found: [Experiment] = []
        for try await (id, variants, metric, guardrails, targeting, status, created, updated, started) in rows.decode(
            (String, String, String, String?, String?, String, Int64, Int64, Int64?).self
        ) {
            found.append(
                try ExperimentColumns.experiment(
                    id: id,
                    variants: variants,
                    metric: metric,
                    guardrails: guardrails,
                    targeting: targeting,
                    status: status,
                    createdAt: created,
                    updatedAt: updated,
                    startedAt: started
                )
            )
        }
        return found
    }

    public func recordExposure(_ exposure: Exposure, in experiment: ExperimentID) async throws -> Exposure {
        try await recordExposures([(experiment, exposure)])
        // A statement of its own: it sees the row whichever node inserted it.
        return try await self.exposure(of: exposure.unit, in: experiment) ?? exposure
    }

    public func recordExposures(_ exposures: [(experiment: ExperimentID, exposure: Exposure)]) async throws {
        guard !exposures.isEmpty else { return }
        // One statement for the batch; duplicates within it are the database's to drop.
        try await query(
            """
            INSERT INTO experiment_exposures (experiment_id, unit, variant, at)
            SELECT * FROM unnest(\(exposures.map(\.experiment.rawValue))::text[], \(exposures.map(\.exposure.unit.key))::text[],
                \(exposures.map(\.exposure.variant))::text[], \(exposures.map(\.exposure.at.millisecondsSinceEpoch))::bigint[])
            ON CONFLICT (experiment_id, unit) DO NOTHING
            """,
            logger: logger
        )
    }

    public func exposure(of unit: ExposureUnit, in experiment: ExperimentID) async throws -> Exposure? {
        let rows = try await query(
            """
            SELECT variant, at FROM experiment_exposures
            WHERE experiment_id = \(experiment.rawValue) AND unit = \(unit.key)
            """,
            logger: logger
        )
        for try await (variant, at) in rows.decode((String, Int64).self) {
            return Exposure(unit: unit, variant: variant, at: Timestamp(millisecondsSinceEpoch: at))
        }
        return nil
    }

    public func exposures(in experiment: ExperimentID) async throws -> [Exposure] {
        try await exposures(
            """
            SELECT unit, variant, at FROM experiment_exposures WHERE experiment_id = \(experiment.rawValue)
            ORDER BY unit
            """
        )
    }

    public func exposures(in experiment: ExperimentID, since time: Timestamp) async throws -> [Exposure] {
        try await exposures(
            """
            SELECT unit, variant, at FROM experiment_exposures
            WHERE experiment_id = \(experiment.rawValue) AND at >= \(time.millisecondsSinceEpoch)
            """
        )
    }

    private func exposures(_ query: PostgresQuery) async throws -> [Exposure] {
        var found: [Exposure] = []
        for try await (unit, variant, at) in try await self.query(query, logger: logger).decode(
            (String, String, Int64).self
        ) {
            guard let unit = ExposureUnit(key: unit) else { continue }
            found.append(Exposure(unit: unit, variant: variant, at: Timestamp(millisecondsSinceEpoch: at)))
        }
        return found
    }
}
