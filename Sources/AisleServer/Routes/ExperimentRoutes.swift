import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// Experiments (docs/EXPERIMENTS.md): definitions and results for the admin, assignments for
/// apps (the ingest key's `experiments:read`).
struct ExperimentRoutes {
    let engine: Engine

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("experiments/{id}/assignment", use: assignment)
    }

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.put("experiments/{id}", use: put)
        group.get("experiments/{id}", use: get)
        group.get("experiments", use: list)
        group.get("experiments/{id}/results", use: results)
    }

    @Sendable func put(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        var request = request
        let body = try await request.decodeBody(ExperimentRequestBody.self, maxBytes: 256 * 1024)
        let stored = try await engine.putExperiment(try body.experiment(id: id))
        return JSONResponse.encoded(ExperimentBody(stored))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(ExperimentBody(try await engine.experiment(try Self.id(context))))
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(PageBody(data: try await engine.experiments().map(ExperimentBody.init), nextCursor: nil))
    }

    @Sendable func assignment(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let shopper = try ShopperParameters.required(request)
        let platform = try request.queryString("platform").map {
            try SearchRoutes.choice($0, of: Platform.self, field: "platform")
        }
        let locale = request.queryString("locale")
        if let locale, locale.utf8.count > 35 {
            throw AisleError.invalid("locale", "locale is a tag such as de-DE, at most 35 bytes")
        }
        let assignment = try await engine.assignment(in: id, for: shopper, platform: platform, locale: locale)
        return JSONResponse.encoded(AssignmentBody(assignment))
    }

    @Sendable func results(request: Request, context: AisleRequestContext) async throws -> Response {
        let results = try await engine.experimentResults(try Self.id(context))
        return JSONResponse.encoded(Self.body(results))
    }

    static func id(_ context: AisleRequestContext) throws(AisleError) -> ExperimentID {
        try ExperimentID(validating: context.parameters.get("id") ?? "", field: "id")
    }

    /// The results on the wire (figures made finite for JSON).
    static func body(_ results: ExperimentResults) -> ExperimentResultsBody {
        func finite(_ x: Double) -> Double { x.finiteForJSON }
        func interval(_ x: ExperimentResults.Interval) -> IntervalBody {
            IntervalBody(value: finite(x.value), low: finite(x.low), high: finite(x.high))
        }
        func variants(_ variants: [ExperimentResults.Variant]) -> [ExperimentResultsBody.Variant] {
            variants.map {
                .init(
                    id: $0.id,
                    users: $0.users,
                    conversions: $0.conversions,
                    mean: finite($0.mean),
                    variance: finite($0.variance)
                )
            }
        }
        func comparisons(_ comparisons: [ExperimentResults.Comparison]) -> [ExperimentResultsBody.Comparison] {
            comparisons.map {
                .init(
                    variant: $0.variant,
                    baseline: $0.baseline,
                    absoluteDifference: interval($0.absoluteDifference),
                    relativeLift: $0.relativeLift.map(interval),
                    pValue: finite($0.pValue),
                    chanceToBeat: finite($0.chanceToBeat),
                    expectedLoss: finite($0.expectedLoss),
                    sequentialCI: [finite($0.sequentialInterval.low), finite($0.sequentialInterval.high)],
                    cupedAbsoluteDifference: $0.cupedDifference.map(interval)
                )
            }
        }
        return ExperimentResultsBody(
            experimentID: results.experimentID.rawValue,
            metric: results.metric.name,
            variants: variants(results.variants),
            comparisons: comparisons(results.comparisons),
            guardrails: results.guardrails.map {
                .init(
                    metric: $0.guardrail.metric.name,
                    harm: $0.guardrail.harm.rawValue,
                    variants: variants($0.results.variants),
                    comparisons: comparisons($0.results.comparisons),
                    harmedBy: $0.harmedBy
                )
            },
            srmPValue: finite(results.sampleRatioPValue),
            warnings: results.warnings
        )
    }
}

extension AssignmentBody {
    /// A shopper's variant on the wire (the assignment route, and lists and searches that name
    /// an experiment).
    init(_ assignment: ExperimentAssignment) {
        self.init(
            experimentID: assignment.experimentID.rawValue,
            variant: assignment.variant.id,
            config: assignment.variant.config,
            exposed: assignment.exposedAt != nil
        )
    }
}
