public import Foundation

/// A coding key for any name, to see which keys an object has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// JSON path of a coding path, as errors report it: `events[3].device.platform`.
public func jsonPath(_ codingPath: [any CodingKey]) -> String {
    var path = ""
    for key in codingPath {
        if let index = key.intValue, key.stringValue == String(index) || key.stringValue.hasPrefix("Index") {
            path += "[\(index)]"
        } else {
            path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return path
}

extension Decoder {
    /// Throws `invalid_field` for the first key not in `Keys`: unknown fields are rejected, not
    /// ignored, so a typo like "pirce" is an error instead of a silently missing price.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue })
        where !known.contains(key.stringValue) {
            let path = jsonPath(codingPath + [key])
            throw AisleError.invalid(path, "unknown field \"\(key.stringValue)\"")
        }
    }
}

extension AisleError {
    /// Maps any error from decoding a request body to an `AisleError`: syntax errors become
    /// `invalid_json`, wrong types and missing fields `invalid_field` with the JSON path.
    /// `dropping` leading path components are removed (a batch row reports paths inside the row).
    public static func decoding(_ error: any Error, relativeTo prefix: [any CodingKey] = []) -> AisleError {
        var mapped = decodingUnchecked(error, relativeTo: prefix)
        if mapped.field?.isEmpty == true { mapped.field = nil }
        return mapped
    }

    private static func decodingUnchecked(_ error: any Error, relativeTo prefix: [any CodingKey]) -> AisleError {
        let prefixCount = prefix.count
        if var aisle = error as? AisleError {
            if prefixCount > 0, let field = aisle.field {
                aisle.field = Self.strip(jsonPath(prefix), from: field)
            }
            return aisle
        }
        guard let decoding = error as? DecodingError else {
            return AisleError(code: .invalidJSON, message: "the body is not valid JSON")
        }
        func path(_ keys: [any CodingKey]) -> String { jsonPath(Array(keys.dropFirst(prefixCount))) }
        switch decoding {
        case .typeMismatch(let type, let context):
            return .invalid(path(context.codingPath), "expected \(Self.jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return .invalid(path(context.codingPath), "expected \(Self.jsonTypeName(type)), got null")
        case .keyNotFound(let key, let context):
            return .invalid(path(context.codingPath + [key]), "\"\(key.stringValue)\" is required")
        case .dataCorrupted(let context):
            if context.codingPath.count <= prefixCount {
                let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return AisleError(
                    code: .invalidJSON,
                    message: "the body is not valid JSON" + (detail.map { ": \($0)" } ?? "")
                )
            }
            return .invalid(path(context.codingPath), context.debugDescription)
        @unknown default:
            return AisleError(code: .invalidJSON, message: "the body could not be read")
        }
    }

    private static func strip(_ prefix: String, from field: String) -> String {
        guard field.hasPrefix(prefix) else { return field }
        let rest = field.dropFirst(prefix.count)
        return rest.hasPrefix(".") ? String(rest.dropFirst()) : String(rest)
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type: "an integer"
        case is [Any].Type: "an array"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// One row of a batch: decoded, or the reason it could not be. Decoding never fails as a whole
/// for one bad row, so the other rows can still be accepted.
public struct BatchRow<Row: Decodable & Sendable>: Decodable, Sendable {
    public let result: Result<Row, AisleError>

    public init(_ result: Result<Row, AisleError>) {
        self.result = result
    }

    public init(from decoder: any Decoder) throws {
        do {
            result = .success(try Row(from: decoder))
        } catch {
            result = .failure(AisleError.decoding(error, relativeTo: decoder.codingPath))
        }
    }
}

/// Decoders and encoders configured for the wire.
public enum Wire {
    /// A fresh decoder; JSONDecoder is not Sendable, so each request makes its own (cheap).
    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }

    /// Sorted keys and unescaped slashes, so responses are stable and URLs readable.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Decodes a request body, mapping every failure to an `AisleError`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(AisleError) -> T {
        if data.isEmpty {
            throw AisleError(code: .invalidJSON, message: "the body is empty; expected a JSON object")
        }
        let hint = (type as? any TopLevelArrayHint.Type)?.arrayHint ?? "expected a JSON object"
        try JSONStrictness.check(data, arrayHint: hint)
        do {
            return try decoder().decode(type, from: data)
        } catch {
            throw AisleError.decoding(error)
        }
    }
}
