import AisleCore
import Testing

@testable import AisleStore

/// Migration v7 writes with its own frozen copy of the block encoder and the id hash. Today
/// both must still write exactly what the store's current code writes for format 1.
@Suite struct MigrationV7Tests {
    /// Events that exercise every flag: changing and repeated types, devices, sessions and
    /// device info, values, attributed rows, contexts, times going back, and ids that are
    /// canonically equal but encoded differently (NFC and NFD).
    static func rows() -> [MigrationV7.Columns] {
        var random = SplitMix64(seed: 7)
        let devices: [String?] = [nil, "d1", "caf\u{E9}", "cafe\u{301}"]
        let sessions: [String?] = [nil, "s1", "s2"]
        let platforms: [String?] = [nil, "ios", "web"]
        return (0..<300).map { index in
            func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
            return MigrationV7.Columns(
                eventID: index % 7 == 0 ? nil : "e\(index)",
                type: pick(["view", "click", "purchase"]),
                device: pick(devices),
                item: index % 5 == 0 ? nil : "item-\(random.next() % 50)",
                value: index % 3 == 0 ? Double(random.next() % 100) / 7 : nil,
                query: index % 11 == 0 ? "rain jacket" : nil,
                session: pick(sessions),
                platform: pick(platforms),
                model: index % 13 == 0 ? "Pixel 9" : nil,
                appVersion: index % 17 == 0 ? "2.1.0" : nil,
                timestamp: 1_700_000_000_000 + Int64(random.next() % 100_000) - 50_000,
                context: index % 4 == 0 ? #"{"page":"home"}"# : nil,
                receivedAt: 1_700_000_000_000 + Int64(index / 10) * 1000,
                attributed: index % 9 == 0
            )
        }
    }

    @Test("the frozen encoder writes the same bytes as the store's format-1 encoder")
    func sameBytes() {
        var frozen = MigrationV7.BlockEncoder()
        var current = EventBlockEncoder()
        for row in Self.rows() {
            frozen.append(row)
            let event = Event(
                eventID: row.eventID.map { EventID($0) },
                type: EventType(stored: row.type),
                deviceID: row.device.map { DeviceID($0) },
                itemID: row.item.map { ItemID($0) },
                value: row.value,
                query: row.query,
                sessionID: row.session.map { SessionID($0) },
                device: DeviceInfo(
                    platform: row.platform.flatMap(Platform.init(rawValue:)),
                    model: row.model,
                    appVersion: row.appVersion
                ),
                timestamp: Timestamp(millisecondsSinceEpoch: row.timestamp)
            )
            current.append(
                event,
                contextText: row.context,
                receivedAt: Timestamp(millisecondsSinceEpoch: row.receivedAt),
                attributed: row.attributed
            )
        }
        #expect(frozen.count == current.count)
        #expect(frozen.bytes == current.bytes)
    }

    @Test("the frozen id hash is the store's")
    func sameHash() {
        for id in ["e1", "", "caf\u{E9}", "cafe\u{301}", "😀-event", String(repeating: "x", count: 500)] {
            #expect(MigrationV7.hash(id) == stableHash(id), "\(id)")
        }
    }
}
