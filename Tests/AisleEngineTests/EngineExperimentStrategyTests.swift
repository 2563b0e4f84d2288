import AisleCore
import AisleEngine
import AisleExperiment
import AisleStore
import Testing

/// `experiment=` on the feed and search: the shopper's variant picks the strategy, and the
/// request logs the exposure.
@Suite struct EngineExperimentStrategyTests {
    static func experiment(_ id: String, treatment config: JSONValue) -> Experiment {
        Experiment(
            id: ExperimentID(id),
            variants: [
                ExperimentVariant(id: "control", weight: 1),
                ExperimentVariant(id: "treatment", weight: 1, config: config),
            ],
            metric: .conversion(.purchase),
            status: .running
        )
    }

    /// A user id in each variant of a 50/50 experiment: (control, treatment).
    static func users(in experiment: String, prefix: String = "shopper") -> (control: String, treatment: String) {
        var control = ""
        var treatment = ""
        for n in 0..<100 where control.isEmpty || treatment.isEmpty {
            let id = "\(prefix)\(n)"
            switch Assignment.variant(experiment: experiment, unit: "u:" + id, weights: [1, 1]) {
            case 0: if control.isEmpty { control = id }
            default: if treatment.isEmpty { treatment = id }
            }
        }
        return (control, treatment)
    }

    @Test("a feed naming an experiment uses the shopper's variant's model, and logs the exposure")
    func feedStrategy() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        // The tent is the shop's best seller; jacket buyers buy the other jackets.
        var events = EngineRecommendationTests.history()
        events += (0..<20).map { EngineFixture.event(.purchase, user: "camper\($0)", item: "t1", secondsAgo: 300) }
        try await fixture.append(events)
        _ = try await fixture.engine.train()
        _ = try await fixture.engine.putExperiment(Self.experiment("feed-model", treatment: ["model": "pop"]))
        let (control, treatment) = Self.users(in: "feed-model")
        try await fixture.append([
            EngineFixture.event(.purchase, user: control, item: "j1", secondsAgo: 10),
            EngineFixture.event(.purchase, user: treatment, item: "j1", secondsAgo: 10),
        ])
        let id = ExperimentID("feed-model")
        let hybrid = try await fixture.engine.feed(for: .user(UserID(control)), query: FeedQuery(), experiment: id)
        #expect(hybrid.experiment?.variant.id == "control")
        #expect(Set(hybrid.page.items.prefix(2).map(\.itemID.rawValue)) == ["j2", "j3"])
        let popular = try await fixture.engine.feed(for: .user(UserID(treatment)), query: FeedQuery(), experiment: id)
        #expect(popular.experiment?.variant.id == "treatment")
        #expect(popular.experiment?.exposedAt != nil)
        #expect(
            popular.page.items.first?.itemID.rawValue == "t1",
            "the popularity model alone puts the best seller first"
        )
        // The same variant's list without the experiment, asked for directly, is the same list.
        var direct = FeedQuery()
        direct.blend = ["pop": 1]
        let expected = try await fixture.engine.feed(for: .user(UserID(treatment)), query: direct)
        #expect(popular.page.items.map(\.itemID) == expected.page.items.map(\.itemID))
        try await fixture.engine.flushExposures()
        let exposures = try await fixture.store.exposures(in: id)
        #expect(Set(exposures.map(\.unit)) == [.user(UserID(control)), .user(UserID(treatment))])
    }

    @Test("a variant's diversity caps items per top-level category")
    func feedDiversity() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        try await fixture.append(EngineRecommendationTests.history())
        _ = try await fixture.engine.train()
        _ = try await fixture.engine.putExperiment(Self.experiment("diverse", treatment: ["diversity": 1]))
        let (_, treatment) = Self.users(in: "diverse")
        try await fixture.append([EngineFixture.event(.purchase, user: treatment, item: "b1", secondsAgo: 10)])
        let feed = try await fixture.engine.feed(
            for: .user(UserID(treatment)),
            query: FeedQuery(),
            experiment: ExperimentID("diverse")
        )
        let ids = feed.page.items.map(\.itemID.rawValue)
        #expect(ids.filter { $0.hasPrefix("j") }.count == 1, "one jacket, got \(ids)")
    }

    @Test("a search naming an experiment re-ranks for the shopper only where the variant says so")
    func searchPersonalization() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        _ = try await fixture.engine.putExperiment(
            Self.experiment("search-personal", treatment: ["search_personalization": false])
        )
        let (control, treatment) = Self.users(in: "search-personal")
        let plain = try await fixture.searchIDs("jacket ")
        // Both keep buying Aurora: the Aurora jacket rises for whoever is re-ranked.
        for user in [control, treatment] {
            try await fixture.append([
                EngineFixture.event(.purchase, user: user, item: "t1"),
                EngineFixture.event(.view, user: user, item: "t1", secondsAgo: 30),
            ])
        }
        func search(_ user: String) async throws -> Engine.SearchAnswer {
            var query = SearchQuery(text: "jacket ")
            query.record = false
            return try await fixture.engine.search(
                query,
                shopper: .user(UserID(user)),
                experiment: ExperimentID("search-personal")
            )
        }
        let reranked = try await search(control)
        #expect(reranked.experiment?.variant.id == "control")
        #expect(reranked.results.hits.first?.itemID.rawValue == "j2")
        let unranked = try await search(treatment)
        #expect(unranked.experiment?.variant.id == "treatment")
        #expect(unranked.results.hits.map(\.itemID.rawValue) == plain)
    }

    @Test("variant settings are checked when the experiment is put, naming the field")
    func settingsValidation() async throws {
        let fixture = try EngineFixture()
        let cases: [(JSONValue, String)] = [
            (["model": "bert"], "variants[1].config.model"),
            (["model": 3], "variants[1].config.model"),
            (["model": "pop", "blend": ["seq": 1]], "variants[1].config.blend"),
            (["blend": ["seq": 0]], "variants[1].config.blend"),
            (["blend": ["hybrid": 1]], "variants[1].config.blend"),
            (["blend": ["seq": -1]], "variants[1].config.blend.seq"),
            (["diversity": 0.5], "variants[1].config.diversity"),
            (["search_mode": "fuzzy"], "variants[1].config.search_mode"),
            (["search_personalization": "no"], "variants[1].config.search_personalization"),
        ]
        for (config, field) in cases {
            let error = await #expect(throws: AisleError.self) {
                _ = try await fixture.engine.putExperiment(Self.experiment("bad", treatment: config))
            }
            #expect(error?.field == field, "\(config.jsonText)")
        }
        // Searching by meaning needs the text encoder, which this engine has not.
        let error = await #expect(throws: AisleError.self) {
            _ = try await fixture.engine.putExperiment(Self.experiment("bad", treatment: ["search_mode": "hybrid"]))
        }
        #expect(error?.code == .unavailable)
        #expect(try await fixture.engine.experiments().isEmpty, "nothing refused was stored")
        // Keys the engine does not know are the client's.
        let stored = try await fixture.engine.putExperiment(
            Self.experiment("ok", treatment: ["banner": "red", "model": "seq", "search_mode": "lexical"])
        )
        #expect(stored.variants[1].settings.feedBlend == ["seq": 1])
    }

    @Test("a user who turned tracking off is assigned a variant, but no exposure of theirs is kept")
    func trackingOff() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putExperiment(Self.experiment("quiet", treatment: ["model": "pop"]))
        _ = try await fixture.engine.setConsent(of: UserID("private"), personalization: nil, tracking: false)
        let assignment = try await fixture.engine.assignment(in: ExperimentID("quiet"), for: .user(UserID("private")))
        #expect(assignment.exposedAt == nil)
        let feed = try await fixture.engine.feed(
            for: .user(UserID("private")),
            query: FeedQuery(),
            experiment: ExperimentID("quiet")
        )
        #expect(feed.experiment?.variant == assignment.variant)
        _ = try await fixture.engine.assignment(in: ExperimentID("quiet"), for: .user(UserID("someone")))
        try await fixture.engine.flushExposures()
        #expect(try await fixture.store.exposures(in: ExperimentID("quiet")).map(\.unit) == [.user(UserID("someone"))])
    }
}

/// Targeting: who an experiment is for.
@Suite struct EngineExperimentTargetingTests {
    @Test("only shoppers on the targeted platforms and locales are exposed; once in, a shopper stays in")
    func targeting() async throws {
        let fixture = try EngineFixture()
        var experiment = EngineExperimentStrategyTests.experiment("mobile-de", treatment: ["model": "pop"])
        experiment.targeting = ExperimentTargeting(platforms: [.ios, .android], locales: ["de", "fr-CA"])
        _ = try await fixture.engine.putExperiment(experiment)
        let id = ExperimentID("mobile-de")
        func assign(_ user: String, _ platform: Platform?, _ locale: String?) async throws -> ExperimentAssignment {
            try await fixture.engine.assignment(in: id, for: .user(UserID(user)), platform: platform, locale: locale)
        }
        #expect(try await assign("a", .ios, "de-AT").exposedAt != nil)
        #expect(try await assign("b", .android, "de_CH").exposedAt != nil)
        #expect(try await assign("c", .ios, "fr-CA").exposedAt != nil)
        let outside = [
            try await assign("d", .web, "de-DE"),  // platform not targeted
            try await assign("e", .ios, "fr-FR"),  // locale not targeted
            try await assign("f", .ios, nil),  // locale unknown, no profile
            try await assign("g", nil, "de"),  // platform unknown
        ]
        for assignment in outside {
            #expect(assignment.exposedAt == nil && assignment.variant.id == "control", "\(assignment.unit)")
        }
        // The profile's locale counts when the request gives none.
        _ = try await fixture.engine.putUsers([User(id: UserID("h"), attributes: ["locale": "de-DE"])])
        #expect(try await assign("h", .ios, nil).exposedAt != nil)
        // Once in, a shopper stays in with the same variant from any device.
        let first = try await assign("a", .ios, "de-AT")
        let later = try await assign("a", .web, "en-US")
        #expect(later.exposedAt == first.exposedAt && later.variant == first.variant)
        try await fixture.engine.flushExposures()
        let exposed = Set(try await fixture.store.exposures(in: id).map(\.unit.key))
        #expect(exposed == ["u:a", "u:b", "u:c", "u:h"])
        // Stored, and read back after a restart.
        let restarted = EngineFixture(sharing: fixture.store)
        #expect(try await restarted.engine.experiment(id).targeting == experiment.targeting)
        // A bad locale is refused with the field named.
        experiment.targeting.locales = ["de DE"]
        let error = await #expect(throws: AisleError.self) { _ = try await fixture.engine.putExperiment(experiment) }
        #expect(error?.field == "targeting.locales[0]")
    }
}
