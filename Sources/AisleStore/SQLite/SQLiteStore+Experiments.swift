public import AisleCore
import Foundation
import GRDB

/// Experiments and their exposures (`experiments`, `experiment_exposures`, migration v12).
extension SQLiteStore {
    public func putExperiment(_ experiment: Experiment, at now: Timestamp) async throws -> Experiment {
        let variants = String(decoding: try JSONEncoder().encode(experiment.variants), as: UTF8.self)
        let guardrails = ExperimentColumns.guardrailsText(experiment.guardrails)
        let targeting = ExperimentColumns.targetingText(experiment.targeting)
        return try await write { db in
            let existing = try Row.fetchOne(
                db,
                sql: "SELECT created_at, started_at FROM experiments WHERE id = ?",
                arguments: [experiment.id.rawValue]
            )
            var stored = experiment
            stored.createdAt = existing.map { Timestamp(millisecondsSinceEpoch: $0["created_at"]) } ?? now
            stored.updatedAt = now
            let started: Int64? = existing?["started_at"]
            stored.startedAt =
                started.map(Timestamp.init(millisecondsSinceEpoch:)) ?? (experiment.status == .running ? now : nil)
            try db.execute(
                sql: """
                    INSERT INTO experiments
                        (id, variants, metric, guardrails, targeting, status, created_at, updated_at, started_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET variants = excluded.variants, metric = excluded.metric,
                        guardrails = excluded.guardrails, targeting = excluded.targeting, status = excluded.status,
                        updated_at = excluded.updated_at, started_at = excluded.started_at
                    """,
                arguments: [
                    experiment.id.rawValue, variants, experiment.metric.name, guardrails, targeting,
                    experiment.status.rawValue,
                    stored.createdAt?.millisecondsSinceEpoch, now.millisecondsSinceEpoch,
                    stored.startedAt?.millisecondsSinceEpoch,
                ]
            )
            return stored
        }
    }

    public func experiment(_ id: ExperimentID) async throws -> Experiment? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE id = ?", arguments: [id.rawValue])
                .map(Self.experiment)
        }
    }

    public func experiments() async throws -> [Experiment] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY id").map(Self.experiment)
        }
    }

    public func recordExposure(_ exposure: Exposure, in experiment: ExperimentID) async throws -> Exposure {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO experiment_exposures (experiment_id, unit, variant, at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (experiment_id, unit) DO NOTHING
                    """,
                arguments: [
                    experiment.rawValue, exposure.unit.key, exposure.variant, exposure.at.millisecondsSinceEpoch,
                ]
            )
            let row = try Row.fetchOne(
                db,
                sql: "SELECT variant, at FROM experiment_exposures WHERE experiment_id = ? AND unit = ?",
                arguments: [experiment.rawValue, exposure.unit.key]
            )
            guard let row else { return exposure }
            return Exposure(
                unit: exposure.unit,
                variant: row["variant"],
                at: Timestamp(millisecondsSinceEpoch: row["at"])
            )
        }
    }

    public func recordExposures(_ exposures: [(experiment: ExperimentID, exposure: Exposure)]) async throws {
        guard !exposures.isEmpty else { return }
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO experiment_exposures (experiment_id, unit, variant, at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (experiment_id, unit) DO NOTHING
                    """
            )
            for (experiment, exposure) in exposures {
                try statement.execute(arguments: [
                    experiment.rawValue, exposure.unit.key, exposure.variant, exposure.at.millisecondsSinceEpoch,
                ])
            }
        }
    }

    public func exposure(of unit: ExposureUnit, in experiment: ExperimentID) async throws -> Exposure? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT variant, at FROM experiment_exposures WHERE experiment_id = ? AND unit = ?",
                arguments: [experiment.rawValue, unit.key]
            ).map { Exposure(unit: unit, variant: $0["variant"], at: Timestamp(millisecondsSinceEpoch: $0["at"])) }
        }
    }

    public func exposures(in experiment: ExperimentID) async throws -> [Exposure] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT unit, variant, at FROM experiment_exposures WHERE experiment_id = ? ORDER BY unit",
                arguments: [experiment.rawValue]
            ).compactMap { row in
                ExposureUnit(key: row["unit"]).map {
                    Exposure(unit: $0, variant: row["variant"], at: Timestamp(millisecondsSinceEpoch: row["at"]))
                }
            }
        }
    }

    public func exposures(in experiment: ExperimentID, since time: Timestamp) async throws -> [Exposure] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT unit, variant, at FROM experiment_exposures WHERE experiment_id = ? AND at >= ?",
                arguments: [experiment.rawValue, time.millisecondsSinceEpoch]
            ).compactMap { row in
                ExposureUnit(key: row["unit"]).map {
                    Exposure(unit: $0, variant: row["variant"], at: Timestamp(millisecondsSinceEpoch: row["at"]))
                }
            }
        }
    }

    /// An experiment as stored (`ExperimentColumns.experiment`).
    private static func experiment(_ row: Row) throws -> Experiment {
        try ExperimentColumns.experiment(
            id: row["id"],
            variants: row["variants"],
            metric: row["metric"],
            guardrails: row["guardrails"],
            targeting: row["targeting"],
            status: row["status"],
            createdAt: row["created_at"],
            updatedAt: row["updated_at"],
            startedAt: row["started_at"]
        )
    }
}
