import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One entry of the queue: an event or an identify call, kept in the order the app made them.
struct QueueRecord: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        case event = 1
        case identify = 2
    }

    var kind: Kind
    /// The JSON body it is sent as.
    var payload: [UInt8]
}

/// The client's disk queue: an append-only file of checksummed records, and a small head file
/// saying where the unsent ones start.
///
/// - A record is `magic (2) | kind (1) | 0 (1) | length (4, LE) | CRC-32 (4, LE) | payload`,
///   written with one `write`: a process killed at any moment leaves either the whole record
///   or a torn tail, and a torn tail is cut off when the queue is opened (not an error).
/// - A damaged record with records after it means the file was changed under us: the file is
///   moved aside (`*.corrupt-<time>`), the records before the damage are kept, and the client
///   goes on. Nothing in the queue crashes the app.
/// - Sent records are acknowledged by moving the head; the file is rewritten (a new
///   generation, switched to by rewriting the head file, then the old one removed) once most
///   of it is sent, so it stays small.
/// - Bounded by record count and bytes: past either bound the oldest records are dropped (a
///   feed learns most from the newest events) and counted in `dropped`.
///
/// Appends hold a lock only for one `write`: `track` never waits on the network or on a read.
final class EventQueue: Sendable {
    struct Limits: Sendable {
        var maxRecords: Int
        var maxBytes: Int
    }

    /// A batch read for upload: its records and the position to acknowledge when sent.
    struct Batch: Sendable {
        var records: [QueueRecord]
        /// Where each record ends: pass `ends[i]` to `acknowledge` once records 0...i are sent
        /// (or given up on).
        var ends: [Int]
    }

    /// What opening the queue found.
    struct Recovery: Sendable, Equatable {
        var tornBytesDropped = 0
        /// The damaged file's new name, when one was moved aside.
        var quarantined: String?
        var recordsLostToDamage = 0
    }

    static let magic: [UInt8] = [0xA1, 0x5E]
    static let headerBytes = 12
    /// Larger records are refused (an event is at most ~20 KiB on the server).
    static let maxRecordBytes = 1 << 20

    /// Offsets here are logical: the file offset plus `base`, the bytes compactions removed
    /// from the front. A batch's `ends` so stay valid across a compaction.
    private struct State {
        var descriptor: Int32
        var generation: Int
        /// Start of every record not yet sent, oldest first, from `first`.
        var offsets: [Int]
        var first: Int
        /// Where the next record goes.
        var end: Int
        var base: Int
        var dropped: Int

        /// The first unsent record's position in the file (what the head file holds).
        var headInFile: Int { (offsets[safe: first] ?? end) - base }
    }

    private let directory: URL
    private let limits: Limits
    private let state: Locked<State>
    /// What `init` recovered from; for the client's log.
    let recovery: Recovery

    init(directory: URL, limits: Limits) throws {
        self.directory = directory
        self.limits = limits
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (generation, head) = Self.readHead(in: directory)
        var recovery = Recovery()
        var scan = try Self.scan(Self.logURL(directory, generation), from: head)
        var generationInUse = generation
        if scan.damagedAt != nil {
            // Keep what was sound, in a new generation; move the damaged file aside for a look.
            let damaged = Self.logURL(directory, generation)
            let aside = damaged.path + ".corrupt-\(Int(Date().timeIntervalSince1970))"
            let kept = try Self.readRecords(damaged, offsets: scan.offsets, upTo: scan.damagedAt ?? 0)
            generationInUse = generation + 1
            try Self.writeGeneration(kept.map(Self.encode), in: directory, generation: generationInUse)
            try? FileManager.default.moveItem(atPath: damaged.path, toPath: aside)
            recovery.quarantined = aside
            recovery.recordsLostToDamage = scan.recordsAfterDamage
            scan = try Self.scan(Self.logURL(directory, generationInUse), from: 0)
        }
        let path = Self.logURL(directory, generationInUse).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ClientError.storage("cannot open \(path): \(Self.lastError())") }
        if scan.validEnd < scan.fileLength {
            // A torn last record (the app was killed mid-write): drop its bytes.
            recovery.tornBytesDropped = scan.fileLength - scan.validEnd
            _ = ftruncate(descriptor, off_t(scan.validEnd))
        }
        state = Locked(
            State(
                descriptor: descriptor,
                generation: generationInUse,
                offsets: scan.offsets,
                first: 0,
                end: scan.validEnd,
                base: 0,
                dropped: 0
            )
        )
        self.recovery = recovery
        Self.removeOtherGenerations(in: directory, keeping: generationInUse)
    }

    deinit {
        state.withLock { _ = close($0.descriptor) }
    }

    // MARK: - Appending

    /// Appends `record`; drops the oldest records first when a bound would be passed. Throws
    /// `ClientError.storage` when the disk refuses the write (full, quota): the queue is left as
    /// it was.
    func append(_ record: QueueRecord) throws {
        let bytes = Self.encode(record)
        guard bytes.count <= Self.maxRecordBytes else {
            throw ClientError.invalid("an event of \(bytes.count) bytes is too large to queue (at most 1 MiB)")
        }
        try state.withLock { state in
            if Self.makeRoom(&state, for: bytes.count, limits: limits) {
                // Offline the dropped bytes would pile up: rewrite the file without them. Then
                // persist the drop, or a restart would bring the dropped records back.
                try compact(&state, ifDroppedAtLeast: 1 << 20)
                try Self.writeHead(in: directory, generation: state.generation, offset: state.headInFile)
            }
            try Self.writeAll(bytes, to: state.descriptor, rollingBackTo: state.end - state.base)
            state.offsets.append(state.end)
            state.end += bytes.count
        }
    }

    /// Drops the oldest unsent records until one more of `size` bytes fits both bounds (to 90%
    /// of them, so a full queue does not drop on every append).
    /// Returns whether it dropped any.
    private static func makeRoom(_ state: inout State, for size: Int, limits: Limits) -> Bool {
        let pending = state.offsets.count - state.first
        let pendingBytes = state.end - (state.offsets[safe: state.first] ?? state.end)
        guard pending + 1 > limits.maxRecords || pendingBytes + size > limits.maxBytes else { return false }
        // 90% of each bound, written so that a bound of Int.max cannot overflow.
        let targetRecords = limits.maxRecords - limits.maxRecords / 10
        let targetBytes = limits.maxBytes - limits.maxBytes / 10
        while state.first < state.offsets.count {
            let remaining = state.offsets.count - state.first
            let remainingBytes = state.end - state.offsets[state.first]
            if remaining < targetRecords && remainingBytes + size <= targetBytes { break }
            state.first += 1
            state.dropped += 1
        }
        return true
    }

    // MARK: - Reading and acknowledging

    /// The oldest unsent records, at most `maxRecords` and about `maxBytes` (at least one).
    func peek(maxRecords: Int, maxBytes: Int) throws -> Batch {
        // Under the lock: a compaction (after a drop) may replace the file at any append.
        try state.withLock { state in try Self.peek(state, maxRecords: maxRecords, maxBytes: maxBytes) }
    }

    private static func peek(_ state: State, maxRecords: Int, maxBytes: Int) throws -> Batch {
        let stopIndex = state.first + min(max(1, maxRecords), state.offsets.count - state.first)
        let offsets = state.offsets[state.first..<stopIndex]
        let end = state.end
        guard let start = offsets.first else { return Batch(records: [], ends: []) }
        // Where record `index` ends: the next one's start (past the batch too), or the file's end.
        func recordEnd(_ index: Int) -> Int { index + 1 < state.offsets.count ? state.offsets[index + 1] : end }
        var last = offsets.startIndex
        while last + 1 < offsets.endIndex && recordEnd(last + 1) - start <= maxBytes { last += 1 }
        let stop = recordEnd(last)
        var buffer = [UInt8](repeating: 0, count: stop - start)
        let read = buffer.withUnsafeMutableBytes {
            pread(state.descriptor, $0.baseAddress, $0.count, off_t(start - state.base))
        }
        guard read == buffer.count else { throw ClientError.storage("cannot read the queue: \(lastError())") }
        var batch = Batch(records: [], ends: [])
        for offset in offsets[offsets.startIndex...last] {
            let local = offset - start
            let length = littleEndian(buffer, at: local + 4)
            let kind = QueueRecord.Kind(rawValue: buffer[local + 2]) ?? .event
            let body = Array(buffer[(local + headerBytes)..<(local + headerBytes + length)])
            batch.records.append(QueueRecord(kind: kind, payload: body))
            batch.ends.append(offset + headerBytes + length)
        }
        return batch
    }

    /// Marks every record before `end` (one of `Batch.ends`) as sent, and compacts the file when most
    /// of it is sent.
    func acknowledge(through end: Int) throws {
        try state.withLock { state in
            while state.first < state.offsets.count && state.offsets[state.first] < end { state.first += 1 }
            try compact(&state, ifDroppedAtLeast: nil)
            try Self.writeHead(in: directory, generation: state.generation, offset: state.headInFile)
        }
    }

    /// Rewrites the file without the sent (or dropped) records at its front: when everything
    /// is sent (a truncate), when they are over 1 MiB and half the file, or, with
    /// `ifDroppedAtLeast`, once they are at least that many bytes.
    private func compact(_ state: inout State, ifDroppedAtLeast threshold: Int?) throws {
        let sentBytes = state.headInFile
        if state.first == state.offsets.count {
            // Everything is sent: start the file over (cheap, no copy). The head goes to 0
            // first: killed in between, the next start resends what was sent (the server keeps
            // each event id once), never skips what comes after.
            try Self.writeHead(in: directory, generation: state.generation, offset: 0)
            _ = ftruncate(state.descriptor, 0)
            state.base = state.end
            state.offsets = []
            state.first = 0
            return
        }
        let fileBytes = state.end - state.base
        let worthIt = threshold.map { sentBytes >= $0 } ?? (sentBytes > 1 << 20 && sentBytes * 2 > fileBytes)
        guard worthIt else {
            if state.first > 4096 && state.first * 2 > state.offsets.count {
                state.offsets.removeFirst(state.first)
                state.first = 0
            }
            return
        }
        var tail = [UInt8](repeating: 0, count: fileBytes - sentBytes)
        let read = tail.withUnsafeMutableBytes { pread(state.descriptor, $0.baseAddress, $0.count, off_t(sentBytes)) }
        guard read == tail.count else { throw ClientError.storage("cannot read the queue: \(Self.lastError())") }
        let next = state.generation + 1
        try Self.writeGeneration([tail], in: directory, generation: next)
        let path = Self.logURL(directory, next).path
        let descriptor = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw ClientError.storage("cannot open \(path): \(Self.lastError())") }
        _ = close(state.descriptor)
        try? FileManager.default.removeItem(at: Self.logURL(directory, state.generation))
        state.descriptor = descriptor
        state.generation = next
        state.offsets.removeFirst(state.first)
        state.first = 0
        state.base += sentBytes
    }

    /// Unsent records and bytes, and records dropped to the bounds since the queue was opened.
    var counts: (records: Int, bytes: Int, dropped: Int) {
        state.withLock { state in
            (
                state.offsets.count - state.first,
                state.end - (state.offsets[safe: state.first] ?? state.end),
                state.dropped
            )
        }
    }

    /// Makes the appended records durable on disk (beyond a process kill: a power loss).
    func sync() {
        state.withLock { _ = fsync($0.descriptor) }
    }

    // MARK: - Files

    private static func logURL(_ directory: URL, _ generation: Int) -> URL {
        directory.appendingPathComponent("queue-\(generation).log")
    }

    private static func headURL(_ directory: URL) -> URL {
        directory.appendingPathComponent("queue.head")
    }

    /// The generation and the offset of the first unsent record; (0, 0) for a new queue. A head
    /// that is missing or unreadable with logs beside it names the newest log from its start:
    /// what was sent is sent again (and kept once by the server), nothing is lost.
    private static func readHead(in directory: URL) -> (generation: Int, offset: Int) {
        if let text = try? String(contentsOf: headURL(directory), encoding: .utf8) {
            let parts = text.split(separator: " ").compactMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if parts.count == 2, parts[0] >= 0, parts[1] >= 0,
                FileManager.default.fileExists(atPath: logURL(directory, parts[0]).path)
            {
                return (parts[0], parts[1])
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let generations = names.compactMap { name -> Int? in
            guard name.hasPrefix("queue-"), name.hasSuffix(".log") else { return nil }
            return Int(name.dropFirst(6).dropLast(4))
        }
        return (generations.max() ?? 0, 0)
    }

    /// Replaces the head file atomically (write a temporary file, rename it over).
    private static func writeHead(in directory: URL, generation: Int, offset: Int) throws {
        do {
            try Data("\(generation) \(offset)\n".utf8).write(to: headURL(directory), options: .atomic)
        } catch {
            throw ClientError.storage("cannot write the queue head: \(error)")
        }
    }

    private static func writeGeneration(_ chunks: [[UInt8]], in directory: URL, generation: Int) throws {
        let path = logURL(directory, generation).path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ClientError.storage("cannot create \(path): \(lastError())") }
        defer { _ = close(descriptor) }
        for chunk in chunks { try writeAll(chunk, to: descriptor, rollingBackTo: nil) }
        _ = fsync(descriptor)
        try writeHead(in: directory, generation: generation, offset: 0)
    }

    private static func removeOtherGenerations(in directory: URL, keeping generation: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix("queue-") && name.hasSuffix(".log") && name != "queue-\(generation).log"
        {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, rollingBackTo end: Int?) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(descriptor, $0 + written, buffer.count - written) } ?? 0
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let reason = lastError()
                // Leave no partial record behind: the next append must start on a boundary.
                if let end { _ = ftruncate(descriptor, off_t(end)) }
                throw ClientError.storage("cannot write to the queue: \(reason)")
            }
            written += result
        }
    }

    static func encode(_ record: QueueRecord) -> [UInt8] {
        var bytes = magic + [record.kind.rawValue, 0]
        let length = UInt32(record.payload.count)
        let crc = CRC32.checksum(record.payload)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> shift)) }
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: crc >> shift)) }
        return bytes + record.payload
    }

    private static func littleEndian(_ bytes: [UInt8], at index: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[index + $1]) << (8 * $1) }
    }

    private struct Scan {
        var offsets: [Int] = []
        var validEnd = 0
        var fileLength = 0
        /// Where a damaged record with more bytes after it starts.
        var damagedAt: Int?
        /// Records that looked whole after the damage (lost with it), for the log.
        var recordsAfterDamage = 0
    }

    /// Walks the records from `head` to the end of the file.
    private static func scan(_ url: URL, from head: Int) throws -> Scan {
        guard let data = FileManager.default.contents(atPath: url.path) else { return Scan() }
        let bytes = [UInt8](data)
        var scan = Scan(fileLength: bytes.count)
        var offset = min(head, bytes.count)
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerBytes else { break }  // a torn header
            let length = littleEndian(bytes, at: offset + 4)
            let sound =
                bytes[offset] == magic[0] && bytes[offset + 1] == magic[1]
                && QueueRecord.Kind(rawValue: bytes[offset + 2]) != nil && length <= maxRecordBytes
            if sound && remaining < headerBytes + length { break }  // a torn payload
            let payload = bytes[(offset + headerBytes)..<min(bytes.count, offset + headerBytes + length)]
            if sound && UInt32(truncatingIfNeeded: littleEndian(bytes, at: offset + 8)) == CRC32.checksum(payload) {
                scan.offsets.append(offset)
                offset += headerBytes + length
                scan.validEnd = offset
                continue
            }
            if sound && offset + headerBytes + length == bytes.count { break }  // the last write, torn
            scan.damagedAt = offset
            scan.recordsAfterDamage = countMagic(bytes, after: offset + 1)
            break
        }
        if scan.damagedAt == nil { scan.validEnd = max(scan.validEnd, min(head, bytes.count)) }
        return scan
    }

    private static func countMagic(_ bytes: [UInt8], after start: Int) -> Int {
        guard start + 1 < bytes.count else { return 0 }
        return (start..<(bytes.count - 1)).filter { bytes[$0] == magic[0] && bytes[$0 + 1] == magic[1] }.count
    }

    private static func readRecords(_ url: URL, offsets: [Int], upTo end: Int) throws -> [QueueRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let bytes = [UInt8](data)
        return offsets.filter { $0 < end }.map { offset in
            let length = littleEndian(bytes, at: offset + 4)
            return QueueRecord(
                kind: QueueRecord.Kind(rawValue: bytes[offset + 2]) ?? .event,
                payload: Array(bytes[(offset + headerBytes)..<(offset + headerBytes + length)])
            )
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
