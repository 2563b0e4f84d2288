import AisleCore
import AisleEngine
import Hummingbird

/// The recommendation endpoints: the personal feed, item pages, trending, page context, and the
/// model's status and training.
struct RecommendationRoutes {
    let engine: Engine

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("users/{id}/recommendations", use: userFeed)
        group.get("devices/{id}/recommendations", use: deviceFeed)
        group.get("items/{id}/similar", use: similar)
        group.get("items/{id}/bought-together", use: boughtTogether)
        group.get("trending", use: trending)
        group.post("recommendations", use: contextual)
    }

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.get("models", use: status)
        group.post("models:train", use: train)
    }

    @Sendable func userFeed(request: Request, context: AisleRequestContext) async throws -> Response {
        let user = try context.pathID("id", as: UserID.self)
        let query = try Self.feedQuery(request)
        let personal = try context.mayReadPersonalData(of: user)
        let answer = try await engine.feed(for: .user(user), query: query, experiment: try Self.experiment(request))
        return respond(answer, personal: personal, query: query)
    }

    @Sendable func deviceFeed(request: Request, context: AisleRequestContext) async throws -> Response {
        let device = try context.pathID("id", as: DeviceID.self)
        let query = try Self.feedQuery(request)
        let personal = try await mayReadPersonalData(
            of: .device(device),
            context: context,
            explain: query.options.explain
        )
        let answer = try await engine.feed(
            for: .device(device),
            query: query,
            experiment: try Self.experiment(request)
        )
        return respond(answer, personal: personal, query: query)
    }

    @Sendable func similar(request: Request, context: AisleRequestContext) async throws -> Response {
        let item = try context.pathID("id", as: ItemID.self)
        return respond(try engine.similar(to: item, options: try Self.listOptions(request)))
    }

    @Sendable func boughtTogether(request: Request, context: AisleRequestContext) async throws -> Response {
        let item = try context.pathID("id", as: ItemID.self)
        return respond(try engine.boughtTogether(with: item, options: try Self.listOptions(request)))
    }

    @Sendable func trending(request: Request, context: AisleRequestContext) async throws -> Response {
        let windowName = request.queryString("window") ?? TrendWindow.decayed.rawValue
        guard let window = TrendWindow(rawValue: windowName) else {
            throw AisleError.invalid(
                "window",
                "window must be one of \(TrendWindow.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(windowName.prefix(16))\""
            )
        }
        return respond(engine.trending(window: window, options: try Self.listOptions(request)))
    }

    @Sendable func contextual(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(RecommendationRequestBody.self, maxBytes: 1 << 20)
        let shopper = try ShopperParameters.shopper(user: body.userID, device: body.deviceID) ?? .anonymous
        var query = FeedQuery()
        query.currentItem = try body.itemID.map { try ItemID(validating: $0, field: "item_id") }
        let cart = body.cartItemIDs ?? []
        if cart.count > 100 { throw AisleError.invalid("cart_item_ids", "at most 100 cart items, got \(cart.count)") }
        query.cartItems = try cart.enumerated().map {
            try ItemID(validating: $1, field: "cart_item_ids[\($0)]")
        }
        query.excludePurchased = body.excludePurchased ?? true
        query.platform = body.platform
        query.locale = body.locale
        var options = ListOptions()
        options.limit = try Self.checked(body.limit ?? 20, field: "limit", in: 1...100)
        options.offset = try body.cursor.map(Self.offset(from:)) ?? 0
        options.category = body.category
        options.diversity = try body.diversity.map { try Self.checked($0, field: "diversity", in: 1...100) }
        options.minReviewScore = try body.minReviewScore.map { try Self.reviewScore($0) }
        options.explain = body.explain ?? false
        query.options = options
        let personal = try await mayReadPersonalData(of: shopper, context: context, explain: options.explain)
        let experiment = try body.experiment.map { try ExperimentID(validating: $0, field: "experiment") }
        let answer = try await engine.feed(for: shopper, query: query, experiment: experiment)
        return respond(answer, personal: personal, query: query)
    }

    @Sendable func status(request: Request, context: AisleRequestContext) async throws -> Response {
        var report = Self.report(engine.modelStatus())
        report.textModels = engine.textModelDescriptions.map {
            TextModelBody(
                id: $0.name,
                dimensions: $0.dimension,
                languages: $0.languages,
                maxTokens: $0.maxTokens,
                loaded: $0.loaded,
                search: $0.usedBySearch,
                isDefault: $0.isDefault
            )
        }
        return JSONResponse.encoded(report)
    }

    @Sendable func train(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(Self.report(try await engine.train()))
    }

    // MARK: - Helpers

    /// Whether the caller may see the history behind `shopper`'s list: a device's own history
    /// always, a device linked to a user (or a user) as `AisleRequestContext` rules.
    private func mayReadPersonalData(
        of shopper: Shopper,
        context: AisleRequestContext,
        explain: Bool
    ) async throws -> Bool {
        switch shopper {
        case .anonymous: return true
        case .user(let user): return try context.mayReadPersonalData(of: user)
        case .device(let device):
            if context.isAdmin { return true }
            // Only explanations show history, and only required tokens refuse: skip the
            // store read on the plain feed path.
            if !explain && context.userTokenMode == .optional { return true }
            guard let user = try await engine.linkedUser(of: device) else { return true }
            return try context.mayReadPersonalData(of: user)
        }
    }

    /// A list or feed as JSON. Without the right to the shopper's own data (`personal`), a
    /// reason names only the items the request itself named (the page's item, the cart), and
    /// no category the shopper is into: explanations must not read out someone's history.
    private func respond(_ answer: Engine.RecommendationAnswer, personal: Bool = true, query: FeedQuery? = nil)
        -> Response
    {
        let named = Set(([query?.currentItem].compactMap { $0 }) + (query?.cartItems ?? []))
        var body = RecommendationListBody(
            answer.page,
            modelTrainedAt: answer.modelTrainedAt,
            nextCursor: answer.page.nextOffset.map { Cursor.encode(offset: $0) },
            reasonsMayName: personal ? nil : named
        )
        body.experiment = answer.experiment.map(AssignmentBody.init)
        return JSONResponse.encoded(body)
    }

    private static func report(_ status: Engine.ModelStatus) -> TrainingReportBody {
        var body = TrainingReportBody(status.report, trainedAt: status.trainedAt, training: status.training)
        body.trainingStep = status.trainingStep
        return body
    }

    /// The feed's query parameters: the list options plus `exclude_purchased`, `platform`, `locale`.
    static func feedQuery(_ request: Request) throws -> FeedQuery {
        var query = FeedQuery()
        query.options = try listOptions(request)
        query.excludePurchased = try request.queryBool("exclude_purchased", default: true)
        query.platform = request.queryString("platform")
        query.locale = request.queryString("locale")
        return query
    }

    /// The `experiment` parameter: an experiment whose variant sets the feed's strategy.
    static func experiment(_ request: Request) throws(AisleError) -> ExperimentID? {
        try request.queryString("experiment").map { (text: String) throws(AisleError) in
            try ExperimentID(validating: text, field: "experiment")
        }
    }

    static func listOptions(_ request: Request) throws -> ListOptions {
        var options = ListOptions()
        options.limit = try request.queryInt("limit", default: 20, in: 1...100)
        options.offset = try request.queryString("cursor").map(offset(from:)) ?? 0
        options.category = request.queryString("category")
        if request.queryString("diversity") != nil {
            options.diversity = try request.queryInt("diversity", default: 0, in: 1...100)
        }
        options.explain = try request.queryBool("explain", default: false)
        if let text = request.queryString("min_review_score") {
            guard let value = Double(text) else {
                throw AisleError.invalid(
                    "min_review_score",
                    "min_review_score is a number from -1 to 1, got \"\(text.prefix(16))\""
                )
            }
            options.minReviewScore = try reviewScore(value)
        }
        return options
    }

    static func reviewScore(_ value: Double) throws -> Float {
        guard value.isFinite, (-1...1).contains(value) else {
            throw AisleError.invalid("min_review_score", "min_review_score is a number from -1 to 1, got \(value)")
        }
        return Float(value)
    }

    static func offset(from cursor: String) throws -> Int {
        try Cursor.offset(cursor, below: ListOptions.maximumDepth)
    }

    static func checked(_ value: Int, field: String, in range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw AisleError.invalid(
                field,
                "\(field) must be from \(range.lowerBound) to \(range.upperBound), got \(value)"
            )
        }
        return value
    }
}
