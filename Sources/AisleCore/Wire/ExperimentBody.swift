/// `PUT /v1/experiments/{id}`: the definition (the id comes from the path).
public struct ExperimentRequestBody: Decodable, Sendable, Equatable {
    public var variants: [ExperimentVariant]
    public var metric: String
    public var status: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case variants, metric, status
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variants = try container.decode([VariantBody].self, forKey: .variants).map(\.variant)
        metric = try container.decode(String.self, forKey: .metric)
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

/// An experiment as the API answers it.
public struct ExperimentBody: Codable, Sendable, Equatable {
    public var id: String
    public var variants: [ExperimentVariant]
    public var metric: String
    public var status: String
    public var createdAt: TimestampBody?
    public var updatedAt: TimestampBody?
    public var startedAt: TimestampBody?

    enum CodingKeys: String, CodingKey {
        case id, variants, metric, status
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
    }

    public init(_ experiment: Experiment) {
        id = experiment.id.rawValue
        variants = experiment.variants
        metric = experiment.metric.name
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

    public var experimentID: String
    public var metric: String
    public var variants: [Variant]
    public var comparisons: [Comparison]
    public var srmPValue: Double
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id"
        case metric, variants, comparisons, warnings
        case srmPValue = "srm_p_value"
    }

    public init(
        experimentID: String,
        metric: String,
        variants: [Variant],
        comparisons: [Comparison],
        srmPValue: Double,
        warnings: [String]
    ) {
        self.experimentID = experimentID
        self.metric = metric
        self.variants = variants
        self.comparisons = comparisons
        self.srmPValue = srmPValue
        self.warnings = warnings
    }
}
