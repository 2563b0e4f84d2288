public import AisleCore
import Foundation

/// How the assistant reads a chat message: normalised, split into Latin words and runs of
/// Chinese characters, and the order numbers in it. Shared by the intent classifier and FAQ
/// retrieval so that both see the same words.
public enum ChatText {
    /// One piece of a message: a Latin word (lower-case; with digits when it has them) or a
    /// run of CJK characters.
    public enum Piece: Sendable, Equatable {
        case word(String)
        case han([Character])
    }

    /// Lower-case, full-width forms folded to ASCII (ｏｒｄｅｒ → order, １２ → 12).
    public static func normalize(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// The message's words and Chinese runs, in order; punctuation, symbols and emoji split them
    /// and are dropped.
    public static func pieces(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var word = ""
        var han: [Character] = []
        func flush() {
            if !word.isEmpty { pieces.append(.word(word)) }
            if !han.isEmpty { pieces.append(.han(han)) }
            word = ""
            han = []
        }
        for character in normalize(text) {
            if isHan(character) {
                if !word.isEmpty {
                    pieces.append(.word(word))
                    word = ""
                }
                han.append(character)
            } else if character.isLetter || character.isNumber || (character == "'" && !word.isEmpty) {
                if !han.isEmpty {
                    pieces.append(.han(han))
                    han = []
                }
                word.append(character)
            } else {
                flush()
            }
        }
        flush()
        return pieces
    }

    /// Whether a character is a CJK ideograph.
    static func isHan(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    /// The message's language: Chinese when it has Chinese characters and few English words
    /// around them (我的order到哪了 is Chinese), else English.
    public static func language(_ text: String) -> TextLanguage {
        var hanCount = 0
        var latinWords = 0
        for piece in pieces(text) {
            switch piece {
            case .han(let run): hanCount += run.count
            case .word(let word): if word.contains(where: \.isLetter) { latinWords += 1 }
            }
        }
        return hanCount >= 2 && hanCount >= latinWords ? .zh : (hanCount > 0 && latinWords == 0 ? .zh : .en)
    }

    /// Order numbers the message names: words of 3 to 40 characters with at least three digits
    /// (5521, A1043, SO-2024-881 split at the hyphen is read whole from the raw text), and a
    /// number after 订单/单号/#. In order, without repeats.
    public static func orderMentions(_ text: String) -> [String] {
        var found: [String] = []
        var current = ""
        func flush() {
            defer { current = "" }
            let trimmed = current.trimmingCharacters(in: CharacterSet(charactersIn: "-_/"))
            let digits = trimmed.filter(\.isNumber).count
            guard digits >= 3, (3...40).contains(trimmed.count), !found.contains(trimmed) else { return }
            // 180cm, 75kg, 2024年: measurements and years are not order numbers.
            if trimmed.allSatisfy(\.isNumber), trimmed.count == 4, let year = Int(trimmed), (1990...2100).contains(year)
            {
                return
            }
            if let unit = trimmed.drop(while: \.isNumber).first, trimmed.first?.isNumber == true,
                trimmed.drop(while: \.isNumber).allSatisfy(\.isLetter), "ckmglb".contains(unit)
            {
                return
            }
            found.append(trimmed)
        }
        for character in text.precomposedStringWithCompatibilityMapping {
            if character.isASCII && (character.isLetter || character.isNumber || "-_/".contains(character)) {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return found
    }
}
