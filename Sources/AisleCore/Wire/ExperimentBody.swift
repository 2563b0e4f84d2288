/// `PUT /v1/experiments/{id}`: the definition (the id comes from the path).
public struct ExperimentRequestBody: Decodable, Sendable, Equatable {
    public var variants: [ExperimentVariant]
    public var metric: String
    public var guardrails: [GuardrailBody]?
    public var targeting: TargetingBody?
    public var status: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case variants, metric, guardrails, targeting, status
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variants = try container.decode([VariantBody].self, forKey: .variants).map(\.variant)
        metric = try container.decode(String.self, forKey: .metric)
        guardrails = try container.decodeIfPresent([GuardrailBody].self, forKey: .guardrails)
        targeting = try container.decodeIfPresent(TargetingBody.self, forKey: .targeting)
        status = try container.decodeIfPresent(String.self, forKey: .status)
    }

    /// The experiment this describes; throws `invalid_field` naming what is wrong.
    public func experiment(id: ExperimentID) throws(AisleError) -> Experiment {
        let status = try status.map { (name: String) throws(AisleError) -> ExperimentStatus in
            guard let status = ExperimentStatus(rawValue: name) else {
                throw .invalid(
                    "status",
                    "status is one of \(ExperimentStatus.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name.prefix(32))\""
                )
            }
            return status
        }
        let experiment = Experiment(
            id: id,
            variants: variants,
            metric: try ExperimentMetric(name: metric, field: "metric"),
            guardrails: try (guardrails ?? []).enumerated().map { (index, body) throws(AisleError) in
                try body.guardrail(field: "guardrails[\(index)]")
            },
            targeting: try targeting?.targeting() ?? ExperimentTargeting(),
            status: status ?? .draft
        )
        try experiment.validate()
        return experiment
    }

    /// A variant as sent: `id`, `weight`, optional `config`, nothing else.
    struct VariantBody: Decodable {
        var variant: ExperimentVariant

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, weight, config
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            variant = ExperimentVariant(
                id: try container.decode(String.self, forKey: .id),
                weight: try container.decode(Double.self, forKey: .weight),
                config: try container.decodeIfPresent(JSONValue.self, forKey: .config)
            )
        }
    }
}

/// A guardrail: a metric (as `metric`) a treatment must not harm, and which way is harm
/// (`decrease`, the default, or `increase`).
public struct GuardrailBody: Codable, Sendable, Equatable {
    public var metric: String
    public var harm: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case metric, harm
    }

    public init(metric: String, harm: String?) {
        self.metric = metric
        self.harm = harm
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metric = try container.decode(String.self, forKey: .metric)
        harm = try container.decodeIfPresent(String.self, forKey: .harm)
    }

    func guardrail(field: String) throws(AisleError) -> Guardrail {
        let harm = try harm.map { (name: String) throws(AisleError) -> Guardrail.Harm in
            guard let harm = Guardrail.Harm(rawValue: name) else {
                throw .invalid(
                    "\(field).harm",
                    "harm is one of \(Guardrail.Harm.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name.prefix(32))\""
                )
            }
            return harm
        }
        return Guardrail(metric: try ExperimentMetric(name: metric, field: "\(field).metric"), harm: harm ?? .decrease)
    }
}

/// Who an experiment is for: `platforms` (ios, android, web, desktop) and `locales` (`de`, `fr-CA`);
/// a missing or empty list admits everyone.
public struct TargetingBody: Codable, Sendable, Equatable {
    public var platforms: [String]?
    public var locales: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case platforms, locales
    }

    public init(platforms: [String]?, locales: [String]?) {
        self.platforms = platforms
        self.locales = locales
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        platforms = try container.decodeIfPresent([String].self, forKey: .platforms)
        locales = try container.decodeIfPresent([String].self, forKey: .locales)
    }

    func targeting() throws(AisleError) -> ExperimentTargeting {
        var platforms = Set<Platform>()
        for (index, name) in (self.platforms ?? []).enumerated() {
            guard let platform = Platform(rawValue: name) else {
                throw .invalid(
                    "targeting.platforms[\(index)]",
                    "platforms are \(Platform.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name.prefix(32))\""
                )
            }
            platforms.insert(platform)
        }
        return ExperimentTargeting(platforms: platforms, locales: locales ?? [])
    }
}

/// An experiment as the API answers it.
public struct ExperimentBody: Codable, Sendable, Equatable {
    public var id: String
    public var variants: [ExperimentVariant]
    public var metric: String
    public var guardrails: [GuardrailBody]
    /// Absent when the experiment is for everyone.
    public var targeting: TargetingBody?
    public var status: String
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?
    public var startedAt: TimestampBody?

    enum CodingKeys: String, CodingKey {
        case id, variants, metric, guardrails, targeting, status
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
    }

    public init(_ experiment: Experiment) {
        id = experiment.id.rawValue
        variants = experiment.variants
        metric = experiment.metric.name
        guardrails = experiment.guardrails.map { GuardrailBody(metric: $0.metric.name, harm: $0.harm.rawValue) }
        targeting =
            experiment.targeting.isEmpty
            ? nil
            : TargetingBody(
                platforms: experiment.targeting.platforms.map(\.rawValue).sorted(),
                locales: experiment.targeting.locales
            )
        status = experiment.status.rawValue
        createdAt = experiment.createdAt.map(TimestampBody.init)
        updatedAt = experiment.updatedAt.map(TimestampBody.init)
        startedAt = experiment.startedAt.map(TimestampBody.init)
    }
}

/// `GET /v1/experiments/{id}/assignment`: the variant and its settings.
public struct AssignmentBody: Codable, Sendable, Equatable {
    public var experimentID: String
    public var variant: String
    public var config: JSONValue?
    /// Whether this shopper counts in the results (false while the experiment is not running).
    public var exposed: Bool

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id"
        case variant, config, exposed
    }

    public init(experimentID: String, variant: String, config: JSONValue?, exposed: Bool) {
        self.experimentID = experimentID
        self.variant = variant
        self.config = config
        self.exposed = exposed
    }
}

/// A figure with its two-sided interval, on the wire.
public struct IntervalBody: Codable, Sendable, Equatable {
    public var value: Double
    public var ci: [Double]

    public init(value: Double, low: Double, high: Double) {
        self.value = value
        ci = [low, high]
    }
}

/// `GET /v1/experiments/{id}/results`.
public struct ExperimentResultsBody: Codable, Sendable, Equatable {
    public struct Variant: Codable, Sendable, Equatable {
        public var id: String
        public var users: Int
        public var conversions: Int
        public var mean: Double
        public var variance: Double

        public init(id: String, users: Int, conversions: Int, mean: Double, variance: Double) {
            self.id = id
            self.users = users
            self.conversions = conversions
            self.mean = mean
            self.variance = variance
        }
    }

    public struct Comparison: Codable, Sendable, Equatable {
        public var variant: String
        public var baseline: String
        public var absoluteDifference: IntervalBody
        public var relativeLift: IntervalBody?
        public var pValue: Double
        public var chanceToBeat: Double
        public var expectedLoss: Double
        public var sequentialCI: [Double]
        /// The absolute difference with CUPED (pre-period covariate), when it applies.
        public var cupedAbsoluteDifference: IntervalBody?

        enum CodingKeys: String, CodingKey {
            case variant, baseline
            case cupedAbsoluteDifference = "cuped_absolute_difference"
            case absoluteDifference = "absolute_difference"
            case relativeLift = "relative_lift"
            case pValue = "p_value"
            case chanceToBeat = "chance_to_beat"
            case expectedLoss = "expected_loss"
            case sequentialCI = "sequential_ci"
        }

        public init(
            variant: String,
            baseline: String,
            absoluteDifference: IntervalBody,
            relativeLift: IntervalBody?,
            pValue: Double,
            chanceToBeat: Double,
            expectedLoss: Double,
            sequentialCI: [Double],
            cupedAbsoluteDifference: IntervalBody? = nil
        ) {
            self.variant = variant
            self.baseline = baseline
            self.absoluteDifference = absoluteDifference
            self.relativeLift = relativeLift
            self.pValue = pValue
            self.chanceToBeat = chanceToBeat
            self.expectedLoss = expectedLoss
            self.sequentialCI = sequentialCI
            self.cupedAbsoluteDifference = cupedAbsoluteDifference
        }
    }

    /// A guardrail's figures, and the treatments that harm it significantly.
    public struct Guardrail: Codable, Sendable, Equatable {
        public var metric: String
        public var harm: String
        public var variants: [Variant]
        public var comparisons: [Comparison]
        public var harmedBy: [String]

        enum CodingKeys: String, CodingKey {
            case metric, harm, variants, comparisons
            case harmedBy = "harmed_by"
        }

        public init(metric: String, harm: String, variants: [Variant], comparisons: [Comparison], harmedBy: [String]) {
            self.metric = metric
            self.harm = harm
            self.variants = variants
            self.comparisons = comparisons
            self.harmedBy = harmedBy
        }
    }

    public var experimentID: String
    public var metric: String
    public var variants: [Variant]
    public var comparisons: [Comparison]
    public var guardrails: [Guardrail]
    public var srmPValue: Double
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id"
        case metric, variants, comparisons, guardrails, warnings
        case srmPValue = "srm_p_value"
    }

    public init(
        experimentID: String,
        metric: String,
        variants: [Variant],
        comparisons: [Comparison],
        guardrails: [Guardrail] = [],
        srmPValue: Double,
        warnings: [String]
    ) {
        self.experimentID = experimentID
        self.metric = metric
        self.variants = variants
        self.comparisons = comparisons
        self.guardrails = guardrails
        self.srmPValue = srmPValue
        self.warnings = warnings
    }
}
