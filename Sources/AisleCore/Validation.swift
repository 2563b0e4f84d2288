/// Field checks shared by the wire bodies. Each throws `invalid_field` naming the field and
/// saying what was expected and what came.
public enum Validate {
    /// The id of a PUT (from the URL, which a body id must match byte for byte) or of a batch
    /// row (from the body, where it is required).
    static func id(path: String?, body: String?) throws(AisleError) -> String {
        switch (path, body) {
        case (let path?, let body?) where !path.utf8.elementsEqual(body.utf8):
            throw .invalid("id", "the body's id \"\(body.prefix(64))\" differs from the URL's \"\(path.prefix(64))\"")
        case (let path?, _): return path
        case (nil, let body?): return body
        case (nil, nil): throw .invalid("id", "\"id\" is required")
        }
    }

    /// A text field: not blank, at most `maxBytes` UTF-8 bytes, no control characters but
    /// newline and tab. Kept exactly as sent (no trimming), so unicode round-trips byte for byte.
    static func text(_ value: String, field: String, maxBytes: Int) throws(AisleError) -> String {
        if value.allSatisfy(\.isWhitespace) {
            throw .invalid(field, "\(field) must not be empty or blank")
        }
        let bytes = value.utf8.count
        if bytes > maxBytes {
            throw .invalid(field, "\(field) must be at most \(maxBytes) UTF-8 bytes, got \(bytes)")
        }
        if value.unicodeScalars.contains(where: {
            $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t"
        }) {
            throw .invalid(field, "\(field) must not contain control characters")
        }
        return value
    }

    static func optionalText(_ value: String?, field: String, maxBytes: Int) throws(AisleError) -> String? {
        guard let value else { return nil }
        return try text(value, field: field, maxBytes: maxBytes)
    }

    /// A finite number within `range`.
    static func number(_ value: Double, field: String, in range: ClosedRange<Double>) throws(AisleError) -> Double {
        guard value.isFinite else { throw .invalid(field, "\(field) must be a finite number") }
        guard range.contains(value) else {
            throw .invalid(
                field,
                "\(field) must be between \(JSONValue.format(range.lowerBound)) and \(JSONValue.format(range.upperBound)), got \(JSONValue.format(value))"
            )
        }
        return value
    }

    /// A list of texts: at most `maxCount`, each a valid text.
    static func texts(_ values: [String], field: String, maxCount: Int, maxBytes: Int) throws(AisleError) -> [String] {
        if values.count > maxCount {
            throw .invalid(field, "\(field) may hold at most \(maxCount) entries, got \(values.count)")
        }
        var checked: [String] = []
        checked.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            checked.append(try text(value, field: "\(field)[\(index)]", maxBytes: maxBytes))
        }
        return checked
    }

    /// A free-form object: at most `maxKeys` keys of 1–128 bytes and `maxBytes` of JSON text.
    static func object(_ value: [String: JSONValue], field: String, maxKeys: Int, maxBytes: Int) throws(AisleError)
        -> [String: JSONValue]
    {
        if value.count > maxKeys {
            throw .invalid(field, "\(field) may hold at most \(maxKeys) keys, got \(value.count)")
        }
        for key in value.keys.sorted() {
            if key.isEmpty || key.utf8.count > 128 {
                throw .invalid("\(field).\(key.prefix(128))", "keys must be 1 to 128 UTF-8 bytes")
            }
        }
        try checkKeys(of: value, field: field)
        try checkNesting(.object(value), field: field, depth: 0)
        let bytes = JSONValue.object(value).jsonText.utf8.count
        if bytes > maxBytes {
            throw .invalid(field, "\(field) must be at most \(maxBytes) bytes of JSON, got \(bytes)")
        }
        return value
    }

    /// Whether `text` holds a control character (C0, DEL, C1), as ids may not.
    public static func containsControlCharacters(_ text: String) -> Bool {
        // Printable ASCII needs no Unicode table look-up (the common case).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return false }
        return text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Keys at every depth are free of control characters: they are shown in dashboards and
    /// logs, where a newline or an escape sequence could forge lines.
    private static func checkKeys(of object: [String: JSONValue], field: String) throws(AisleError) {
        for (key, member) in object {
            if containsControlCharacters(key) {
                throw .invalid(field, "\(field) has a key with control characters; keys are printable text")
            }
            switch member {
            case .object(let nested): try checkKeys(of: nested, field: field)
            case .array(let values):
                for case .object(let nested) in values { try checkKeys(of: nested, field: field) }
            default: break
            }
        }
    }

    /// Free-form values nest at most `maxNesting` deep and hold only finite numbers, so that
    /// every stored value can be read back and encoded again.
    static let maxNesting = 16

    private static func checkNesting(_ value: JSONValue, field: String, depth: Int) throws(AisleError) {
        switch value {
        case .number(let number) where !number.isFinite:
            throw .invalid(field, "\(field) holds a number that is not finite")
        case .array(let values):
            if depth >= maxNesting { throw .invalid(field, "\(field) nests deeper than \(maxNesting) levels") }
            for element in values { try checkNesting(element, field: field, depth: depth + 1) }
        case .object(let members):
            if depth >= maxNesting { throw .invalid(field, "\(field) nests deeper than \(maxNesting) levels") }
            for member in members.values { try checkNesting(member, field: field, depth: depth + 1) }
        default:
            return
        }
    }
}
