import Foundation

/// A point in time with millisecond precision, as milliseconds since the Unix epoch (UTC).
///
/// The wire accepts RFC 3339 strings ("2026-11-26T06:50:17.123Z", any offset) or epoch
/// milliseconds as a number, and always answers RFC 3339 in UTC with milliseconds. Parsing and
/// formatting are hand-written because imports parse millions of them (Foundation's formatters
/// allocate per call).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The current wall-clock time.
    public static func now() -> Self {
        Self(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public func adding(_ duration: Duration) -> Self {
        Self(millisecondsSinceEpoch: millisecondsSinceEpoch + duration.milliseconds)
    }

    /// Milliseconds from `other` to `self` (negative when `other` is later).
    public func milliseconds(since other: Self) -> Int64 {
        millisecondsSinceEpoch - other.millisecondsSinceEpoch
    }

    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with milliseconds: "2026-11-26T06:50:17.123Z".
    public var rfc3339: String {
        let ms = millisecondsSinceEpoch
        let days = ms.floorDivided(by: 86_400_000)
        var rest = ms - days * 86_400_000
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = rest / 3_600_000
        rest -= hour * 3_600_000
        let minute = rest / 60_000
        rest -= minute * 60_000
        let second = rest / 1000
        let milli = rest - second * 1000
        var out = ""
        out.reserveCapacity(24)
        out += Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
        out += "T" + Self.pad(hour, 2) + ":" + Self.pad(minute, 2) + ":" + Self.pad(second, 2)
        out += "." + Self.pad(milli, 3) + "Z"
        return out
    }

    /// Parses RFC 3339 ("2026-11-26T06:50:17Z", "...17.5+08:00", lower-case t/z, a space for T);
    /// nil when the text is not a valid date-time.
    public init?(rfc3339 text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for index in start..<(start + count) {
                let byte = utf8[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), utf8[4] == UInt8(ascii: "-"),
            let month = number(5, 2), utf8[7] == UInt8(ascii: "-"),
            let day = number(8, 2),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(utf8[10]),
            let hour = number(11, 2), utf8[13] == UInt8(ascii: ":"),
            let minute = number(14, 2), utf8[16] == UInt8(ascii: ":"),
            let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if utf8[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(utf8[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        guard index < utf8.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch utf8[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard utf8.count == index + 6, utf8[index + 3] == UInt8(ascii: ":"),
                let offsetHours = number(index + 1, 2), let offsetMins = number(index + 4, 2),
                offsetHours <= 23, offsetMins <= 59
            else { return nil }
            offsetMinutes = offsetHours * 60 + offsetMins
            if utf8[index] == UInt8(ascii: "-") { offsetMinutes = -offsetMinutes }
            index += 6
        default:
            return nil
        }
        guard index == utf8.count else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetMinutes * 60
        // Before 0001-01-01T00:00:00Z (year 0000 with an offset) has no RFC 3339 spelling.
        guard seconds >= -62_135_596_800 else { return nil }
        self.init(millisecondsSinceEpoch: seconds * 1000 + millis)
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Duration {
    /// Whole milliseconds in this duration (truncated).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
