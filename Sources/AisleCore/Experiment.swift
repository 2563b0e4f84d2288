/// An A/B test (docs/EXPERIMENTS.md): variants with weights and optional settings, the metric
/// that decides it, and where it stands.
public struct Experiment: Sendable, Equatable {
    public var id: ExperimentID
    public var variants: [ExperimentVariant]
    public var metric: ExperimentMetric
    /// Metrics a treatment must not harm (at most 5).
    public var guardrails: [Guardrail]
    /// Who the experiment is for (empty: everyone).
    public var targeting: ExperimentTargeting
    public var status: ExperimentStatus
    /// When it was first put, last changed, and first set running (nil while a draft).
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var startedAt: Timestamp?

    public init(
        id: ExperimentID,
        variants: [ExperimentVariant],
        metric: ExperimentMetric,
        guardrails: [Guardrail] = [],
        targeting: ExperimentTargeting = ExperimentTargeting(),
        status: ExperimentStatus = .draft,
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil,
        startedAt: Timestamp? = nil
    ) {
        self.id = id
        self.variants = variants
        self.metric = metric
        self.guardrails = guardrails
        self.targeting = targeting
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
    }

    /// Most variants an experiment may have: every extra one costs power (Holm).
    public static let maximumVariants = 10
    /// Most guardrail metrics: each is read from the same events, and each is another chance of a
    /// false alarm.
    public static let maximumGuardrails = 5
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
        guard guardrails.count <= Self.maximumGuardrails else {
            throw .invalid("guardrails", "at most \(Self.maximumGuardrails) guardrails, got \(guardrails.count)")
        }
        try targeting.validate()
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
public indirect enum ExperimentMetric: Sendable, Equatable, Hashable {
    /// 1 if the user did an event of this type, else 0.
    case conversion(EventType)
    /// How many events of this type the user did.
    case count(EventType)
    /// The user's purchases: quantity (`value`, default 1) times the item's catalog price,
    /// winsorised at the 99th percentile of the exposed users who bought.
    case revenue
    /// Σ numerator / Σ denominator over an arm's users (revenue per order, carts per view),
    /// compared with the delta method. Both parts are counts or revenue.
    case ratio(numerator: ExperimentMetric, denominator: ExperimentMetric)

    /// The wire name: an event type (conversion), `count:TYPE`, `revenue`, or
    /// `ratio:NUM/DEN` whose parts are `revenue` or an event type (its count).
    public var name: String {
        switch self {
        case .conversion(let type): type.rawValue
        case .count(let type): "count:" + type.rawValue
        case .revenue: "revenue"
        case .ratio(let numerator, let denominator): "ratio:\(numerator.partName)/\(denominator.partName)"
        }
    }

    private var partName: String {
        switch self {
        case .count(let type), .conversion(let type): type.rawValue
        case .revenue, .ratio: "revenue"
        }
    }

    /// Parses a wire name.
    public init(name: String, field: String) throws(AisleError) {
        if name == "revenue" {
            self = .revenue
        } else if name.hasPrefix("count:") {
            self = .count(try EventType(validating: String(name.dropFirst(6)), field: field))
        } else if name.hasPrefix("ratio:") {
            let parts = name.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .invalid(field, "a ratio metric is ratio:NUMERATOR/DENOMINATOR, e.g. ratio:revenue/purchase")
            }
            func part(_ text: Substring) throws(AisleError) -> ExperimentMetric {
                text == "revenue" ? .revenue : .count(try EventType(validating: String(text), field: field))
            }
            self = .ratio(numerator: try part(parts[0]), denominator: try part(parts[1]))
        } else {
            self = .conversion(try EventType(validating: name, field: field))
        }
    }

    /// The per-user sums the metric is made of: itself, or a ratio's two parts.
    public var parts: [ExperimentMetric] {
        switch self {
        case .ratio(let numerator, let denominator): [numerator, denominator]
        default: [self]
        }
    }

    /// The event types whose events the metric reads.
    public var eventTypes: Set<EventType> {
        switch self {
        case .conversion(let type), .count(let type): [type]
        case .revenue: [.purchase]
        case .ratio(let numerator, let denominator): numerator.eventTypes.union(denominator.eventTypes)
        }
    }
}

/// A metric a treatment must not harm (orders while testing a banner, returns while testing a
/// discount): results compare it like the primary metric and warn when a treatment is
/// significantly worse.
public struct Guardrail: Sendable, Equatable {
    /// Which way is harm.
    public enum Harm: String, Sendable, Equatable, CaseIterable {
        case decrease, increase
    }

    public var metric: ExperimentMetric
    public var harm: Harm

    public init(metric: ExperimentMetric, harm: Harm = .decrease) {
        self.metric = metric
        self.harm = harm
    }
}

/// Who an experiment is for: shoppers on these platforms and with these locales (an empty list
/// admits everyone). A shopper outside it gets the baseline and is not exposed; a shopper once
/// exposed stays in the experiment.
public struct ExperimentTargeting: Sendable, Equatable {
    public var platforms: Set<Platform>
    /// Languages (`de`: any German locale) or full locales (`fr-CA`).
    public var locales: [String]

    public init(platforms: Set<Platform> = [], locales: [String] = []) {
        self.platforms = platforms
        self.locales = locales
    }

    /// Admits everyone.
    public var isEmpty: Bool { platforms.isEmpty && locales.isEmpty }

    /// Whether a shopper on `platform` with `locale` is in. When a list names any, a shopper
    /// whose platform or locale is not known is out.
    public func admits(platform: Platform?, locale: String?) -> Bool {
        if !platforms.isEmpty {
            guard let platform, platforms.contains(platform) else { return false }
        }
        guard !locales.isEmpty else { return true }
        guard let locale = locale.map(Self.normalised) else { return false }
        return locales.contains { wanted in
            let wanted = Self.normalised(wanted)
            return locale == wanted || locale.hasPrefix(wanted + "-")
        }
    }

    /// Lower case, `_` read as `-` (`de_DE` is `de-de`).
    private static func normalised(_ locale: String) -> String {
        String(locale.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// Most locales a targeting may list.
    public static let maximumLocales = 50

    public func validate() throws(AisleError) {
        guard locales.count <= Self.maximumLocales else {
            throw .invalid("targeting.locales", "at most \(Self.maximumLocales) locales, got \(locales.count)")
        }
        for (index, locale) in locales.enumerated() {
            let valid =
                (2...35).contains(locale.utf8.count)
                && locale.utf8.allSatisfy {
                    $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (48...57).contains($0)
                        || (65...90).contains($0) || (97...122).contains($0)
                }
            guard valid else {
                throw .invalid(
                    "targeting.locales[\(index)]",
                    "a locale is a language or locale tag such as de or fr-CA, got \"\(locale.prefix(40))\""
                )
            }
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
