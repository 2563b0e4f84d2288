import AisleCore
import Foundation
import GRDB
import Testing

@testable import AisleStore

/// The packed event log: the block format, the event-id index, and the move from the v1
/// table of one row per event.
@Suite struct EventBlockTests {
    static let varied: [Event] = [
        Event(
            eventID: EventID("e-1"),
            type: .view,
            deviceID: DeviceID("phone"),
            itemID: ItemID("这件羽绒服"),
            sessionID: SessionID("s1"),
            device: DeviceInfo(platform: .ios, model: "iPhone 15", appVersion: "2.3.1"),
            timestamp: .t0
        ),
        // Same device, session and device info as the one before: flagged, not written.
        Event(
            type: .rate,
            deviceID: DeviceID("phone"),
            itemID: ItemID("i2"),
            value: 4.5,
            sessionID: SessionID("s1"),
            device: DeviceInfo(platform: .ios, model: "iPhone 15", appVersion: "2.3.1"),
            timestamp: .t0(plusMinutes: -3),
            context: ["page": .string("home 🏠"), "rank": .number(3)]
        ),
        Event(
            eventID: EventID("e-3"),
            type: .search,
            query: "down jacket 羽绒服",
            sessionID: SessionID("s2"),
            timestamp: .t0(plusMinutes: 90)
        ),
        Event(
            type: EventType(stored: "x_wishlist"),
            deviceID: DeviceID("tablet"),
            itemID: ItemID("i3"),
            value: -1,
            sessionID: SessionID("s2"),
            timestamp: .t0(plusMinutes: 91)
        ),
    ]

    static func packed(_ events: [Event], receivedAt: [Timestamp]) -> EventBlockEncoder {
        var encoder = EventBlockEncoder()
        for (event, received) in zip(events, receivedAt) {
            encoder.append(
                event,
                contextText: event.context.map { JSONValue.object($0).jsonText },
                receivedAt: received,
                attributed: event.eventID == nil
            )
        }
        return encoder
    }

    @Test("events read back from a block field for field, with the owner as user and sequences in order")
    func roundTrip() throws {
        let received = [Timestamp.t0, .t0, .t0(plusMinutes: 100), .t0(plusMinutes: 1)]
        let encoder = Self.packed(Self.varied, receivedAt: received)
        #expect(encoder.count == 4)
        let decoded = try EventBlockDecoder.events(encoder.bytes, firstSequence: 41, owner: "u:zoë", attributed: false)
        #expect(decoded.map(\.sequence) == [41, 42, 43, 44])
        #expect(decoded.map(\.receivedAt) == received)
        #expect(decoded.map(\.attributed) == [false, true, false, true])
        for (stored, original) in zip(try decoded.map { try $0.stored() }, Self.varied) {
            var expected = original
            expected.userID = UserID("zoë")
            #expect(stored.event == expected)
        }
        // The session look-up walks the same format on its own: it must find the same event.
        let newest = try #require(decoded.max { ($0.event.timestamp, $0.sequence) < ($1.event.timestamp, $1.sequence) })
        let latest = try #require(try EventBlockDecoder.latestSession(encoder.bytes, firstSequence: 41))
        #expect(latest.sequence == newest.sequence && latest.timestamp == newest.event.timestamp.millisecondsSinceEpoch)
        #expect(latest.session == newest.event.sessionID?.rawValue)
        let anonymous = try EventBlockDecoder.events(
            encoder.bytes,
            firstSequence: 1,
            owner: "d:phone",
            attributed: true
        )
        #expect(anonymous.allSatisfy { $0.event.userID == nil && $0.attributed })
    }

    @Test("a damaged block is an error, not a wrong event")
    func damaged() {
        let bytes = Self.packed(Self.varied, receivedAt: Array(repeating: .t0, count: 4)).bytes
        for length in [1, 5, bytes.count / 2, bytes.count - 1] {
            #expect(throws: EventBlockError.self) {
                _ = try EventBlockDecoder.events(
                    Array(bytes.prefix(length)),
                    firstSequence: 1,
                    owner: "u:x",
                    attributed: false
                )
            }
        }
    }

    @Test("the event-id hash is the one stored on disk")
    func hashIsStable() {
        // Stored in every database: a change would make stored ids unfindable.
        #expect(stableHash("e1-0") == 0x1e5a_4661_882c_f82d)
        #expect(stableHash("") == 0xf52a_15e9_a9b5_e89b)
        #expect(stableHash("e1-0") != stableHash("e1-1"))
    }

    @Test("a bucket entry with the same hash but another id is not a duplicate")
    func hashHitIsChecked() async throws {
        let directory = TemporaryDirectory.make()
        do {
            let store = try SQLiteStore.open(directory: directory)
            _ = try await store.bulkLoad {
                try await store.appendEvents([.fixture(user: "u", id: "stored")], receivedAt: .t0)
            }
        }
        // Point the hash of "other" at the block that holds "stored", as a collision would.
        let database = try DatabaseQueue(path: directory + "/aisle.sqlite")
        try await database.write { db in
            try EventIDIndex.replaceAll(
                with: [
                    EventIDIndex.Entry(hash: stableHash("stored"), block: 1),
                    EventIDIndex.Entry(hash: stableHash("other"), block: 1),
                ],
                db: db
            )
        }
        let store = try SQLiteStore.open(directory: directory)
        let outcome = try await store.appendEvents(
            [.fixture(user: "u", id: "other"), .fixture(user: "u", id: "stored"), .fixture(user: "u", id: "new")],
            receivedAt: .t0
        )
        #expect(outcome.rows == [.accepted, .duplicate, .accepted])
    }

    @Test("the bucket filter finds every hash it was given, and few others")
    func bucketFilter() {
        var filter = HashFilter(capacity: 10_000)
        var generator = SplitMix64(seed: 3)
        let inserted = (0..<10_000).map { _ in generator.next() }
        for hash in inserted { filter.insert(hash) }
        #expect(inserted.allSatisfy(filter.mayContain))
        let falsePositives = (0..<100_000).count { _ in filter.mayContain(generator.next()) }
        #expect(falsePositives < 1_000)
    }

    @Test("a filter read after the start says maybe until then, and keeps what was inserted meanwhile")
    func pendingFilter() {
        var pending = PendingFilter()
        #expect(pending.mayContain(42))
        pending.insert(7)
        var read = HashFilter(capacity: 100)
        read.insert(1)
        pending.loaded(read)
        #expect(pending.mayContain(1))
        #expect(pending.mayContain(7))
        #expect(!pending.mayContain(42))
        // A filter set since (a bulk load's) is newer than the one read at open.
        var newer = HashFilter(capacity: 100)
        newer.insert(2)
        var replaced = PendingFilter()
        replaced.replace(with: newer)
        replaced.loaded(read)
        #expect(replaced.mayContain(2))
        #expect(!replaced.mayContain(1))
    }

    @Test("history pages through many writes with out-of-order timestamps, newest first, each event once")
    func historyAcrossBlocks() async throws {
        let store = try SQLiteStore.inMemory()
        var generator = SplitMix64(seed: 7)
        var written = 0
        for write in 0..<12 {
            let events = (0..<Int(generator.next() % 9)).map { _ in
                Event.fixture(
                    [.view, .click, .purchase][Int(generator.next() % 3)],
                    user: "u",
                    item: "i\(write)",
                    at: .t0(plusMinutes: Int(generator.next() % 50))
                )
            }
            written += events.count
            _ = try await store.appendEvents(events + [.fixture(user: "someone else")], receivedAt: .t0)
        }
        let all = try await store.history(of: UserID("u"), types: [], after: nil, limit: 1000)
        #expect(all.count == written)
        let expected = all.sorted { ($0.event.timestamp, $0.sequence) > ($1.event.timestamp, $1.sequence) }
        #expect(all.map(\.sequence) == expected.map(\.sequence))
        for limit in [1, 3, 7] {
            var paged: [StoredEvent] = []
            var cursor: HistoryCursor?
            while true {
                let page = try await store.history(of: UserID("u"), types: [], after: cursor, limit: limit)
                guard let last = page.last else { break }
                paged += page
                cursor = HistoryCursor(after: last)
            }
            #expect(paged.map(\.sequence) == expected.map(\.sequence))
        }
        let clicks = try await store.history(of: UserID("u"), types: [.click], after: nil, limit: 1000)
        #expect(clicks.map(\.sequence) == expected.filter { $0.event.type == .click }.map(\.sequence))
    }

    @Test("a v6 database's events move into blocks with their sequence numbers, ids and sessions")
    func migratesRows() async throws {
        let directory = TemporaryDirectory.make()
        let path = directory + "/aisle.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(queue, upTo: "v6: setting revisions")
            try await queue.write { db in
                // Runs of owners with a gap in the numbers (a deleted row) and an attributed row.
                let rows: [(Int64, String?, String?, String?, String, Int64, String?, Int)] = [
                    (1, "e1", "u1", "d1", "s-a", 1000, nil, 0),
                    (2, "e2", "u1", "d1", "s-a", 1005, #"{"page":"home"}"#, 0),
                    (3, nil, nil, "d9", "s-b", 1001, nil, 0),
                    (5, "e5", "u1", "d9", "s-c", 999, nil, 1),
                    (6, "e6", "u1", nil, "s-c", 2000, nil, 0),
                ]
                for row in rows {
                    try db.execute(
                        sql: """
                            INSERT INTO events (seq, event_id, type, user_id, device_id, item_id, session_id, platform, ts,
                                context, received_at, attributed)
                            VALUES (?, ?, 'view', ?, ?, 'i1', ?, 'web', ?, ?, 7, ?)
                            """,
                        arguments: [row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7]
                    )
                }
            }
        }
        let store = try SQLiteStore.open(directory: directory)
        let history = try await store.history(of: UserID("u1"), types: [], after: nil, limit: 10)
        #expect(history.map(\.sequence) == [6, 2, 1, 5])
        #expect(history.map(\.event.sessionID?.rawValue) == ["s-c", "s-a", "s-a", "s-c"])
        #expect(history[1].event.context == ["page": .string("home")])
        #expect(
            history.allSatisfy {
                $0.receivedAt == Timestamp(millisecondsSinceEpoch: 7) && $0.event.device.platform == .web
            }
        )
        #expect(try await store.anonymousHistory(of: DeviceID("d9"), limit: 10).map(\.sequence) == [3])
        let scan = try await store.interactionEvents(after: 0, limit: 10)
        #expect(scan.map(\.sequence) == [1, 2, 3, 5, 6])
        #expect(try await store.appendEvents([.fixture(user: "u2", id: "e5")], receivedAt: .t0).duplicates == 1)
        #expect(try await store.latestSequence() == 6)
        _ = try await store.appendEvents([.fixture(user: "u2")], receivedAt: .t0)
        #expect(try await store.latestSequence() == 7)
        let tables = try await DatabaseQueue(path: path).read { db in try db.tableExists("events") }
        #expect(!tables)
    }
}
