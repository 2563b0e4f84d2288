import AisleCore
import AisleStore
import Testing

/// Experiments and exposures in the store contract, against SQLite and a real PostgreSQL server.
@Suite struct ExperimentStoreTests {
    static func experiment(status: ExperimentStatus, weights: [Double] = [1, 1]) -> Experiment {
        Experiment(
            id: ExperimentID("横幅-banner"),
            variants: weights.enumerated().map {
                ExperimentVariant(id: "v\($0.offset)", weight: $0.element, config: .object(["color": .string("红")]))
            },
            metric: .count(.addToCart),
            status: status
        )
    }

    @Test(
        "an experiment reads back; created is kept, started is set on the first run and kept after",
        arguments: StoreKind.allCases
    )
    func roundTrip(kind: StoreKind) async throws {
        let store = try await kind.make()
        let draft = try await store.putExperiment(Self.experiment(status: .draft), at: .t0)
        #expect(draft.createdAt == .t0 && draft.startedAt == nil)
        _ = try await store.putExperiment(Self.experiment(status: .running), at: .t0(plusMinutes: 1))
        let stopped = try await store.putExperiment(
            Self.experiment(status: .stopped, weights: [1, 3]),
            at: .t0(plusMinutes: 2)
        )
        #expect(stopped.createdAt == .t0)
        #expect(stopped.startedAt == .t0(plusMinutes: 1))
        let read = try #require(try await store.experiment(ExperimentID("横幅-banner")))
        #expect(read == stopped)
        #expect(read.variants.map(\.weight) == [1, 3])
        #expect(read.variants[0].config == .object(["color": .string("红")]))
        #expect(read.metric == .count(.addToCart))
        #expect(try await store.experiments().map(\.id) == [ExperimentID("横幅-banner")])
        #expect(try await store.experiment(ExperimentID("other")) == nil)
    }

    @Test("a unit's first exposure is kept: a second record returns the first", arguments: StoreKind.allCases)
    func firstExposureWins(kind: StoreKind) async throws {
        let store = try await kind.make()
        let id = ExperimentID("e")
        let first = Exposure(unit: .user(UserID("u1")), variant: "a", at: .t0)
        #expect(try await store.recordExposure(first, in: id) == first)
        let again = Exposure(unit: .user(UserID("u1")), variant: "b", at: .t0(plusMinutes: 5))
        #expect(try await store.recordExposure(again, in: id) == first)
        let device = Exposure(unit: .device(DeviceID("u1")), variant: "b", at: .t0)
        #expect(try await store.recordExposure(device, in: id) == device, "a device and a user of the same id differ")
        #expect(try await store.recordExposure(again, in: ExperimentID("other")) == again)
        #expect(try await store.exposures(in: id) == [device, first])
    }

    @Test("concurrent first exposures of one unit store one", arguments: StoreKind.allCases)
    func concurrentExposures(kind: StoreKind) async throws {
        let store = try await kind.make()
        let answers = try await withThrowingTaskGroup(of: Exposure.self) { group in
            for n in 0..<20 {
                group.addTask {
                    try await store.recordExposure(
                        Exposure(unit: .user(UserID("same")), variant: "v\(n % 2)", at: .t0(plusMinutes: n)),
                        in: ExperimentID("e")
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(answers.map(\.variant)).count == 1)
        #expect(try await store.exposures(in: ExperimentID("e")).count == 1)
    }

    @Test(
        "a batch of exposures keeps each unit's first, and one unit's exposure reads back",
        arguments: StoreKind.allCases
    )
    func batchExposures(kind: StoreKind) async throws {
        let store = try await kind.make()
        let id = ExperimentID("e")
        let first = Exposure(unit: .device(DeviceID("d")), variant: "a", at: .t0)
        _ = try await store.recordExposure(first, in: id)
        try await store.recordExposures([
            (id, Exposure(unit: .device(DeviceID("d")), variant: "b", at: .t0(plusMinutes: 1))),
            (id, Exposure(unit: .user(UserID("u")), variant: "b", at: .t0(plusMinutes: 1))),
            (ExperimentID("f"), Exposure(unit: .user(UserID("u")), variant: "x", at: .t0)),
        ])
        try await store.recordExposures([])
        #expect(try await store.exposure(of: .device(DeviceID("d")), in: id) == first)
        #expect(try await store.exposure(of: .user(UserID("u")), in: id)?.variant == "b")
        #expect(try await store.exposure(of: .user(UserID("u")), in: ExperimentID("f"))?.variant == "x")
        #expect(try await store.exposure(of: .user(UserID("nobody")), in: id) == nil)
    }
}
