public import AisleCore
import Foundation
import GRDB

/// Experiments and their exposures (`experiments`, `experiment_exposures`, migration v12).
extension SQLiteStore {
    public func putExperiment(_ experiment: Experiment, at now: Timestamp) async throws -> Experiment {
        let variants = String(decoding: try JSONEncoder().encode(experiment.variants), as: UTF8.self)
        let guardrails = Self.guardrailsText(experiment.guardrails)
        let targeting = Self.targetingText(experiment.targeting)
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

    /// Guardrails as stored: `[{"metric": NAME, "harm": "decrease"|"increase"}]`.
    private static func guardrailsText(_ guardrails: [Guardrail]) -> String {
        let value = JSONValue.array(
            guardrails.map { .object(["metric": .string($0.metric.name), "harm": .string($0.harm.rawValue)]) }
        )
        return value.jsonText
    }

    /// Guardrails read back; one the current code cannot read is left out.
    private static func guardrails(_ text: String) -> [Guardrail] {
        guard case .array(let entries)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return []
        }
        return entries.compactMap { entry in
            guard case .object(let members) = entry, case .string(let name)? = members["metric"],
                let metric = try? ExperimentMetric(name: name, field: "metric")
            else { return nil }
            var harm = Guardrail.Harm.decrease
            if case .string(let text)? = members["harm"], let read = Guardrail.Harm(rawValue: text) { harm = read }
            return Guardrail(metric: metric, harm: harm)
        }
    }

    /// Targeting as stored: `{"platforms": [...], "locales": [...]}`.
    private static func targetingText(_ targeting: ExperimentTargeting) -> String {
        JSONValue.object([
            "platforms": .array(targeting.platforms.map(\.rawValue).sorted().map(JSONValue.string)),
            "locales": .array(targeting.locales.map(JSONValue.string)),
        ]).jsonText
    }

    /// Targeting read back; a platform the current code does not know is left out.
    private static func targeting(_ text: String) -> ExperimentTargeting {
        guard case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return ExperimentTargeting()
        }
        func strings(_ key: String) -> [String] {
            guard case .array(let values)? = members[key] else { return [] }
            return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        return ExperimentTargeting(
            platforms: Set(strings("platforms").compactMap(Platform.init)),
            locales: strings("locales")
        )
    }

    /// An experiment as stored; a row the current code cannot read (a metric of a newer
    /// version) keeps its id with the fields it can.
    private static func experiment(_ row: Row) throws -> Experiment {
        let variants = try JSONDecoder().decode([ExperimentVariant].self, from: Data((row["variants"] as String).utf8))
        let metricName: String = row["metric"]
        let statusName: String = row["status"]
        let started: Int64? = row["started_at"]
        return Experiment(
            id: ExperimentID(row["id"] as String),
            variants: variants,
            metric: (try? ExperimentMetric(name: metricName, field: "metric")) ?? .conversion(.purchase),
            guardrails: guardrails(row["guardrails"] ?? "[]"),
            targeting: targeting(row["targeting"] ?? "{}"),
            status: ExperimentStatus(rawValue: statusName) ?? .stopped,
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]),
            startedAt: started.map(Timestamp.init(millisecondsSinceEpoch:))
        )
    }
}
