import AisleCore

/// Rows of CSV, TSV or RecBole atomic files as column → text.
///
/// CSV follows RFC 4180 (quoted fields, doubled quotes; a quoted field may not span lines
/// here). TSV and RecBole split on tabs with no quoting. A RecBole header names columns as
/// `name:type` (token, token_seq, float, float_seq); the type decides how a value is read.
struct TabularFormat {
    enum Kind: String {
        case csv, tsv, recbole
    }

    struct Column {
        var name: String
        /// The RecBole type, or nil for CSV/TSV.
        var type: String?
    }

    let kind: Kind
    let columns: [Column]

    /// Reads the header line.
    init(kind: Kind, header: ArraySlice<UInt8>) throws {
        self.kind = kind
        let names = try Self.split(header, kind: kind, line: 1)
        columns = names.map { raw in
            let trimmed = raw.trimmingWhitespace()
            guard kind == .recbole, let colon = trimmed.lastIndex(of: ":") else {
                return Column(name: trimmed.lowercased(), type: nil)
            }
            return Column(
                name: String(trimmed[..<colon]).lowercased(),
                type: String(trimmed[trimmed.index(after: colon)...])
            )
        }
        if columns.isEmpty || columns.allSatisfy({ $0.name.isEmpty }) {
            throw ImportFailure("the first line must be a header naming the columns")
        }
    }

    /// The fields of one line, by column name; throws when the field count differs.
    func row(_ bytes: ArraySlice<UInt8>, line: Int) throws -> [String: String] {
        let fields = try Self.split(bytes, kind: kind, line: line)
        guard fields.count == columns.count else {
            throw AisleError(
                code: .invalidField,
                message: "expected \(columns.count) fields as in the header, got \(fields.count)"
            )
        }
        var row: [String: String] = [:]
        for (column, field) in zip(columns, fields) where !field.isEmpty {
            row[column.name] = field
        }
        return row
    }

    func type(of column: String) -> String? {
        columns.first { $0.name == column }?.type
    }

    static func split(_ bytes: ArraySlice<UInt8>, kind: Kind, line: Int) throws -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        if kind != .csv {
            return text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.makeIterator()
        var atFieldStart = true
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    // A doubled quote is a literal quote; a single one closes the field.
                    var lookahead = iterator
                    if lookahead.next() == "\"" {
                        field.append("\"")
                        iterator = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "," {
                fields.append(field)
                field = ""
                atFieldStart = true
                continue
            } else if character == "\"" && atFieldStart {
                quoted = true
            } else {
                field.append(character)
            }
            atFieldStart = false
        }
        if quoted {
            throw AisleError(code: .invalidField, message: "a quoted field is not closed (fields may not span lines)")
        }
        fields.append(field)
        return fields
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
