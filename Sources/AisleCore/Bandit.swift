/// A multi-armed bandit (docs/EXPERIMENTS.md, "Bandits"): arms (campaigns, banners,
/// strategies) shown by Thompson sampling, or LinUCB when it learns from context, shifting
/// traffic to what earns the reward.
public struct Bandit: Sendable, Equatable {
    public var id: BanditID
    public var arms: [BanditArm]
    public var reward: BanditReward
    /// Request features the choice learns from; empty for a plain bandit.
    public var context: [BanditFeature]
    /// Share of choices made uniformly at random (0 to 0.5).
    public var minimumExploration: Double
    /// How long after a choice a reward event still counts for it.
    public var attributionWindowMinutes: Int

    public init(
        id: BanditID,
        arms: [BanditArm],
        reward: BanditReward,
        context: [BanditFeature] = [],
        minimumExploration: Double = 0.05,
        attributionWindowMinutes: Int = 60
    ) {
        self.id = id
        self.arms = arms
        self.reward = reward
        self.context = context
        self.minimumExploration = minimumExploration
        self.attributionWindowMinutes = attributionWindowMinutes
    }

    public static let maximumArms = 50

    /// Checks what a client sent: 1 to 50 arms with distinct ids, at least one not retired,
    /// an exploration share of 0 to 0.5, a window of 1 minute to 30 days.
    public func validate() throws(AisleError) {
        guard (1...Self.maximumArms).contains(arms.count) else {
            throw .invalid("arms", "a bandit needs 1 to \(Self.maximumArms) arms, got \(arms.count)")
        }
        var seen = Set<String>()
        for (index, arm) in arms.enumerated() {
            try Identifier<BanditKind>.validate(arm.id, field: "arms[\(index)].id")
            guard seen.insert(arm.id).inserted else {
                throw .invalid("arms[\(index)].id", "arm ids must be distinct; \"\(arm.id.prefix(64))\" repeats")
            }
        }
        guard arms.contains(where: { !$0.retired }) else {
            throw .invalid("arms", "at least one arm must not be retired")
        }
        guard minimumExploration.isFinite, (0...0.5).contains(minimumExploration) else {
            throw .invalid("minimum_exploration", "minimum_exploration is 0 to 0.5, got \(minimumExploration)")
        }
        guard (1...43_200).contains(attributionWindowMinutes) else {
            throw .invalid(
                "attribution_window_minutes",
                "attribution_window_minutes is 1 to 43200 (30 days), got \(attributionWindowMinutes)"
            )
        }
        guard Set(context).count == context.count else {
            throw .invalid("context", "each context feature at most once")
        }
    }
}

/// One arm. A retired arm is no longer chosen but keeps its record; putting it back without
/// `retired` resumes it.
public struct BanditArm: Sendable, Equatable, Codable {
    public var id: String
    public var config: JSONValue?
    public var retired: Bool

    public init(id: String, config: JSONValue? = nil, retired: Bool = false) {
        self.id = id
        self.config = config
        self.retired = retired
    }
}

/// What a bandit learns from.
public enum BanditReward: Sendable, Equatable {
    /// 1 when the shopper does an event of this type within the window after a choice, else 0
    /// (Beta–Bernoulli posteriors).
    case event(EventType)
    /// The `value` of purchase events within the window (normal posteriors).
    case revenue

    public var name: String {
        switch self {
        case .event(let type): type.rawValue
        case .revenue: "revenue"
        }
    }

    public init(name: String, field: String) throws(AisleError) {
        self = name == "revenue" ? .revenue : .event(try EventType(validating: name, field: field))
    }

    /// Whether rewards are 0 or 1.
    public var isBinary: Bool { self != .revenue }

    /// The event type that earns rewards.
    public var eventType: EventType {
        switch self {
        case .event(let type): type
        case .revenue: .purchase
        }
    }
}

/// A request feature a contextual bandit learns from; the app sends it with the choice.
public enum BanditFeature: String, Sendable, Codable, CaseIterable {
    /// `platform=ios|android|web` (anything else counts as other).
    case platform
    /// `returning=true|false`: whether the shopper has been here before.
    case returning
}

public enum BanditKind: IdentifierKind { public static var name: String { "bandit id" } }
public typealias BanditID = Identifier<BanditKind>
