/// A ranked list response: `GET /v1/users/{id}/recommendations`, `/v1/items/{id}/similar`, …
public struct RecommendationListBody: Codable, Sendable, Equatable {
    public var data: [RecommendationBody]
    /// Pass back as `cursor` for the next page; absent on the last page.
    public var nextCursor: String?
    /// Which model snapshot answered.
    public var model: ModelStampBody
    /// The shopper's variant, when the request named an experiment (`experiment=ID`).
    public var experiment: AssignmentBody?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
        case model, experiment
    }

    public init(data: [RecommendationBody], nextCursor: String?, model: ModelStampBody) {
        self.data = data
        self.nextCursor = nextCursor
        self.model = model
    }
}

/// One recommended item.
public struct RecommendationBody: Codable, Sendable, Equatable {
    public var itemID: String
    /// Higher is better; comparable within one list only.
    public var score: Double
    /// With `explain=true`.
    public var reason: ReasonBody?

    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case score, reason
    }

    public init(itemID: String, score: Double, reason: ReasonBody?) {
        self.itemID = itemID
        self.score = score
        self.reason = reason
    }
}

/// Why an item was recommended: `similar_to_viewed`, `bought_together`, `popular_in_category`,
/// `matches_profile`, `similar_content`, `looks_similar` or `trending`.
public struct ReasonBody: Codable, Sendable, Equatable {
    public var type: String
    /// The items the reason refers to (the shopper's viewed items, the cart items).
    public var itemIDs: [String]?
    public var category: String?

    enum CodingKeys: String, CodingKey {
        case type
        case itemIDs = "item_ids"
        case category
    }

    public init(type: String, itemIDs: [String]?, category: String?) {
        self.type = type
        self.itemIDs = itemIDs
        self.category = category
    }
}

/// The model snapshot that answered: clients and dashboards see when it was trained.
public struct ModelStampBody: Codable, Sendable, Equatable {
    public var trainedAt: TimestampBody?
    /// `popularity` when no model trained on interactions answered (a fresh server): the list
    /// ranks what shoppers did since start, then content closeness, then id.
    public var fallback: String?

    enum CodingKeys: String, CodingKey {
        case trainedAt = "trained_at"
        case fallback
    }

    public init(trainedAt: TimestampBody?, fallback: String? = nil) {
        self.trainedAt = trainedAt
        self.fallback = fallback
    }

    /// `trained_at` is sent as `null` before the first training: "no model yet" is the answer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(trainedAt, forKey: .trainedAt)
        try container.encodeIfPresent(fallback, forKey: .fallback)
    }
}

/// `POST /v1/recommendations`: a list for a page with context (a product page, the cart).
public struct RecommendationRequestBody: Codable, Sendable, Equatable {
    public var userID: String?
    public var deviceID: String?
    /// The item on screen.
    public var itemID: String?
    public var cartItemIDs: [String]?
    public var limit: Int?
    public var cursor: String?
    public var category: String?
    public var excludePurchased: Bool?
    public var diversity: Int?
    /// Leave out items whose reviews lean below this mean score (-1 to 1).
    public var minReviewScore: Double?
    public var explain: Bool?
    public var platform: String?
    /// The shopper's locale (`de-DE`), for a new shopper's trends.
    public var locale: String?
    /// An experiment whose variant for this shopper sets the list's strategy.
    public var experiment: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case userID = "user_id"
        case deviceID = "device_id"
        case itemID = "item_id"
        case cartItemIDs = "cart_item_ids"
        case limit, cursor, category
        case excludePurchased = "exclude_purchased"
        case diversity, explain, platform, locale, experiment
        case minReviewScore = "min_review_score"
    }

    public init(
        userID: String? = nil,
        deviceID: String? = nil,
        itemID: String? = nil,
        cartItemIDs: [String]? = nil,
        limit: Int? = nil,
        explain: Bool? = nil
    ) {
        self.userID = userID
        self.deviceID = deviceID
        self.itemID = itemID
        self.cartItemIDs = cartItemIDs
        self.limit = limit
        self.explain = explain
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        deviceID = try container.decodeIfPresent(String.self, forKey: .deviceID)
        itemID = try container.decodeIfPresent(String.self, forKey: .itemID)
        cartItemIDs = try container.decodeIfPresent([String].self, forKey: .cartItemIDs)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
        cursor = try container.decodeIfPresent(String.self, forKey: .cursor)
        category = try container.decodeIfPresent(String.self, forKey: .category)
        excludePurchased = try container.decodeIfPresent(Bool.self, forKey: .excludePurchased)
        diversity = try container.decodeIfPresent(Int.self, forKey: .diversity)
        minReviewScore = try container.decodeIfPresent(Double.self, forKey: .minReviewScore)
        explain = try container.decodeIfPresent(Bool.self, forKey: .explain)
        platform = try container.decodeIfPresent(String.self, forKey: .platform)
        experiment = try container.decodeIfPresent(String.self, forKey: .experiment)
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
    }
}

/// `GET /v1/models` and `POST /v1/models:train`: what the current snapshot was trained on, and
/// (`GET` only) the text models.
public struct TrainingReportBody: Codable, Sendable, Equatable {
    public var trainedAt: TimestampBody?
    public var events: Int
    public var interactions: Int
    public var shoppers: Int
    public var items: Int
    public var baskets: Int
    /// Seconds per training step.
    public var seconds: [String: Double]
    /// Feed blend weights by model.
    public var blend: [String: Float]
    public var blendSource: String
    /// NDCG@10 on the trainer's validation hold-out, per model alone and for the blend
    /// (absent when the blend was not tuned).
    public var validationNDCG: [String: Double]?
    public var training: Bool
    /// While `training`: the running training's latest step (`als: 0.41 s`).
    public var trainingStep: String?
    /// The text models the server runs (`GET /v1/models` only).
    public var textModels: [TextModelBody]?

    enum CodingKeys: String, CodingKey {
        case trainedAt = "trained_at"
        case events, interactions, shoppers, items, baskets, seconds, blend
        case blendSource = "blend_source"
        case validationNDCG = "validation_ndcg_at_10"
        case training
        case trainingStep = "training_step"
        case textModels = "text_models"
    }

    public init(
        trainedAt: TimestampBody?,
        events: Int,
        interactions: Int,
        shoppers: Int,
        items: Int,
        baskets: Int,
        seconds: [String: Double],
        blend: [String: Float],
        blendSource: String,
        training: Bool
    ) {
        self.trainedAt = trainedAt
        self.events = events
        self.interactions = interactions
        self.shoppers = shoppers
        self.items = items
        self.baskets = baskets
        self.seconds = seconds
        self.blend = blend
        self.blendSource = blendSource
        self.training = training
    }
}

extension RecommendationListBody {
    /// A list as the API answers it, scores rounded to 6 places. With `reasonsMayName` (a
    /// caller without the right to the shopper's own data), a reason names only those items
    /// (the ones the request itself named: the page's item, the cart) and no category the
    /// shopper is into: explanations must not read out someone's history.
    public init(
        _ page: RecommendationPage,
        modelTrainedAt: Timestamp?,
        nextCursor: String?,
        reasonsMayName named: Set<ItemID>? = nil
    ) {
        self.init(
            data: page.items.map { item in
                RecommendationBody(
                    itemID: item.itemID.rawValue,
                    score: (Double(item.score) * 1e6).rounded() / 1e6,
                    reason: item.reason.map { reason in
                        let items = named.map { named in reason.itemIDs.filter(named.contains) } ?? reason.itemIDs
                        let category = named == nil || reason.kind != .popularInCategory ? reason.category : nil
                        return ReasonBody(
                            type: reason.kind.rawValue,
                            itemIDs: items.isEmpty ? nil : items.map(\.rawValue),
                            category: category
                        )
                    }
                )
            },
            nextCursor: nextCursor,
            model: ModelStampBody(trainedAt: modelTrainedAt.map(TimestampBody.init), fallback: page.fallback?.rawValue)
        )
    }
}

extension TrainingReportBody {
    /// The model's report as `/v1/models` answers it (seconds rounded to milliseconds).
    public init(_ report: TrainingReport, trainedAt: Timestamp?, training: Bool) {
        self.init(
            trainedAt: trainedAt.map(TimestampBody.init),
            events: report.events,
            interactions: report.interactions,
            shoppers: report.shoppers,
            items: report.items,
            baskets: report.baskets,
            seconds: report.seconds.mapValues { ($0 * 1000).rounded() / 1000 },
            blend: report.blend,
            blendSource: report.blendSource,
            training: training
        )
        validationNDCG = report.validationNDCG?.mapValues { ($0 * 10_000).rounded() / 10_000 }
    }
}
