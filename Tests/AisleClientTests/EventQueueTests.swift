import Foundation
import Testing

@testable import AisleClient

/// The disk queue: what survives a kill, a damaged file, full bounds and compaction.
@Suite struct EventQueueTests {
    static func folder() -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aisle-queue-\(UUID().uuidString)")
    }

    static func record(_ text: String, kind: QueueRecord.Kind = .event) -> QueueRecord {
        QueueRecord(kind: kind, payload: Array(text.utf8))
    }

    static let roomy = EventQueue.Limits(maxRecords: 1_000, maxBytes: 1 << 20)

    static func texts(_ batch: EventQueue.Batch) -> [String] {
        batch.records.map { String(decoding: $0.payload, as: UTF8.self) }
    }

    static func logFile(in folder: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let name = try #require(names.first { $0.hasPrefix("queue-") && $0.hasSuffix(".log") })
        return folder.appendingPathComponent(name)
    }

    @Test("records come back in order, acknowledged ones are gone after a reopen, kinds are kept")
    func roundTrip() throws {
        let folder = Self.folder()
        do {
            let queue = try EventQueue(directory: folder, limits: Self.roomy)
            try queue.append(Self.record("a"))
            try queue.append(Self.record("who", kind: .identify))
            try queue.append(Self.record("b"))
            let batch = try queue.peek(maxRecords: 10, maxBytes: 1 << 20)
            #expect(Self.texts(batch) == ["a", "who", "b"])
            #expect(batch.records.map(\.kind) == [.event, .identify, .event])
            try queue.acknowledge(through: batch.ends[0])
        }
        let reopened = try EventQueue(directory: folder, limits: Self.roomy)
        #expect(Self.texts(try reopened.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["who", "b"])
        #expect(reopened.recovery == EventQueue.Recovery())
    }

    @Test("a record torn by a kill mid-write is cut off on open; the whole ones stay and appends go on")
    func tornTail() throws {
        let folder = Self.folder()
        do {
            let queue = try EventQueue(directory: folder, limits: Self.roomy)
            for text in ["one", "two", "three"] { try queue.append(Self.record(text)) }
        }
        let file = try Self.logFile(in: folder)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 3).write(to: file)
        let queue = try EventQueue(directory: folder, limits: Self.roomy)
        #expect(queue.recovery.tornBytesDropped == EventQueue.headerBytes + 5 - 3)
        try queue.append(Self.record("four"))
        #expect(Self.texts(try queue.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["one", "two", "four"])
    }

    @Test("a torn header (fewer than 12 bytes) is cut off too")
    func tornHeader() throws {
        let folder = Self.folder()
        do {
            let queue = try EventQueue(directory: folder, limits: Self.roomy)
            try queue.append(Self.record("one"))
        }
        let handle = try FileHandle(forWritingTo: try Self.logFile(in: folder))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(EventQueue.magic + [1, 0, 9]))
        try handle.close()
        let queue = try EventQueue(directory: folder, limits: Self.roomy)
        #expect(queue.recovery.tornBytesDropped == 5)
        #expect(queue.counts.records == 1)
    }

    @Test("a damaged record in the middle: the file is moved aside, the records before it kept, no crash")
    func damagedMiddle() throws {
        let folder = Self.folder()
        do {
            let queue = try EventQueue(directory: folder, limits: Self.roomy)
            for text in ["first", "second", "third", "fourth"] { try queue.append(Self.record(text)) }
        }
        let file = try Self.logFile(in: folder)
        var bytes = [UInt8](try Data(contentsOf: file))
        // The second record's payload starts after the first record (12 + 5) and its header.
        bytes[12 + 5 + 12 + 2] ^= 0xFF
        try Data(bytes).write(to: file)
        let queue = try EventQueue(directory: folder, limits: Self.roomy)
        let aside = try #require(queue.recovery.quarantined)
        #expect(FileManager.default.fileExists(atPath: aside))
        #expect(queue.recovery.recordsLostToDamage == 2, "third and fourth came after the damage")
        #expect(Self.texts(try queue.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["first"])
        try queue.append(Self.record("fifth"))
        let again = try EventQueue(directory: folder, limits: Self.roomy)
        #expect(again.recovery == EventQueue.Recovery(), "the rewritten queue is sound")
        #expect(Self.texts(try again.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["first", "fifth"])
    }

    @Test("a head file that is not ours starts from the file's beginning (resends, never loses)")
    func garbageHead() throws {
        let folder = Self.folder()
        do {
            let queue = try EventQueue(directory: folder, limits: Self.roomy)
            for text in ["a", "b"] { try queue.append(Self.record(text)) }
            try queue.acknowledge(through: try queue.peek(maxRecords: 1, maxBytes: 1 << 20).ends[0])
        }
        try Data("not a head".utf8).write(to: folder.appendingPathComponent("queue.head"))
        let queue = try EventQueue(directory: folder, limits: Self.roomy)
        #expect(Self.texts(try queue.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["a", "b"])
    }

    @Test("past the record bound the oldest are dropped, counted, and stay dropped after a reopen")
    func recordBound() throws {
        let folder = Self.folder()
        let limits = EventQueue.Limits(maxRecords: 10, maxBytes: 1 << 20)
        do {
            let queue = try EventQueue(directory: folder, limits: limits)
            for index in 0..<25 { try queue.append(Self.record("e\(index)")) }
            #expect(queue.counts.records <= 10 && queue.counts.dropped >= 15)
            #expect(Self.texts(try queue.peek(maxRecords: 100, maxBytes: 1 << 20)).last == "e24")
        }
        let reopened = try EventQueue(directory: folder, limits: limits)
        let left = Self.texts(try reopened.peek(maxRecords: 100, maxBytes: 1 << 20))
        #expect(left.count <= 10 && left.last == "e24" && !left.contains("e0"))
    }

    @Test("past the byte bound the oldest are dropped")
    func byteBound() throws {
        let queue = try EventQueue(directory: Self.folder(), limits: .init(maxRecords: 1_000, maxBytes: 1_000))
        let payload = String(repeating: "x", count: 88)  // 100 bytes a record with the header
        for _ in 0..<30 { try queue.append(Self.record(payload)) }
        #expect(queue.counts.bytes <= 1_000 && queue.counts.dropped >= 20)
    }

    @Test("a record over 1 MiB is refused with a clear error and the queue is unchanged")
    func oversized() throws {
        let queue = try EventQueue(directory: Self.folder(), limits: .init(maxRecords: 10, maxBytes: 4 << 20))
        #expect(throws: ClientError.self) {
            try queue.append(Self.record(String(repeating: "x", count: 1 << 20)))
        }
        #expect(queue.counts.records == 0)
    }

    @Test("once most of the file is sent it is rewritten small, and what is left survives a reopen")
    func compaction() throws {
        let folder = Self.folder()
        let payload = String(repeating: "y", count: 1_000)
        do {
            let queue = try EventQueue(directory: folder, limits: .init(maxRecords: 10_000, maxBytes: 16 << 20))
            for index in 0..<2_000 { try queue.append(Self.record("\(index) \(payload)")) }
            let batch = try queue.peek(maxRecords: 1_990, maxBytes: 16 << 20)
            try queue.acknowledge(through: try #require(batch.ends.last))
            let size = try #require(
                try FileManager.default.attributesOfItem(atPath: try Self.logFile(in: folder).path)[.size] as? Int
            )
            #expect(size < 20_000, "10 records left of 2,000")
            try queue.append(Self.record("after"))
        }
        let reopened = try EventQueue(directory: folder, limits: .init(maxRecords: 10_000, maxBytes: 16 << 20))
        let left = Self.texts(try reopened.peek(maxRecords: 100, maxBytes: 16 << 20))
        #expect(left.count == 11 && left.first?.hasPrefix("1990 ") == true && left.last == "after")
    }

    @Test("everything sent: the file starts over empty")
    func allSent() throws {
        let folder = Self.folder()
        let queue = try EventQueue(directory: folder, limits: Self.roomy)
        for text in ["a", "b"] { try queue.append(Self.record(text)) }
        try queue.acknowledge(through: try #require(try queue.peek(maxRecords: 10, maxBytes: 1 << 20).ends.last))
        #expect(queue.counts.records == 0)
        let size = try FileManager.default.attributesOfItem(atPath: try Self.logFile(in: folder).path)[.size] as? Int
        #expect(size == 0)
        try queue.append(Self.record("c"))
        #expect(Self.texts(try queue.peek(maxRecords: 10, maxBytes: 1 << 20)) == ["c"])
    }

    @Test("a batch stops at the byte budget but always holds one record")
    func batchBudget() throws {
        let queue = try EventQueue(directory: Self.folder(), limits: Self.roomy)
        for _ in 0..<5 { try queue.append(Self.record(String(repeating: "z", count: 100))) }
        #expect(try queue.peek(maxRecords: 10, maxBytes: 250).records.count == 2)
        #expect(try queue.peek(maxRecords: 10, maxBytes: 10).records.count == 1)
    }

    @Test("appends from many tasks at once: every record whole, none lost")
    func concurrentAppends() async throws {
        let folder = Self.folder()
        let queue = try EventQueue(directory: folder, limits: .init(maxRecords: 100_000, maxBytes: 64 << 20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<20 {
                group.addTask {
                    for index in 0..<250 { try queue.append(Self.record("t\(task)-\(index)")) }
                }
            }
            try await group.waitForAll()
        }
        let reopened = try EventQueue(directory: folder, limits: .init(maxRecords: 100_000, maxBytes: 64 << 20))
        let all = Self.texts(try reopened.peek(maxRecords: 10_000, maxBytes: 64 << 20))
        #expect(all.count == 5_000 && Set(all).count == 5_000)
        #expect(reopened.recovery == EventQueue.Recovery())
    }

    @Test("CRC-32 is the standard one")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
