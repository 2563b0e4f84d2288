import Foundation

/// Reads a file as lines in large chunks, without loading it whole: a 10M-event log is
/// gigabytes. Lines keep their 1-based number for error reports.
final class LineReader {
    struct Line {
        var number: Int
        var bytes: ArraySlice<UInt8>
    }

    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var nextNumber = 1
    private var finished = false
    /// Bytes consumed so far, for progress.
    private(set) var bytesRead = 0
    let totalBytes: Int

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportFailure("cannot open \(path): no such file or not readable")
        }
        self.handle = handle
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        totalBytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    deinit {
        try? handle.close()
    }

    /// Up to `count` more lines (fewer at the end of the file); empty when done. A final line
    /// without a newline counts; a UTF-8 byte-order mark at the start is dropped.
    func next(_ count: Int) throws -> [Line] {
        var lines: [Line] = []
        lines.reserveCapacity(count)
        var start = pending.startIndex
        while lines.count < count {
            if let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                lines.append(Line(number: nextNumber, bytes: pending[start..<end]))
                nextNumber += 1
                start = newline + 1
                continue
            }
            if finished {
                if start < pending.endIndex {
                    lines.append(Line(number: nextNumber, bytes: pending[start...]))
                    nextNumber += 1
                    start = pending.endIndex
                }
                break
            }
            // Keep only the unfinished line, then read more behind it.
            pending.removeSubrange(pending.startIndex..<start)
            start = pending.startIndex
            try fill()
        }
        pending.removeSubrange(pending.startIndex..<start)
        return lines
    }

    private func fill() throws {
        guard let data = try handle.read(upToCount: 4 << 20), !data.isEmpty else {
            finished = true
            return
        }
        if bytesRead == 0, data.starts(with: [0xEF, 0xBB, 0xBF]) {
            pending.append(contentsOf: data.dropFirst(3))
        } else {
            pending.append(contentsOf: data)
        }
        bytesRead += data.count
    }
}

/// An import that cannot go on (missing file, unknown format, server refused).
struct ImportFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
