import AisleCore
import AisleTestPostgres
import Foundation
import Synchronization
import Testing

@testable import AisleStore

/// Two stores on one PostgreSQL database, as two `aisle serve` nodes have them: what one node
/// writes the other sees, and races between them end as one node alone would end them.
@Suite(.enabled(if: PostgresTestServer.available)) struct PostgresNodesTests {
    /// Two stores (two pools) on one new database.
    private func twoNodes() async throws -> (PostgresStore, PostgresStore) {
        let url = try await PostgresTestServer.shared.newDatabase()
        let first = try await PostgresStore.connect(
            url: url,
            connectTimeout: PostgresTestServer.connectTimeout,
            requestTimeout: PostgresTestServer.connectTimeout
        )
        let second = try await PostgresStore.connect(
            url: url,
            connectTimeout: PostgresTestServer.connectTimeout,
            requestTimeout: PostgresTestServer.connectTimeout
        )
        return (first, second)
    }

    @Test("the same event_id sent to two nodes at once is stored once")
    func idempotentAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        let events = (0..<200).map { Event.fixture(user: "u\($0 % 7)", id: "e\($0)", at: .t0(plusMinutes: $0)) }
        let outcomes = try await withThrowingTaskGroup(of: AppendOutcome.self) { group in
            for (index, node) in [a, b, a, b].enumerated() {
                // Each call sends every event, in its own order.
                let order = index % 2 == 0 ? events : events.reversed()
                group.addTask { try await node.appendEvents(order, receivedAt: .t0) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.map(\.accepted).reduce(0, +) == 200)
        #expect(outcomes.map(\.duplicates).reduce(0, +) == 600)
        #expect(try await b.counts().events == 200)
        let scanned = try await a.interactionEvents(after: 0, limit: 1000)
        #expect(Set(scanned.map(\.sequence)).count == 200)
        #expect(scanned.map(\.sequence) == scanned.map(\.sequence).sorted())
        #expect(try await a.latestSequence() == 200)
    }

    @Test("an append's optimistic insert stores nothing once another node wrote to the log since its read")
    func optimisticInsertAfterAnotherWrite() async throws {
        let (a, b) = try await twoNodes()
        let logger = a.logger
        _ = try await a.appendEvents([Event.fixture(user: "u1", id: "first", at: .t0)], receivedAt: .t0)
        func counter() async throws -> (xmin: String, last: Int64) {
            let read = try await a.withConnection { connection in
                try await AppendContext.read(for: [], connection, logger: logger).counter
            }
            return try #require(read)
        }
        let before = try await counter()
        // A write to the log that stores no event (a device link) still changes the counter's version.
        _ = try await b.identify(device: DeviceID("tablet"), as: UserID("u2"), at: .t0, relinking: .refuse)
        func rows(after last: Int64) -> EventRows {
            var rows = EventRows()
            let event = Event.fixture(user: "u1", id: "second", at: .t0(plusMinutes: 1))
            rows.append(event, sequence: last + 1, owner: "u:u1", receivedAt: .t0)
            return rows
        }
        let stale = rows(after: before.last)
        let storedStale = try await a.withConnection { connection in
            try await stale.insert(connection, logger: logger, lastSequence: before.last + 1, ifCounterIs: before.xmin)
        }
        #expect(!storedStale)
        #expect(try await a.counts().events == 1)
        let after = try await counter()
        #expect(after.last == before.last)
        #expect(after.xmin != before.xmin)
        let fresh = rows(after: after.last)
        let stored = try await a.withConnection { connection in
            try await fresh.insert(connection, logger: logger, lastSequence: after.last + 1, ifCounterIs: after.xmin)
        }
        #expect(stored)
        #expect(try await b.counts().events == 2)
        #expect(try await b.latestSequence() == after.last + 1)
        // The next append reads the new version and stores in two round trips again.
        let outcome = try await b.appendEvents([Event.fixture(user: "u1", id: "third", at: .t0)], receivedAt: .t0)
        #expect(outcome.accepted == 1)
        #expect(try await a.counts().events == 3)
    }

    @Test(
        "an optimistic insert waiting on another node's open write stores nothing if it commits, and stores if it rolls back",
        arguments: [true, false]
    )
    func optimisticInsertWaitsForAnOpenWrite(commits: Bool) async throws {
        let (a, b) = try await twoNodes()
        let logger = a.logger
        _ = try await a.appendEvents([Event.fixture(user: "u1", id: "first", at: .t0)], receivedAt: .t0)
        let read = try await a.withConnection { connection in
            try await AppendContext.read(for: [], connection, logger: logger).counter
        }
        let version = try #require(read)
        var rows = EventRows()
        rows.append(
            Event.fixture(user: "u1", id: "second", at: .t0(plusMinutes: 1)),
            sequence: version.last + 1,
            owner: "u:u1",
            receivedAt: .t0
        )
        let pending = rows
        struct RolledBack: Error {}
        // Node b takes the log's lock and holds it while node a's insert starts (and waits).
        let (locked, lockTaken) = AsyncStream<Void>.makeStream()
        let writer = Task {
            try? await b.transaction { connection in
                try await PostgresStore.lockEventLog(connection, logger: logger)
                lockTaken.yield()
                try await Task.sleep(for: .milliseconds(400))
                if !commits { throw RolledBack() }
            }
            lockTaken.finish()
        }
        for await _ in locked { break }
        let stored = try await a.withConnection { connection in
            try await pending.insert(
                connection,
                logger: logger,
                lastSequence: version.last + 1,
                ifCounterIs: version.xmin
            )
        }
        await writer.value
        #expect(stored == !commits)
        #expect(try await a.counts().events == (commits ? 1 : 2))
    }

    @Test("appends on two nodes take sequence numbers in commit order: a scan misses nothing")
    func sequenceScanAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        // A reader scans as training does while both nodes write: a scan that passed an event
        // committed late would never see it, and stop short of 1,200 when time is up.
        let seen = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<6 {
                let node = writer % 2 == 0 ? a : b
                group.addTask {
                    for batch in 0..<10 {
                        let events = (0..<20).map {
                            Event.fixture(user: "w\(writer)", at: .t0(plusMinutes: batch * 20 + $0))
                        }
                        _ = try await node.appendEvents(events, receivedAt: .t0)
                    }
                    return []
                }
            }
            group.addTask {
                var seen: [Int64] = []
                let deadline = ContinuousClock.now + .seconds(60)
                while seen.count < 1200, ContinuousClock.now < deadline {
                    let page = try await b.interactionEvents(after: seen.last ?? 0, limit: 37)
                    seen += page.map(\.sequence)
                    if page.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
                }
                return seen
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(seen.count == 1200)
        #expect(Set(seen).count == 1200)
    }

    @Test("identify on one node while the other appends the device's events leaves none anonymous")
    func identifyRacesAppends() async throws {
        let (a, b) = try await twoNodes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for batch in 0..<20 {
                    let events = (0..<10).map { Event.fixture(device: "phone", at: .t0(plusMinutes: batch * 10 + $0)) }
                    _ = try await b.appendEvents(events, receivedAt: .t0)
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(20))
                _ = try await a.identify(device: DeviceID("phone"), as: UserID("ann"), at: .t0, relinking: .refuse)
            }
            try await group.waitForAll()
        }
        #expect(try await a.anonymousHistory(of: DeviceID("phone"), limit: 500).isEmpty)
        let history = try await b.history(of: UserID("ann"), types: [], after: nil, limit: 500)
        #expect(history.count == 200)
        #expect(history.allSatisfy { $0.event.userID == UserID("ann") })
    }

    @Test("a shopper's session continues across nodes")
    func sessionsAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        _ = try await a.appendEvents([.fixture(user: "ann", at: .t0)], receivedAt: .t0)
        _ = try await b.appendEvents([.fixture(user: "ann", at: .t0(plusMinutes: 10))], receivedAt: .t0)
        _ = try await a.appendEvents([.fixture(user: "ann", at: .t0(plusMinutes: 60))], receivedAt: .t0)
        let sessions = try await b.history(of: UserID("ann"), types: [], after: nil, limit: 10).map(\.event.sessionID)
        #expect(sessions.count == 3)
        #expect(sessions[1] == sessions[2], "10 minutes apart: one session")
        #expect(sessions[0] != sessions[1], "50 minutes later: a new one")
    }

    @Test("consent changed on two nodes at once keeps both changes")
    func consentAcrossNodes() async throws {
        let (a, b) = try await twoNodes()
        for round in 0..<10 {
            let user = UserID("u\(round)")
            async let first = a.updateConsent(of: user, personalization: false, tracking: nil, at: .t0)
            async let second = b.updateConsent(of: user, personalization: nil, tracking: false, at: .t0)
            _ = try await (first, second)
            let stored = try await a.consent(of: user)
            #expect(stored?.personalization == false && stored?.tracking == false)
        }
    }

    @Test("a change one node publishes reaches the other's feed, not its own; each kind survives the trip")
    func changeFeed() async throws {
        let (a, b) = try await twoNodes()
        let sent: [StoreChange] = [
            .items([ItemID("i1"), ItemID("ü 2")]), .embeddings(model: "m", items: [ItemID("i1")]), .synonyms, .faqs,
            .experiment(ExperimentID("x")), .bandit(BanditID("b")), .consent(UserID("u")),
            .userErased(UserID("u"), units: ["u:u", "d:p"]), .madeKeys, .model, .resync,
            .images([ItemID("i1")]), .images([]),
            // Too long for one notification: sent as "re-read the catalog".
            .items((0..<2000).map { ItemID("item-\($0)") }),
        ]
        // LISTEN starts on a connection of its own: probes go out until the other node hears one.
        let probe = StoreChange.experiment(ExperimentID("probe"))
        let heard = Mutex(false)
        let received = Task {
            var changes: [StoreChange] = []
            for await change in b.changes() {
                if change == probe {
                    heard.withLock { $0 = true }
                    continue
                }
                changes.append(change)
                if changes.count == sent.count { break }
            }
            return changes
        }
        let own = Task {
            var changes: [StoreChange] = []
            for await change in a.changes() { changes.append(change) }
            return changes
        }
        while !heard.withLock({ $0 }) {
            await a.publish(probe)
            try await Task.sleep(for: .milliseconds(100))
        }
        for change in sent { await a.publish(change) }
        let changes = await received.value
        #expect(Array(changes.prefix(sent.count - 1)) == Array(sent.prefix(sent.count - 1)))
        #expect(changes.last == .items([]))
        own.cancel()
        #expect(await own.value.isEmpty, "a node does not hear its own changes")

    }
}
