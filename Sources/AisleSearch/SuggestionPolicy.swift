/// Which past queries autocomplete may show to everyone. A query is another shopper's words:
/// it is suggested only when enough distinct shoppers made it (one shopper, or a few, cannot
/// plant a suggestion or see their own phrase offered back to strangers) and when it does not
/// look like personal data (ID, phone or card numbers, e-mail addresses), however popular.
enum SuggestionPolicy {
    /// A run of this many digits (single `-`, `.` or `/` between digits join a run: `12-34-56`)
    /// reads as an ID, phone, order or card number. Model numbers (`rtx 4090`, `lego 42115`)
    /// stay below it.
    static let longestDigitRun = 6
    /// This many digits in the whole query (`555 123 4567`) read as a number typed in groups.
    static let mostDigits = 9

    /// Whether the (normalised) query may be suggested on its text alone.
    static func mayShow(_ query: String) -> Bool {
        !looksLikeEmail(query) && !hasLongNumber(query)
    }

    /// `name@host` or anything with a character on each side of an `@`.
    static func looksLikeEmail(_ query: String) -> Bool {
        let characters = Array(query)
        for index in characters.indices where characters[index] == "@" || characters[index] == "＠" {
            let before = index > 0 && !characters[index - 1].isWhitespace
            let after = index + 1 < characters.count && !characters[index + 1].isWhitespace
            if before && after { return true }
        }
        return false
    }

    /// A digit run of `longestDigitRun`+ or `mostDigits`+ digits in all.
    static func hasLongNumber(_ query: String) -> Bool {
        var run = 0
        var total = 0
        var previous: Character?
        var pendingSeparator = false
        for character in query {
            if isDigit(character) {
                total += 1
                run = previous.map(isDigit) ?? false || pendingSeparator ? run + 1 : 1
                pendingSeparator = false
                if run >= longestDigitRun || total >= mostDigits { return true }
            } else if "-./".contains(character), previous.map(isDigit) ?? false {
                pendingSeparator = true
            } else {
                run = 0
                pendingSeparator = false
            }
            previous = character
        }
        return false
    }

    /// A decimal digit of any script (`7`, `٧`), not a numeral word such as 五.
    static func isDigit(_ character: Character) -> Bool {
        character.unicodeScalars.count == 1 && character.unicodeScalars.first?.properties.numericType == .decimal
    }
}
