public import AisleCore
import Foundation

/// One labelled text of a sentiment dataset.
public struct LabeledText: Sendable, Equatable {
    /// The text.
    public var text: String
    /// 1 positive, 0 negative.
    public var label: Int
    /// Where it comes from (a product category, amazon/yelp/imdb).
    public var source: String

    /// A labelled text.
    public init(text: String, label: Int, source: String) {
        self.text = text
        self.label = label
        self.source = source
    }

    /// Whether the row belongs to the held-out test part: FNV-1a (64-bit) of the text's UTF-8
    /// bytes, modulo 5, is 0 (a fifth of the rows; equal texts always land on the same side).
    public var isTest: Bool { Self.fnv1a64(text) % 5 == 0 }

    /// Whether the row belongs to the validation part, which calibration tunes on: the same hash
    /// is 1 modulo 5 (another fifth, never a test row; `aisle train-sentiment --validation`
    /// trains without it).
    public var isValidation: Bool { Self.fnv1a64(text) % 5 == 1 }

    /// FNV-1a, 64-bit, over UTF-8: the documented split hash (scripts/sentiment_peers.py uses the same).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// Readers of the two labelled review datasets in ../shared/data.
public enum SentimentCorpus {
    /// reviews-zh: `online_shopping_10_cats.csv.gz`, CSV `cat,label,review` (quoted fields allowed;
    /// a leading U+FEFF stripped from the text).
    public static func chinese(_ path: String) throws -> [LabeledText] {
        let data = try GzipFile.read(path)
        guard let text = String(data: data, encoding: .utf8) else { throw TextDataError("\(path): not UTF-8") }
        var rows: [LabeledText] = []
        for (number, fields) in CSVRows.parse(text).enumerated() where number > 0 {
            guard fields.count >= 3, let label = Int(fields[1]), label == 0 || label == 1 else {
                throw TextDataError("\(path): row \(number + 1): expected cat,label,review with label 0 or 1")
            }
            let review = fields[2...].joined(separator: ",").replacingOccurrences(of: "\u{FEFF}", with: "")
            guard !review.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            rows.append(LabeledText(text: review, label: label, source: fields[0]))
        }
        return rows
    }

    /// reviews-zh-hotel: `ChnSentiCorp_htl_all.csv.gz`, CSV `label,review`; the source is "hotel".
    /// An out-of-domain check only: nothing trains on it.
    public static func hotel(_ path: String) throws -> [LabeledText] {
        let data = try GzipFile.read(path)
        guard let text = String(data: data, encoding: .utf8) else { throw TextDataError("\(path): not UTF-8") }
        var rows: [LabeledText] = []
        for (number, fields) in CSVRows.parse(text).enumerated() where number > 0 {
            guard fields.count >= 2, let label = Int(fields[0]), label == 0 || label == 1 else {
                throw TextDataError("\(path): row \(number + 1): expected label,review with label 0 or 1")
            }
            let review = fields[1...].joined(separator: ",").replacingOccurrences(of: "\u{FEFF}", with: "")
            guard !review.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            rows.append(LabeledText(text: review, label: label, source: "hotel"))
        }
        return rows
    }

    /// reviews-en: `sentences.tsv`, `source<TAB>label<TAB>text` with a header.
    public static func english(_ path: String) throws -> [LabeledText] {
        let data = try GzipFile.read(path)
        guard let text = String(data: data, encoding: .utf8) else { throw TextDataError("\(path): not UTF-8") }
        var rows: [LabeledText] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() where number > 0
        {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let label = Int(fields[1]), label == 0 || label == 1 else {
                throw TextDataError("\(path):\(number + 1): expected source<TAB>label<TAB>text with label 0 or 1")
            }
            rows.append(LabeledText(text: String(fields[2]), label: label, source: String(fields[0])))
        }
        return rows
    }
}

/// A small RFC 4180 CSV reader: quoted fields with doubled quotes, commas and newlines inside.
enum CSVRows {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                row.append(field)
                field = ""
            case "\n":
                row.append(field.hasSuffix("\r") ? String(field.dropLast()) : field)
                rows.append(row)
                row = []
                field = ""
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
