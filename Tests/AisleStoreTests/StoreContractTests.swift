import AisleCore
import AisleStore
import Testing

/// The behaviour every `Store` must have; runs against each `StoreKind`.
@Suite struct StoreContractTests {
    @Test(
        "the training scan pages through item events in arrival order per shopper, write after write",
        arguments: StoreKind.allCases
    )
    func itemEventScan(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.latestSequence() == 0)
        let events =
            (0..<5).map { Event.fixture(user: "u\($0 % 2)", item: "i\($0)") }
            + [Event(type: .search, userID: UserID("u0"), query: "boots", timestamp: .t0)]
        _ = try await store.appendEvents(events, receivedAt: .t0)
        _ = try await store.appendEvents([.fixture(user: "u1", item: "later")], receivedAt: .t0)
        var seen: [InteractionEvent] = []
        var after: Int64 = 0
        while true {
            let page = try await store.interactionEvents(after: after, limit: 2)
            guard let last = page.last else { break }
            seen += page
            after = last.sequence
        }
        // One write's events are numbered shopper by shopper (they are stored in one block
        // per shopper), each shopper's in the order sent; a later write comes after.
        #expect(seen.filter { $0.userID == UserID("u0") }.map(\.itemID.rawValue) == ["i0", "i2", "i4"])
        #expect(seen.filter { $0.userID == UserID("u1") }.map(\.itemID.rawValue) == ["i1", "i3", "later"])
        #expect(seen.count == 6 && seen.last?.itemID == ItemID("later"))
        #expect(seen.map(\.sequence) == seen.map(\.sequence).sorted() && Set(seen.map(\.sequence)).count == 6)
        #expect(try await store.latestSequence() == 7)
    }

    @Test(
        "a device's anonymous events are its own until it is linked; then they are the user's",
        arguments: StoreKind.allCases
    )
    func anonymousDeviceHistory(kind: StoreKind) async throws {
        let store = try await kind.make()
        let device = DeviceID("phone-1")
        _ = try await store.appendEvents(
            [Event(type: .view, deviceID: device, itemID: ItemID("a"), timestamp: .t0)],
            receivedAt: .t0
        )
        #expect(try await store.anonymousHistory(of: device, limit: 10).map { $0.event.itemID } == [ItemID("a")])
        #expect(try await store.linkedUser(of: device) == nil)
        _ = try await store.identify(device: device, as: UserID("u"), at: .t0, relinking: .refuse)
        #expect(try await store.anonymousHistory(of: device, limit: 10).isEmpty)
        #expect(try await store.linkedUser(of: device) == UserID("u"))
    }

    @Test("profile pages are in byte order and cover every user once", arguments: StoreKind.allCases)
    func userPages(kind: StoreKind) async throws {
        let store = try await kind.make()
        let ids = ["b", "a", "é", "Z", "羽", "c"]
        _ = try await store.putUsers(
            ids.map { User(id: UserID($0), attributes: ["locale": .string("de-DE")]) },
            at: .t0
        )
        var seen: [UserID] = []
        var cursor: UserID?
        repeat {
            let page = try await store.users(after: cursor, limit: 4)
            seen += page.map(\.id)
            cursor = page.count == 4 ? page.last?.id : nil
        } while cursor != nil
        #expect(seen == ids.map(UserID.init).sorted())
        #expect(try await store.users(after: nil, limit: 1).first?.attributes["locale"] == .string("de-DE"))
    }

    @Test("a deleted item is hidden from reads and lists; its events stay", arguments: StoreKind.allCases)
    func deleteHides(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("a"), .fixture("b")], at: .t0)
        _ = try await store.appendEvents([.fixture(user: "u", item: "a")], receivedAt: .t0)
        #expect(try await store.deleteItem(ItemID("a"), at: .t0))
        #expect(try await store.item(ItemID("a")) == nil)
        #expect(try await store.items(after: nil, limit: 10).map(\.id) == [ItemID("b")])
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 10).count == 1)
        #expect(try await store.deleteItem(ItemID("a"), at: .t0) == false)
    }

    @Test("a repeated event_id is stored once, within a batch and across batches", arguments: StoreKind.allCases)
    func duplicates(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.appendEvents(
            [.fixture(user: "u", id: "e1"), .fixture(user: "u", id: "e1"), .fixture(user: "u", id: "e2")],
            receivedAt: .t0
        )
        #expect(first.rows == [.accepted, .duplicate, .accepted])
        let second = try await store.appendEvents(
            [.fixture(user: "u", id: "e2"), .fixture(user: "u")],
            receivedAt: .t0
        )
        #expect(second.rows == [.duplicate, .accepted])
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 10).count == 3)
    }

    @Test("events for items not in the catalog are accepted and counted", arguments: StoreKind.allCases)
    func unknownItems(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.upsertItems([.fixture("known")], at: .t0)
        let outcome = try await store.appendEvents(
            [
                .fixture(user: "u", item: "known"), .fixture(user: "u", item: "later"),
                .fixture(.search, user: "u", item: nil),
            ],
            receivedAt: .t0
        )
        #expect(outcome.accepted == 3)
        #expect(outcome.unknownItems == 1)
    }

    @Test("sessions split after 30 minutes of inactivity, per shopper", arguments: StoreKind.allCases)
    func sessions(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.appendEvents(
            [
                .fixture(user: "u", at: .t0), .fixture(user: "u", at: .t0(plusMinutes: 20)),
                .fixture(user: "v", at: .t0(plusMinutes: 21)), .fixture(user: "u", at: .t0(plusMinutes: 51)),
            ],
            receivedAt: .t0
        )
        // A later batch continues the stored session.
        _ = try await store.appendEvents([.fixture(user: "u", at: .t0(plusMinutes: 60))], receivedAt: .t0)
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        let sessions = history.reversed().map { $0.event.sessionID }
        #expect(sessions[0] == sessions[1])
        #expect(sessions[1] != sessions[2])
        #expect(sessions[2] == sessions[3])
        let other = try await store.history(of: UserID("v"), types: [], after: nil, limit: 10)
        #expect(other[0].event.sessionID != sessions[0])
    }

    @Test("a client session_id is kept as sent", arguments: StoreKind.allCases)
    func clientSession(kind: StoreKind) async throws {
        let store = try await kind.make()
        var event = Event.fixture(user: "u")
        event.sessionID = SessionID("app-session-7")
        _ = try await store.appendEvents([event], receivedAt: .t0)
        let stored = try await store.history(of: UserID("u"), types: [], after: nil, limit: 1)
        #expect(stored.first?.event.sessionID == SessionID("app-session-7"))
    }

    @Test("identify gives the user a device's past and future anonymous events", arguments: StoreKind.allCases)
    func identify(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.appendEvents(
            [
                .fixture(device: "phone", item: "a", at: .t0),
                .fixture(device: "phone", item: "b", at: .t0(plusMinutes: 1)),
            ],
            receivedAt: .t0
        )
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 10).isEmpty)
        let outcome = try await store.identify(
            device: DeviceID("phone"),
            as: UserID("u"),
            at: .t0(plusMinutes: 2),
            relinking: .allow
        )
        #expect(outcome.eventsAttributed == 2)
        #expect(outcome.previousUser == nil)
        _ = try await store.appendEvents(
            [
                .fixture(device: "phone", item: "c", at: .t0(plusMinutes: 3)),
                .fixture(user: "u", device: "laptop", item: "d", at: .t0(plusMinutes: 4)),
            ],
            receivedAt: .t0
        )
        let history = try await store.history(of: UserID("u"), types: [], after: nil, limit: 10)
        #expect(history.map(\.event.itemID) == ["d", "c", "b", "a"].map(ItemID.init))
        let devices = try await store.devices(of: UserID("u"))
        #expect(devices.map(\.deviceID) == [DeviceID("phone")])
        #expect(devices.first?.lastSeen == .t0(plusMinutes: 3))
    }

    @Test("a device identified by another user moves to that user from then on", arguments: StoreKind.allCases)
    func relink(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.identify(device: DeviceID("tablet"), as: UserID("ann"), at: .t0, relinking: .allow)
        _ = try await store.appendEvents([.fixture(device: "tablet", item: "a")], receivedAt: .t0)
        let outcome = try await store.identify(
            device: DeviceID("tablet"),
            as: UserID("bob"),
            at: .t0(plusMinutes: 1),
            relinking: .allow
        )
        #expect(outcome.previousUser == UserID("ann"))
        _ = try await store.appendEvents(
            [.fixture(device: "tablet", item: "b", at: .t0(plusMinutes: 2))],
            receivedAt: .t0
        )
        #expect(
            try await store.history(of: UserID("ann"), types: [], after: nil, limit: 10).map(\.event.itemID) == [
                ItemID("a")
            ]
        )
        #expect(
            try await store.history(of: UserID("bob"), types: [], after: nil, limit: 10).map(\.event.itemID) == [
                ItemID("b")
            ]
        )
    }

    @Test("a device linked to another user does not move under the refuse policy", arguments: StoreKind.allCases)
    func relinkRefused(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.identify(device: DeviceID("phone"), as: UserID("ann"), at: .t0, relinking: .refuse)
        _ = try await store.identify(device: DeviceID("phone"), as: UserID("ann"), at: .t0, relinking: .refuse)
        await #expect(throws: AisleError.self) {
            try await store.identify(device: DeviceID("phone"), as: UserID("eve"), at: .t0, relinking: .refuse)
        }
        _ = try await store.appendEvents([.fixture(device: "phone", item: "a")], receivedAt: .t0)
        #expect(try await store.history(of: UserID("ann"), types: [], after: nil, limit: 10).count == 1)
        #expect(try await store.history(of: UserID("eve"), types: [], after: nil, limit: 10).isEmpty)
    }

    @Test("session assignment is the same with a warm cache and after a restart (SQLite on disk)")
    func sessionsAcrossRestart() async throws {
        let directory = TemporaryDirectory.make()
        var client = Event.fixture(user: "u", at: .t0(plusMinutes: 5))
        client.sessionID = SessionID("app-1")
        let warm = try SQLiteStore.open(directory: TemporaryDirectory.make())
        _ = try await warm.appendEvents([.fixture(user: "u", at: .t0), client], receivedAt: .t0)
        _ = try await warm.appendEvents([.fixture(user: "u", at: .t0(plusMinutes: 20))], receivedAt: .t0)
        do {
            let first = try SQLiteStore.open(directory: directory)
            _ = try await first.appendEvents([.fixture(user: "u", at: .t0), client], receivedAt: .t0)
        }
        let restarted = try SQLiteStore.open(directory: directory)
        _ = try await restarted.appendEvents([.fixture(user: "u", at: .t0(plusMinutes: 20))], receivedAt: .t0)
        let warmLast = try await warm.history(of: UserID("u"), types: [], after: nil, limit: 1)
        let restartedLast = try await restarted.history(of: UserID("u"), types: [], after: nil, limit: 1)
        #expect(warmLast.first?.event.sessionID == restartedLast.first?.event.sessionID)
        #expect(warmLast.first?.event.sessionID == SessionID("app-1"))
    }

    @Test("history pages are newest first, stable, filtered by type", arguments: StoreKind.allCases)
    func historyPages(kind: StoreKind) async throws {
        let store = try await kind.make()
        var events: [Event] = []
        for index in 0..<25 {
            // Pairs share a timestamp, so ties must break by arrival.
            events.append(
                .fixture(index % 5 == 0 ? .click : .view, user: "u", item: "i\(index)", at: .t0(plusMinutes: index / 2))
            )
        }
        _ = try await store.appendEvents(events, receivedAt: .t0)
        var all: [StoredEvent] = []
        var cursor: HistoryCursor?
        repeat {
            let page = try await store.history(of: UserID("u"), types: [], after: cursor, limit: 4)
            all += page
            cursor = page.count == 4 ? page.last.map(HistoryCursor.init(after:)) : nil
        } while cursor != nil
        #expect(all.map(\.event.itemID) == events.reversed().map(\.itemID))
        let clicks = try await store.history(of: UserID("u"), types: [.click], after: nil, limit: 100)
        #expect(clicks.count == 5)
        #expect(clicks.allSatisfy { $0.event.type == .click })
    }

    @Test("erasing a user removes the profile, events from every device and the links", arguments: StoreKind.allCases)
    func erase(kind: StoreKind) async throws {
        let store = try await kind.make()
        _ = try await store.putUsers([User(id: UserID("u"), attributes: ["locale": .string("zh-CN")])], at: .t0)
        _ = try await store.appendEvents(
            [.fixture(device: "phone"), .fixture(user: "u"), .fixture(user: "other")],
            receivedAt: .t0
        )
        _ = try await store.identify(device: DeviceID("phone"), as: UserID("u"), at: .t0, relinking: .allow)
        let erased = try await store.eraseUser(UserID("u"))
        #expect(erased == UserErasure(profiles: 1, events: 2, devices: 1))
        #expect(try await store.user(UserID("u")) == nil)
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 10).isEmpty)
        #expect(try await store.devices(of: UserID("u")).isEmpty)
        #expect(try await store.history(of: UserID("other"), types: [], after: nil, limit: 10).count == 1)
        // After erasure the device is anonymous again.
        _ = try await store.appendEvents([.fixture(device: "phone")], receivedAt: .t0)
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 10).isEmpty)
        #expect(try await store.eraseUser(UserID("u")).isEmpty)
    }

    @Test("concurrent writers lose no event", arguments: StoreKind.allCases)
    func concurrentWriters(kind: StoreKind) async throws {
        let store = try await kind.make()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for batch in 0..<10 {
                        let events = (0..<50).map { index in
                            Event.fixture(user: "u", id: "w\(writer)-\(batch)-\(index)")
                        }
                        _ = try await store.appendEvents(events, receivedAt: .t0)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.history(of: UserID("u"), types: [], after: nil, limit: 5000).count == 2000)
    }
}
