import AisleCore
import AisleEngine
import AisleExperiment
import AisleStore
import Testing

/// Experiments through the engine: assignment across devices, exposures, results from events.
@Suite struct EngineExperimentTests {
    static func experiment(
        _ id: String = "checkout",
        weights: [Double] = [1, 1],
        metric: ExperimentMetric = .conversion(.purchase),
        status: ExperimentStatus = .running
    ) -> Experiment {
        Experiment(
            id: ExperimentID(id),
            variants: weights.enumerated().map { index, weight in
                ExperimentVariant(
                    id: index == 0 ? "control" : "v\(index)",
                    weight: weight,
                    config: .object(["copy": .string("text \(index)")])
                )
            },
            metric: metric,
            status: status
        )
    }

    @Test(
        "a user gets one variant on every device; a linked device gets its user's; an anonymous one its own until sign-in"
    )
    func acrossDevices() async throws {
        let fixture = try EngineFixture()
        let engine = fixture.engine
        _ = try await engine.putExperiment(Self.experiment())
        let id = ExperimentID("checkout")
        // Find a user and an anonymous device that land in different variants.
        var user = ""
        var device = ""
        for n in 0..<100 where user.isEmpty || device.isEmpty {
            let u = Assignment.variant(experiment: "checkout", unit: "u:user\(n)", weights: [1, 1])
            let d = Assignment.variant(experiment: "checkout", unit: "d:phone\(n)", weights: [1, 1])
            if u == 1 && user.isEmpty { user = "user\(n)" }
            if d == 0 && device.isEmpty { device = "phone\(n)" }
        }
        let asUser = try await engine.assignment(in: id, for: .user(UserID(user)))
        #expect(asUser.variant.id == "v1")
        #expect(asUser.variant.config == .object(["copy": .string("text 1")]))
        #expect(asUser.unit == .user(UserID(user)))
        let anonymous = try await engine.assignment(in: id, for: .device(DeviceID(device)))
        #expect(anonymous.variant.id == "control")
        #expect(anonymous.unit == .device(DeviceID(device)))
        // Sign-in: the device now shows the user's variant.
        _ = try await engine.identify(device: DeviceID(device), as: UserID(user), relinking: .refuse)
        let signedIn = try await engine.assignment(in: id, for: .device(DeviceID(device)))
        #expect(signedIn.variant.id == "v1")
        #expect(signedIn.unit == .user(UserID(user)))
        // Repeated calls log one exposure per unit: the user's first, and the device's from before.
        _ = try await engine.assignment(in: id, for: .user(UserID(user)))
        try await engine.flushExposures()
        let exposures = try await fixture.store.exposures(in: id)
        #expect(exposures.map(\.unit.key).sorted() == ["d:\(device)", "u:\(user)"])
        #expect(try await engine.assignment(in: id, for: .user(UserID(user))).exposedAt == asUser.exposedAt)
    }

    @Test("a unit keeps its first variant when the weights change")
    func sticky() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putExperiment(Self.experiment(weights: [1, 1]))
        var first: [String: String] = [:]
        for n in 0..<50 {
            first["u\(n)"] = try await fixture.engine.assignment(
                in: ExperimentID("checkout"),
                for: .user(UserID("u\(n)"))
            )
            .variant.id
        }
        #expect(Set(first.values) == ["control", "v1"])
        _ = try await fixture.engine.putExperiment(Self.experiment(weights: [0, 1]))
        for n in 0..<50 {
            let now = try await fixture.engine.assignment(in: ExperimentID("checkout"), for: .user(UserID("u\(n)")))
            #expect(now.variant.id == first["u\(n)"])
        }
        // A newcomer follows the new weights.
        let newcomer = try await fixture.engine.assignment(in: ExperimentID("checkout"), for: .user(UserID("new")))
        #expect(newcomer.variant.id == "v1")
        // After a restart too: while the exposures load (each looked up in the store) and after
        // (answered from memory), every unit keeps its first variant.
        try await fixture.engine.flushExposures()
        let restarted = EngineFixture(sharing: fixture.store).engine
        for round in 0..<20 {
            for n in 0..<50 {
                let now = try await restarted.assignment(in: ExperimentID("checkout"), for: .user(UserID("u\(n)")))
                #expect(now.variant.id == first["u\(n)"], "round \(round)")
            }
            await Task.yield()
        }
        let another = try await restarted.assignment(in: ExperimentID("checkout"), for: .user(UserID("another")))
        #expect(another.variant.id == "v1" && another.exposedAt != nil)
    }

    @Test(
        "a draft or stopped experiment answers the baseline and logs no exposure",
        arguments: [ExperimentStatus.draft, .stopped]
    )
    func notRunning(status: ExperimentStatus) async throws {
        let fixture = try EngineFixture()
        let stored = try await fixture.engine.putExperiment(Self.experiment(weights: [0, 1], status: status))
        #expect(stored.startedAt == nil)
        let assignment = try await fixture.engine.assignment(in: ExperimentID("checkout"), for: .user(UserID("u")))
        #expect(assignment.variant.id == "control")
        #expect(assignment.exposedAt == nil)
        try await fixture.engine.flushExposures()
        #expect(try await fixture.store.exposures(in: ExperimentID("checkout")).isEmpty)
    }

    @Test("unknown experiments are not found; an anonymous shopper cannot be assigned")
    func unhappy() async throws {
        let fixture = try EngineFixture()
        await #expect(throws: AisleError(code: .notFound, message: "no experiment \"nope\"")) {
            try await fixture.engine.assignment(in: ExperimentID("nope"), for: .user(UserID("u")))
        }
        _ = try await fixture.engine.putExperiment(Self.experiment())
        let error = await #expect(throws: AisleError.self) {
            try await fixture.engine.assignment(in: ExperimentID("checkout"), for: .anonymous)
        }
        #expect(error?.code == .invalidField)
        await #expect(throws: AisleError.self) { try await fixture.engine.experimentResults(ExperimentID("nope")) }
    }

    @Test(
        "bad definitions are refused with the field named",
        arguments: [
            ([1.0], "variants"), ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "variants"), ([0, 0], "variants"),
            ([1, -1], "variants[1].weight"), ([1, .nan], "variants[1].weight"), ([1, .infinity], "variants[1].weight"),
        ]
    )
    func invalid(weights: [Double], field: String) async throws {
        let fixture = try EngineFixture()
        let error = await #expect(throws: AisleError.self) {
            try await fixture.engine.putExperiment(Self.experiment(weights: weights))
        }
        #expect(error?.field == field)
        #expect(try await fixture.engine.experiments().isEmpty)
    }

    @Test("repeated variant ids and unknown metrics are refused")
    func invalidNames() async throws {
        let fixture = try EngineFixture()
        var experiment = Self.experiment()
        experiment.variants[1].id = "control"
        let error = await #expect(throws: AisleError.self) { try await fixture.engine.putExperiment(experiment) }
        #expect(error?.field == "variants[1].id")
        #expect(throws: AisleError.self) { try ExperimentMetric(name: "purchases", field: "metric") }
        #expect(throws: AisleError.self) { try ExperimentMetric(name: "count:", field: "metric") }
        #expect(try ExperimentMetric(name: "count:add_to_cart", field: "metric") == .count(.addToCart))
        #expect(try ExperimentMetric(name: "x_signup", field: "metric").name == "x_signup")
    }

    @Test("results count each exposed user's events after their exposure, per variant, against the baseline")
    func resultsFromEvents() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)
        _ = try await fixture.engine.putExperiment(Self.experiment())
        let id = ExperimentID("checkout")
        var variantOf: [String: String] = [:]
        for n in 0..<400 {
            // An old purchase, before the exposure: never counted.
            try await fixture.append([EngineFixture.event(.purchase, user: "u\(n)", item: "j1", secondsAgo: 3_600)])
            variantOf["u\(n)"] = try await fixture.engine.assignment(in: id, for: .user(UserID("u\(n)"))).variant.id
        }
        // Treatment users buy at a higher rate: every 2nd against every 5th.
        var expected: [String: Int] = ["control": 0, "v1": 0]
        var events: [Event] = []
        for n in 0..<400 {
            let variant = variantOf["u\(n)"] ?? ""
            guard n % (variant == "v1" ? 2 : 5) == 0 else { continue }
            expected[variant, default: 0] += 1
            events.append(EngineFixture.event(.purchase, user: "u\(n)", item: "j2", secondsAgo: -5))
            events.append(EngineFixture.event(.purchase, user: "u\(n)", item: "j3", secondsAgo: -6))
        }
        try await fixture.append(events)
        let results = try await fixture.engine.experimentResults(id)
        #expect(results.variants.map(\.id) == ["control", "v1"])
        for variant in results.variants {
            let users = variantOf.values.count { $0 == variant.id }
            #expect(variant.users == users)
            #expect(variant.conversions == expected[variant.id])
            #expect(abs(variant.mean - Double(expected[variant.id] ?? 0) / Double(users)) < 1e-12)
        }
        let comparison = try #require(results.comparisons.first)
        #expect(comparison.variant == "v1" && comparison.baseline == "control")
        #expect(comparison.absoluteDifference.low > 0, "0.5 against 0.2 with 200 users each is clear")
        #expect(comparison.pValue < 0.001)
        #expect(comparison.chanceToBeat > 0.99)
        #expect(results.sampleRatioPValue > 0.001)
        #expect(results.warnings.isEmpty)
    }

    @Test("revenue is quantity times the catalog price, per user")
    func revenue() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.upsertItems(EngineFixture.shop)  // every item costs 50
        _ = try await fixture.engine.putExperiment(Self.experiment(weights: [1, 0], metric: .revenue))
        let id = ExperimentID("checkout")
        for n in 0..<3 { _ = try await fixture.engine.assignment(in: id, for: .user(UserID("u\(n)"))) }
        var purchase = EngineFixture.event(.purchase, user: "u0", item: "j1", secondsAgo: -5)
        purchase.value = 2
        try await fixture.append([purchase, EngineFixture.event(.purchase, user: "u1", item: "b1", secondsAgo: -5)])
        let control = try #require(try await fixture.engine.experimentResults(id).variants.first)
        #expect(control.users == 3)
        #expect(control.conversions == 2)
        // (100 + 50 + 0) / 3, 100 capped at the 99th percentile of the buyers' revenue (99.5).
        let cap = try #require(Winsorization.cap([100, 50], percentile: 99))
        #expect(cap == 99.5)
        #expect(abs(control.mean - (min(100, cap) + 50) / 3) < 1e-9)
    }

    @Test("a sample ratio mismatch is flagged, and several treatments get Holm-adjusted p-values")
    func srmAndHolm() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putExperiment(Self.experiment(weights: [1, 1, 1]))
        let id = ExperimentID("checkout")
        for n in 0..<600 {
            let variant = n < 400 ? "control" : n < 500 ? "v1" : "v2"
            _ = try await fixture.store.recordExposure(
                Exposure(unit: .user(UserID("u\(n)")), variant: variant, at: .now()),
                in: id
            )
        }
        let results = try await fixture.engine.experimentResults(id)
        #expect(results.sampleRatioPValue < 0.001)
        #expect(results.warnings.contains { $0.hasPrefix("sample ratio mismatch") })
        #expect(results.comparisons.map(\.variant) == ["v1", "v2"])
        #expect(results.comparisons.allSatisfy { $0.pValue == 1 }, "no conversions anywhere: nothing differs")
    }

    @Test("erasing a user removes their exposures, as the user and as their devices")
    func erasure() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putExperiment(Self.experiment())
        let id = ExperimentID("checkout")
        _ = try await fixture.engine.assignment(in: id, for: .device(DeviceID("tablet")))
        _ = try await fixture.engine.identify(device: DeviceID("tablet"), as: UserID("gone"), relinking: .refuse)
        _ = try await fixture.engine.assignment(in: id, for: .user(UserID("gone")))
        _ = try await fixture.engine.assignment(in: id, for: .user(UserID("stays")))
        try await fixture.engine.flushExposures()
        #expect(try await fixture.store.exposures(in: id).count == 3)
        #expect(try await fixture.engine.experimentResults(id).variants.map(\.users).reduce(0, +) == 3)
        _ = try await fixture.engine.eraseUser(UserID("gone"))
        // The results' aggregates forget them at once.
        #expect(try await fixture.engine.experimentResults(id).variants.map(\.users).reduce(0, +) == 1)
        try await fixture.engine.flushExposures()
        #expect(try await fixture.store.exposures(in: id).map(\.unit.key) == ["u:stays"])
        // A new engine on the same store (a restart) knows only what was kept.
        let restarted = EngineFixture(sharing: fixture.store)
        #expect(try await restarted.engine.experimentResults(id).variants.map(\.users).reduce(0, +) == 1)
    }

    @Test(
        "CUPED: the same metric in the 14 days before exposure narrows the interval; without a pre-period there is none"
    )
    func cuped() async throws {
        let fixture = try EngineFixture()
        _ = try await fixture.engine.putExperiment(Self.experiment(metric: .count(.purchase)))
        let id = ExperimentID("checkout")
        var events: [Event] = []
        var random = SplitMix64(seed: 41)
        for n in 0..<300 {
            // Each shopper's habit: how often they buy, before and after alike.
            let habit = n % 5
            for k in 0..<habit {
                events.append(
                    EngineFixture.event(.purchase, user: "u\(n)", item: "j1", secondsAgo: 86_400 * 2 + Int64(k))
                )
            }
            // Older than the pre-period: never counted.
            events.append(EngineFixture.event(.purchase, user: "u\(n)", item: "j1", secondsAgo: 86_400 * 30))
        }
        try await fixture.append(events)
        let plainBefore = try await fixture.engine.experimentResults(id)
        #expect(plainBefore.variants.allSatisfy { $0.users == 0 })
        events = []
        for n in 0..<300 {
            let variant = try await fixture.engine.assignment(in: id, for: .user(UserID("u\(n)"))).variant.id
            let after = n % 5 + (variant == "v1" && random.nextDouble() < 0.5 ? 1 : 0)
            for k in 0..<after {
                events.append(EngineFixture.event(.purchase, user: "u\(n)", item: "j2", secondsAgo: -5 - Int64(k)))
            }
        }
        try await fixture.append(events)
        let results = try await fixture.engine.experimentResults(id)
        let comparison = try #require(results.comparisons.first)
        let cuped = try #require(comparison.cupedDifference)
        let plainWidth = comparison.absoluteDifference.high - comparison.absoluteDifference.low
        #expect(cuped.high - cuped.low < plainWidth * 0.5, "the habit explains most of the variance")
        #expect(cuped.low > 0 && cuped.low < 0.5 && 0.5 < cuped.high, "the true effect is 0.5 purchases")

        // No purchases before anyone's exposure: nothing to adjust by.
        let fresh = try EngineFixture()
        _ = try await fresh.engine.putExperiment(Self.experiment(metric: .count(.purchase)))
        for n in 0..<10 { _ = try await fresh.engine.assignment(in: id, for: .user(UserID("u\(n)"))) }
        try await fresh.append(
            (0..<10).map { EngineFixture.event(.purchase, user: "u\($0)", item: "j1", secondsAgo: -5) }
        )
        let freshResults = try await fresh.engine.experimentResults(id)
        #expect(!freshResults.comparisons.isEmpty)
        #expect(freshResults.comparisons.allSatisfy { $0.cupedDifference == nil })
    }
}
