import AisleCore
import AisleEngine
import Foundation
import Testing

/// The offline half of the engine (`aisle import`, `aisle train`): a real data folder on disk.
@Suite struct DataFolderTests {
    private static func temporaryFolder() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("aisle-datafolder-\(UUID().uuidString)")
    }

    private static func configuration(_ directory: String) -> AisleConfiguration {
        var configuration = AisleConfiguration()
        configuration.store.dataDirectory = directory
        configuration.recommend.threads = 2
        return configuration
    }

    @Test("imports rows, rejects reviews of unknown items by position, trains, and a server opens what it saved")
    func importTrainServe() async throws {
        let directory = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let folder = try await DataFolder.open(configuration: Self.configuration(directory))
            #expect(try await folder.importItems(EngineFixture.shop) == 5)
            let history = EngineRecommendationTests.history().enumerated().map { index, event in
                var event = event
                event.eventID = EventID("e\(index)")
                return event
            }
            let first = try await folder.importEvents(history)
            #expect(first.accepted == history.count)
            let again = try await folder.importEvents(Array(history.prefix(3)))
            #expect(again.accepted == 0 && again.duplicates == 3, "a retried batch is dropped by event id")
            let reviews = try await folder.importReviews([
                ReviewSubmission(id: ReviewID("r1"), itemID: ItemID("j1"), text: "Warm and dry, love it"),
                ReviewSubmission(id: ReviewID("r2"), itemID: ItemID("nope"), text: "Never arrived"),
            ])
            #expect(reviews.stored.map(\.id) == [ReviewID("r1")])
            #expect(reviews.rejected.map(\.index) == [1] && reviews.rejected.first?.error.code == .notFound)
            try await folder.finishImport()
            let report = try await folder.train()
            #expect(report.items == 5 && report.interactions > 0)
            #expect(FileManager.default.fileExists(atPath: folder.snapshotPath))
        }
        // The folder's lock went with it: a server opens the folder and serves the saved model.
        let (engine, lock) = try await EngineSetup.open(configuration: Self.configuration(directory)) { _ in }
        #expect(await engine.loadSavedModel())
        let feed = try await engine.feed(for: .user(UserID("u0")), query: FeedQuery())
        #expect(feed.modelTrainedAt != nil && feed.page.fallback == nil)
        #expect(!feed.page.items.map(\.itemID.rawValue).contains("j1"), "u0 bought j1")
        withExtendedLifetime(lock) {}
    }

    @Test("an import stores no events of a user who turned tracking off, as the server's ingest would not")
    func importHonoursConsent() async throws {
        let directory = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (engine, lock) = try await EngineSetup.open(configuration: Self.configuration(directory)) { _ in }
            _ = try await engine.setConsent(of: UserID("quiet"), personalization: nil, tracking: false)
            withExtendedLifetime(lock) {}
        }
        let folder = try await DataFolder.open(configuration: Self.configuration(directory))
        let outcome = try await folder.importEvents([
            EngineFixture.event(.view, user: "quiet", item: "j1"),
            EngineFixture.event(.view, user: "loud", item: "j1"),
            EngineFixture.event(.purchase, user: "quiet", item: "j2"),
        ])
        #expect(outcome.rows == [.notTracked, .accepted, .notTracked])
    }

    @Test("a folder another process holds is refused, naming the holder")
    func lockedFolder() async throws {
        let directory = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let holder = try await DataFolder.open(configuration: Self.configuration(directory))
        await #expect {
            _ = try await DataFolder.open(configuration: Self.configuration(directory))
        } throws: { error in
            guard let inUse = error as? DataFolder.InUse else { return false }
            return inUse.directory == directory && "\(inUse)".contains("another aisle process")
        }
        withExtendedLifetime(holder) {}
    }
}
