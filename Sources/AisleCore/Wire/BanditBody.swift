/// `PUT /v1/bandits/{id}`: the definition (the id comes from the path).
public struct BanditRequestBody: Decodable, Sendable, Equatable {
    public var arms: [BanditArm]
    public var reward: String
    public var context: [String]?
    public var minimumExploration: Double?
    public var attributionWindowMinutes: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case arms, reward, context
        case minimumExploration = "minimum_exploration"
        case attributionWindowMinutes = "attribution_window_minutes"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        arms = try container.decode([ArmBody].self, forKey: .arms).map(\.arm)
        reward = try container.decode(String.self, forKey: .reward)
        context = try container.decodeIfPresent([String].self, forKey: .context)
        minimumExploration = try container.decodeIfPresent(Double.self, forKey: .minimumExploration)
        attributionWindowMinutes = try container.decodeIfPresent(Int.self, forKey: .attributionWindowMinutes)
    }

    /// The bandit this describes; throws `invalid_field` naming what is wrong.
    public func bandit(id: BanditID) throws(AisleError) -> Bandit {
        var features: [BanditFeature] = []
        for (index, name) in (context ?? []).enumerated() {
            guard let feature = BanditFeature(rawValue: name) else {
                throw .invalid(
                    "context[\(index)]",
                    "context features are \(BanditFeature.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name.prefix(32))\""
                )
            }
            features.append(feature)
        }
        let bandit = Bandit(
            id: id,
            arms: arms,
            reward: try BanditReward(name: reward, field: "reward"),
            context: features,
            minimumExploration: minimumExploration ?? 0.05,
            attributionWindowMinutes: attributionWindowMinutes ?? 60
        )
        try bandit.validate()
        return bandit
    }

    /// An arm as sent: `id`, optional `config` and `retired`, nothing else.
    struct ArmBody: Decodable {
        var arm: BanditArm

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, config, retired
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            arm = BanditArm(
                id: try container.decode(String.self, forKey: .id),
                config: try container.decodeIfPresent(JSONValue.self, forKey: .config),
                retired: try container.decodeIfPresent(Bool.self, forKey: .retired) ?? false
            )
        }
    }
}

/// A bandit and what it learned, as the API answers it.
public struct BanditBody: Codable, Sendable, Equatable {
    public struct Arm: Codable, Sendable, Equatable {
        public var id: String
        public var config: JSONValue?
        public var retired: Bool
        public var pulls: Int
        public var rewards: Int
        /// Posterior mean reward per pull, with its central 95% interval.
        public var mean: Double
        public var interval: [Double]

        public init(
            id: String,
            config: JSONValue?,
            retired: Bool,
            pulls: Int,
            rewards: Int,
            mean: Double,
            interval: [Double]
        ) {
            self.id = id
            self.config = config
            self.retired = retired
            self.pulls = pulls
            self.rewards = rewards
            self.mean = mean
            self.interval = interval
        }
    }

    public var id: String
    public var reward: String
    public var context: [String]
    public var minimumExploration: Double
    public var attributionWindowMinutes: Int
    public var arms: [Arm]

    enum CodingKeys: String, CodingKey {
        case id, reward, context, arms
        case minimumExploration = "minimum_exploration"
        case attributionWindowMinutes = "attribution_window_minutes"
    }

    public init(
        id: String,
        reward: String,
        context: [String],
        minimumExploration: Double,
        attributionWindowMinutes: Int,
        arms: [Arm]
    ) {
        self.id = id
        self.reward = reward
        self.context = context
        self.minimumExploration = minimumExploration
        self.attributionWindowMinutes = attributionWindowMinutes
        self.arms = arms
    }
}

/// `GET /v1/bandits/{id}/choice`.
public struct BanditChoiceBody: Codable, Sendable, Equatable {
    public var banditID: String
    public var arm: String
    public var config: JSONValue?

    enum CodingKeys: String, CodingKey {
        case banditID = "bandit_id"
        case arm, config
    }

    public init(banditID: String, arm: String, config: JSONValue?) {
        self.banditID = banditID
        self.arm = arm
        self.config = config
    }
}

/// `POST /v1/bandits/{id}/rewards`: a reward for the arm a shopper was shown.
public struct BanditRewardBody: Decodable, Sendable, Equatable {
    public var userID: String?
    public var deviceID: String?
    public var arm: String
    public var reward: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case userID = "user_id"
        case deviceID = "device_id"
        case arm, reward
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        deviceID = try container.decodeIfPresent(String.self, forKey: .deviceID)
        arm = try container.decode(String.self, forKey: .arm)
        reward = try container.decode(Double.self, forKey: .reward)
    }
}
