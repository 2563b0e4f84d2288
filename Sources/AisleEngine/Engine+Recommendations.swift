public import AisleCore
public import AisleRecommend

/// Recommendations: the personal feed, item pages, trending, and the model's status and
/// training.
extension Engine {
    /// A list and the model that made it, read from the same snapshot.
    public struct RecommendationAnswer: Sendable {
        public var page: RecommendationPage
        /// When that model was trained; nil before a model learnt from an interaction (the
        /// list then comes from live counts: `page.fallback`).
        public var modelTrainedAt: Timestamp?
        /// The shopper's variant, when the request named an experiment.
        public var experiment: ExperimentAssignment? = nil
    }

    /// The model in use and whether a training runs now.
    public struct ModelStatus: Sendable {
        public var report: TrainingReport
        /// Nil before a model learnt from an interaction.
        public var trainedAt: Timestamp?
        public var training: Bool
        /// While training: its latest step (`als: 0.41 s`).
        public var trainingStep: String?
    }

    /// `shopper`'s feed (their latest events are read from the store). With `experiment`, the
    /// shopper's variant sets the blend and diversity (`VariantSettings`) and is logged as an
    /// exposure like an assignment.
    public func feed(
        for shopper: Shopper,
        query: FeedQuery,
        experiment: ExperimentID? = nil
    ) async throws -> RecommendationAnswer {
        var query = query
        var assigned: ExperimentAssignment?
        if let experiment {
            let assignment = try await assignment(
                in: experiment,
                for: shopper,
                platform: query.platform.flatMap(Platform.init(rawValue:)),
                locale: query.locale
            )
            let settings = assignment.variant.settings
            if let blend = settings.feedBlend { query.blend = blend }
            if let diversity = settings.diversity { query.options.diversity = diversity }
            assigned = assignment
        }
        var answer: RecommendationAnswer
        // Without consent to personalization: exactly the trending list with the same filters.
        if try await withoutPersonalization(shopper) != nil {
            answer = trending(window: .decayed, options: query.options)
        } else {
            let query = try await recommendations.shopperQuery(for: shopper, query: query)
            let recommender = recommendations.engine()
            answer = Self.answer(recommender.feed(query), from: recommender)
        }
        answer.experiment = assigned
        return answer
    }

    /// Items like `item`. Throws `notFound` for an item the model does not know.
    public func similar(to item: ItemID, options: ListOptions) throws(AisleError) -> RecommendationAnswer {
        let recommender = recommendations.engine()
        // Photos that look alike join the attributes (the index loads at start); scanned only
        // when content fills the list.
        let visual = visualIndex
        return Self.answer(
            try recommender.similar(to: item, options: options) { visual.lookalikes(of: item, limit: $0) },
            from: recommender
        )
    }

    /// Items bought with `item`.
    public func boughtTogether(with item: ItemID, options: ListOptions) throws(AisleError) -> RecommendationAnswer {
        let recommender = recommendations.engine()
        return Self.answer(try recommender.boughtTogether(with: item, options: options), from: recommender)
    }

    /// What is popular now over `window`.
    public func trending(window: TrendWindow, options: ListOptions) -> RecommendationAnswer {
        let recommender = recommendations.engine()
        return Self.answer(recommender.trending(window: window, options: options), from: recommender)
    }

    /// The model in use.
    public func modelStatus() -> ModelStatus {
        var status = Self.status(recommendations.snapshot, training: recommendations.isTraining)
        status.trainingStep = recommendations.trainingStep
        return status
    }

    /// Puts the model saved in the data folder (by `aisle train` or an earlier server) in use;
    /// returns false when there is none or it cannot be read. The training service does this
    /// at start.
    public func loadSavedModel() async -> Bool {
        await recommendations.loadSaved()
    }

    /// Trains a new model now and puts it in use; returns its status.
    public func train(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ModelStatus {
        _ = try await recommendations.train(progress: progress)
        return modelStatus()
    }

    static func answer(_ page: RecommendationPage, from recommender: RecommendationEngine) -> RecommendationAnswer {
        RecommendationAnswer(page: page, modelTrainedAt: trainedAt(recommender.snapshot))
    }

    static func status(_ snapshot: RecommendationSnapshot, training: Bool) -> ModelStatus {
        ModelStatus(report: snapshot.report, trainedAt: trainedAt(snapshot), training: training, trainingStep: nil)
    }

    /// Trained on at least one interaction: a training on an empty store is no model yet.
    static func trainedAt(_ snapshot: RecommendationSnapshot) -> Timestamp? {
        !snapshot.report.blendSource.isEmpty && snapshot.report.interactions > 0 ? snapshot.trainedAt : nil
    }
}
