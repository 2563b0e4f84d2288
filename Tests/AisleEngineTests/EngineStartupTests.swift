import AisleCore
import AisleEngine
import AisleSearch
import AisleStore
import Logging
import ServiceLifecycle
import Testing

/// Readiness: a started engine is ready once its services loaded the search index and looked
/// for a saved model; an engine without services is ready at once.
@Suite struct EngineStartupTests {
    @Test("an engine without services is ready at once")
    func readyWithoutServices() async throws {
        let fixture = try EngineFixture()
        #expect(await fixture.engine.readiness() == .ready)
        await fixture.engine.waitUntilStarted()
    }

    @Test("with services: starting until the index holds the stored items, then ready")
    func startingThenReady() async throws {
        let fixture = try EngineFixture { $0.recommend.trainOnStart = false }
        _ = try await fixture.store.upsertItems(EngineFixture.shop, at: .now())
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let services = fixture.engine.services(logger: logger)
        #expect(await fixture.engine.readiness() == .starting(loading: ["saved_model", "search_index"]))
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await fixture.engine.waitUntilStarted()
            #expect(await fixture.engine.readiness() == .ready)
            let found = try await fixture.engine.search(SearchQuery(text: "down jacket"))
            #expect(found.results.hits.first?.itemID == ItemID("j2"), "items stored before the start are searchable")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
