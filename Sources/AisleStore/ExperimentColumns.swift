import AisleCore
import Foundation

/// An experiment's columns as both stores keep them: variants, guardrails and targeting as JSON
/// text, the metric and status by name.
enum ExperimentColumns {
    /// Guardrails as stored: `[{"metric": NAME, "harm": "decrease"|"increase"}]`.
    static func guardrailsText(_ guardrails: [Guardrail]) -> String {
        let value = JSONValue.array(
            guardrails.map { .object(["metric": .string($0.metric.name), "harm": .string($0.harm.rawValue)]) }
        )
        return value.jsonText
    }

    /// Guardrails read back; one the current code cannot read is left out.
    static func guardrails(_ text: String) -> [Guardrail] {
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
    static func targetingText(_ targeting: ExperimentTargeting) -> String {
        JSONValue.object([
            "platforms": .array(targeting.platforms.map(\.rawValue).sorted().map(JSONValue.string)),
            "locales": .array(targeting.locales.map(JSONValue.string)),
        ]).jsonText
    }

    /// Targeting read back; a platform the current code does not know is left out.
    static func targeting(_ text: String) -> ExperimentTargeting {
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

    /// An experiment from its stored columns; a row the current code cannot read (a metric of a
    /// newer version) keeps its id with the fields it can.
    static func experiment(
        id: String,
        variants: String,
        metric: String,
        guardrails guardrailsText: String?,
        targeting targetingText: String?,
        status: String,
        createdAt: Int64,
        updatedAt: Int64,
        startedAt: Int64?
    ) throws -> Experiment {
        Experiment(
            id: ExperimentID(id),
            variants: try JSONDecoder().decode([ExperimentVariant].self, from: Data(variants.utf8)),
            metric: (try? ExperimentMetric(name: metric, field: "metric")) ?? .conversion(.purchase),
            guardrails: guardrails(guardrailsText ?? "[]"),
            targeting: targeting(targetingText ?? "{}"),
            status: ExperimentStatus(rawValue: status) ?? .stopped,
            createdAt: Timestamp(millisecondsSinceEpoch: createdAt),
            updatedAt: Timestamp(millisecondsSinceEpoch: updatedAt),
            startedAt: startedAt.map(Timestamp.init(millisecondsSinceEpoch:))
        )
    }
}
