import AisleCore
import AisleEngine
import AisleExperiment
import AisleStore
import Testing

/// Results from incremental aggregates: the same figures as counting from scratch, whatever
/// order exposures and events arrive in; ratio metrics; guardrails.
@Suite struct EngineExperimentResultsTests {
    static func experiment(
        metric: ExperimentMetric,
        guardrails: [Guardrail] = []
    ) -> Experiment {
        Experiment(
            id: ExperimentID("checkout"),
            variants: [ExperimentVariant(id: "control", weight: 1), ExperimentVariant(id: "v1", weight: 1)],
            metric: metric,
            guardrails: guardrails,
            status: .running
        )
    }

    static let id = ExperimentID("checkout")

    @Test(
        "results looked at after every step equal results counted from scratch, for late exposures too",
        arguments: [
            ExperimentMetric.conversion(.purchase), .count(.addToCart), .revenue,
            .ratio(numerator: .revenue, denominator: .count(.purchase)),
        ]
    )
    func incrementalEqualsFromScratch(metric: ExperimentMetric) async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        _ = try await fixture.engine.putExperiment(Self.experiment(metric: metric))
        var random = SplitMix64(seed: 7)
        for round in 0..<4 {
            // Some shoppers act before their exposure (their pre-period, scanned before anyone
            // knew they would be exposed), some after, some are exposed only in a later round.
            var events: [Event] = []
            for n in 0..<60 {
                let user = "u\(n)"
                let type: EventType = random.nextDouble() < 0.5 ? .purchase : .addToCart
                var event = EngineFixture.event(
                    type,
                    user: user,
                    item: ["j1", "b1", "t1"][n % 3],
                    secondsAgo: Int64(random.nextDouble() * 7_200) - 3_600
                )
                event.value = Double(1 + n % 3)
                events.append(event)
            }
            try await fixture.append(events)
            for n in stride(from: round * 15, to: round * 15 + 15, by: 1) {
                _ = try await fixture.engine.assignment(in: Self.id, for: .user(UserID("u\(n)")))
            }
            _ = try await fixture.engine.experimentResults(Self.id)
        }
        try await fixture.append([EngineFixture.event(.purchase, user: "u3", item: "j2", secondsAgo: -10)])
        let incremental = try await fixture.engine.experimentResults(Self.id)
        let fromScratch = try await EngineFixture(sharing: fixture.store).engine.experimentResults(Self.id)
        #expect(incremental.variants.map(\.users).reduce(0, +) == 60)
        #expect(incremental.variants.map(\.users) == fromScratch.variants.map(\.users))
        #expect(incremental.variants.map(\.conversions) == fromScratch.variants.map(\.conversions))
        for (a, b) in zip(incremental.variants, fromScratch.variants) {
            #expect(abs(a.mean - b.mean) < 1e-9 && abs(a.variance - b.variance) < 1e-9, "\(a) \(b)")
        }
        #expect(incremental.variants.contains { $0.mean > 0 }, "the metric saw events")
        // CUPED's pre-period too (events before each exposure, many scanned before it was made).
        for (a, b) in zip(incremental.comparisons, fromScratch.comparisons) {
            #expect(abs((a.cupedDifference?.value ?? 0) - (b.cupedDifference?.value ?? 0)) < 1e-9)
            #expect((a.cupedDifference == nil) == (b.cupedDifference == nil))
        }
        if case .ratio = metric {
        } else {
            #expect(incremental.comparisons.first?.cupedDifference != nil, "some shoppers acted before exposure")
        }
    }

    @Test("a ratio metric is Σ numerator / Σ denominator per arm, with the delta method's variance")
    func ratio() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)  // every item costs 50
        let metric = try ExperimentMetric(name: "ratio:revenue/purchase", field: "metric")
        #expect(metric == .ratio(numerator: .revenue, denominator: .count(.purchase)))
        #expect(metric.name == "ratio:revenue/purchase")
        _ = try await fixture.engine.putExperiment(Self.experiment(metric: metric))
        var numerators: [String: [Double]] = [:]
        var denominators: [String: [Double]] = [:]
        for n in 0..<200 {
            let user = "u\(n)"
            let variant = try await fixture.engine.assignment(in: Self.id, for: .user(UserID(user))).variant.id
            // Orders of 1 to 3 items; treatment orders are bigger.
            let orders = n % 3
            var events: [Event] = []
            for order in 0..<orders {
                var event = EngineFixture.event(.purchase, user: user, item: "j1", secondsAgo: -Int64(order + 1))
                event.value = Double(1 + (n + order) % 3 + (variant == "v1" ? 1 : 0))
                events.append(event)
            }
            try await fixture.append(events)
            numerators[variant, default: []].append(events.reduce(0) { $0 + ($1.value ?? 1) * 50 })
            denominators[variant, default: []].append(Double(orders))
        }
        let results = try await fixture.engine.experimentResults(Self.id)
        for variant in results.variants {
            let top = numerators[variant.id] ?? []
            let bottom = denominators[variant.id] ?? []
            let expected = try #require(RatioMetric.summary(Moments(pairs: zip(top, bottom).map { (y: $0, x: $1) })))
            #expect(variant.users == top.count)
            #expect(abs(variant.mean - top.reduce(0, +) / bottom.reduce(0, +)) < 1e-9)
            #expect(abs(variant.variance - expected.variance) < 1e-9)
        }
        let comparison = try #require(results.comparisons.first)
        #expect(comparison.absoluteDifference.low > 0, "v1's orders are worth 50 more on average")
        #expect(comparison.cupedDifference == nil)
        #expect(throws: AisleError.self) { try ExperimentMetric(name: "ratio:revenue", field: "metric") }
        #expect(throws: AisleError.self) { try ExperimentMetric(name: "ratio:revenue/", field: "metric") }
        #expect(throws: AisleError.self) { try ExperimentMetric(name: "ratio:Bad/view", field: "metric") }
    }

    @Test("a guardrail a treatment harms is flagged; one it does not harm is not")
    func guardrails() async throws {
        let fixture = try EngineFixture()
        let experiment = Self.experiment(
            metric: .conversion(.click),
            guardrails: [
                Guardrail(metric: .conversion(.purchase)),
                Guardrail(metric: .count(.removeFromCart), harm: .increase),
            ]
        )
        _ = try await fixture.engine.putExperiment(experiment)
        #expect(try await fixture.engine.experiment(Self.id).guardrails == experiment.guardrails)
        var events: [Event] = []
        for n in 0..<400 {
            let user = "u\(n)"
            let variant = try await fixture.engine.assignment(in: Self.id, for: .user(UserID(user))).variant.id
            // v1 gets more clicks but fewer purchases; removals are the same in both.
            if n % (variant == "v1" ? 2 : 4) == 0 {
                events.append(EngineFixture.event(.click, user: user, item: "j1", secondsAgo: -1))
            }
            if n % (variant == "v1" ? 6 : 2) == 0 {
                events.append(EngineFixture.event(.purchase, user: user, item: "j1", secondsAgo: -1))
            }
            if n % 5 == 0 {
                events.append(EngineFixture.event(.removeFromCart, user: user, item: "j1", secondsAgo: -1))
            }
        }
        try await fixture.append(events)
        let results = try await fixture.engine.experimentResults(Self.id)
        #expect(try #require(results.comparisons.first).absoluteDifference.low > 0)
        #expect(results.guardrails.map(\.guardrail) == experiment.guardrails)
        #expect(results.guardrails[0].harmedBy == ["v1"])
        #expect(results.guardrails[1].harmedBy.isEmpty)
        #expect(results.warnings.contains { $0.hasPrefix("guardrail purchase: v1 lowers it") }, "\(results.warnings)")
        // Stored and read back by a new engine (a restart), with the same figures.
        let restarted = try await EngineFixture(sharing: fixture.store).engine.experimentResults(Self.id)
        #expect(restarted.guardrails == results.guardrails)
    }
}
