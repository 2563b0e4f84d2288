import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Import progress on standard error: a redrawn bar on a terminal, a plain line every few
/// seconds otherwise (logs, CI).
struct Progress {
    let label: String
    let totalBytes: Int
    let started = ContinuousClock.now
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = ContinuousClock.now
    private var drewBar = false

    init(label: String, totalBytes: Int) {
        self.label = label
        self.totalBytes = totalBytes
    }

    var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    mutating func update(rows: Int, bytes: Int) {
        let now = ContinuousClock.now
        let interval: Duration = isTerminal ? .milliseconds(200) : .seconds(5)
        guard now - lastDrawn >= interval else { return }
        lastDrawn = now
        let fraction = totalBytes > 0 ? min(1, Double(bytes) / Double(totalBytes)) : 0
        let rate = Double(rows) / max(elapsedSeconds, 0.001)
        let numbers = "\(Self.grouped(rows)) rows, \(Self.grouped(Int(rate))) rows/s"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(fraction * 100))% \(numbers)   ".utf8))
            drewBar = true
        } else {
            FileHandle.standardError.write(Data("\(label): \(Int(fraction * 100))% \(numbers)\n".utf8))
        }
    }

    mutating func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
