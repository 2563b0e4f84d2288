/// An A/B test (docs/EXPERIMENTS.md): variants with weights and optional settings, the metric
/// that decides it, and where it stands.
public struct Experiment: Sendable, Equatable {
    public var id: ExperimentID
    public var variants: [ExperimentVariant]
    public var metric: ExperimentMetric
    public var status: ExperimentStatus
    /// When it was first put, last changed, and first set running (nil while a draft).
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var startedAt: Timestamp?

    public init(
        id: ExperimentID,
        variants: [ExperimentVariant],
        metric: ExperimentMetric,
        status: ExperimentStatus = .draft,
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil,
        startedAt: Timestamp? = nil
    ) {
        self.id = id
        self.variants = variants
        self.metric = metric
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
    }

    /// Most variants an experiment may have: every extra one costs power (Holm).
    public static let maximumVariants = 10
    /// Largest weight: shares are relative, and sums of huge weights would overflow.
    public static let maximumWeight = 1_000_000.0

    /// Checks what a client sent: 2 to 10 variants with distinct ids and finite, non-negative
    /// weights, at least one positive. The first variant is the baseline.
    public func validate() throws(AisleError) {
        guard (2...Self.maximumVariants).contains(variants.count) else {
            throw .invalid(
                "variants",
                "an experiment needs 2 to \(Self.maximumVariants) variants, got \(variants.count)"
            )
        }
        var seen = Set<String>()
        for (index, variant) in variants.enumerated() {
            try Identifier<ExperimentKind>.validate(variant.id, field: "variants[\(index)].id")
            guard seen.insert(variant.id).inserted else {
                throw .invalid(
                    "variants[\(index)].id",
                    "variant ids must be distinct; \"\(variant.id.prefix(64))\" repeats"
                )
            }
            guard variant.weight.isFinite, (0...Self.maximumWeight).contains(variant.weight) else {
                throw .invalid(
                    "variants[\(index)].weight",
                    "weights are 0 to \(Int(Self.maximumWeight)) (relative shares), got \(variant.weight)"
                )
            }
            _ = try VariantSettings(config: variant.config, field: "variants[\(index)].config")
        }
        guard variants.contains(where: { $0.weight > 0 }) else {
            throw .invalid("variants", "at least one variant needs a weight above 0")
        }
    }
}

/// One arm of an experiment. The first variant of an experiment is its baseline.
public struct ExperimentVariant: Sendable, Equatable, Codable {
    public var id: String
    /// Relative share of traffic (any positive scale: 1 and 1, or 50 and 50).
    public var weight: Double
    /// What the variant changes, handed back with the assignment (free-form JSON; the keys
    /// `VariantSettings` knows also set the feed and search for requests naming the experiment).
    public var config: JSONValue?

    /// The engine settings in `config` (none when a stored config no longer reads).
    public var settings: VariantSettings {
        (try? VariantSettings(config: config, field: "config")) ?? VariantSettings()
    }

    public init(id: String, weight: Double, config: JSONValue? = nil) {
        self.id = id
        self.weight = weight
        self.config = config
    }
}

/// What an experiment measures per exposed user, from their events after their first exposure.
public enum ExperimentMetric: Sendable, Equatable {
    /// 1 if the user did an event of this type, else 0.
    case conversion(EventType)
    /// How many events of this type the user did.
    case count(EventType)
    /// The user's purchases: quantity (`value`, default 1) times the item's catalog price,
    /// winsorised at the 99th percentile of all exposed users.
    case revenue

    /// The wire name: an event type (conversion), `count:TYPE`, or `revenue`.
    public var name: String {
        switch self {
        case .conversion(let type): type.rawValue
        case .count(let type): "count:" + type.rawValue
        case .revenue: "revenue"
        }
    }

    /// Parses a wire name.
    public init(name: String, field: String) throws(AisleError) {
        if name == "revenue" {
            self = .revenue
        } else if name.hasPrefix("count:") {
            self = .count(try EventType(validating: String(name.dropFirst(6)), field: field))
        } else {
            self = .conversion(try EventType(validating: name, field: field))
        }
    }

    /// The event type whose events the metric reads.
    public var eventType: EventType {
        switch self {
        case .conversion(let type), .count(let type): type
        case .revenue: .purchase
        }
    }
}

/// Where an experiment stands. Only a running experiment assigns shoppers and logs exposures.
public enum ExperimentStatus: String, Sendable, Codable, CaseIterable {
    case draft, running, stopped
}

public enum ExperimentKind: IdentifierKind { public static var name: String { "experiment id" } }
public typealias ExperimentID = Identifier<ExperimentKind>

/// Who is assigned: a user, or an anonymous device (its own id until it signs in).
public enum ExposureUnit: Sendable, Hashable {
    case user(UserID)
    case device(DeviceID)

    /// The stable id hashed for assignment; users and devices never collide ("u:", "d:").
    public var key: String {
        switch self {
        case .user(let id): "u:" + id.rawValue
        case .device(let id): "d:" + id.rawValue
        }
    }

    /// The unit a stored key names; nil for a key of neither form.
    public init?(key: String) {
        if key.hasPrefix("u:") {
            self = .user(UserID(String(key.dropFirst(2))))
        } else if key.hasPrefix("d:") {
            self = .device(DeviceID(String(key.dropFirst(2))))
        } else {
            return nil
        }
    }
}

/// A unit's first exposure to an experiment: the variant it got and when.
public struct Exposure: Sendable, Equatable {
    public var unit: ExposureUnit
    public var variant: String
    public var at: Timestamp

    public init(unit: ExposureUnit, variant: String, at: Timestamp) {
        self.unit = unit
        self.variant = variant
        self.at = at
    }
}
