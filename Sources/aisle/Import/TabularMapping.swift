import AisleCore

/// Turns a tabular row (column → text) into the same wire body a JSON row would give, so CSV,
/// TSV and RecBole rows pass the same validation as the API.
///
/// Known columns map to fields (with the aliases below); every other column becomes an
/// attribute. CSV/TSV attribute values stay strings (no guessing: "01002" is a zip code, not
/// 1002); RecBole's declared types decide (float → number, token_seq → array).
struct TabularMapping {
    let format: TabularFormat
    /// For event rows without a type column.
    let defaultEventType: String
    /// Numeric timestamps are seconds (RecBole's convention) or milliseconds.
    let numericTimestampsInSeconds: Bool

    static let itemAliases: [String: String] = [
        "item_id": "id", "movie_title": "title", "name": "title", "class": "categories", "category": "categories",
        "genre": "categories", "genres": "categories", "tag": "tags", "image": "image_url",
    ]
    static let userAliases: [String: String] = ["user_id": "id"]
    static let eventAliases: [String: String] = ["rating": "value", "event_type": "type", "time": "timestamp"]

    func item(_ row: [String: String]) throws -> ItemBody {
        var body = ItemBody()
        var attributes: [String: JSONValue] = [:]
        for (column, text) in row {
            switch Self.itemAliases[column] ?? column {
            case "id": body.id = text
            case "title": body.title = text
            case "description": body.description = text
            case "categories": body.categories = list(text, column: column)
            case "brand": body.brand = text
            case "price": body.price = try number(text, field: "price")
            case "currency": body.currency = text
            case "image_url": body.imageURL = text
            case "in_stock": body.inStock = try boolean(text, field: "in_stock")
            case "hidden": body.hidden = try boolean(text, field: "hidden")
            case "tags": body.tags = list(text, column: column)
            case "created_at": body.createdAt = try timestamp(text, field: "created_at")
            default: attributes[column] = try attribute(text, column: column)
            }
        }
        body.attributes = attributes.isEmpty ? nil : attributes
        return body
    }

    func user(_ row: [String: String]) throws -> UserBody {
        var body = UserBody()
        var attributes: [String: JSONValue] = [:]
        for (column, text) in row {
            if (Self.userAliases[column] ?? column) == "id" {
                body.id = text
            } else {
                attributes[column] = try attribute(text, column: column)
            }
        }
        body.attributes = attributes
        return body
    }

    func event(_ row: [String: String]) throws -> EventBody {
        var body = EventBody()
        var context: [String: JSONValue] = [:]
        for (column, text) in row {
            switch Self.eventAliases[column] ?? column {
            case "event_id": body.eventID = text
            case "type": body.type = text
            case "user_id": body.userID = text
            case "device_id": body.deviceID = text
            case "item_id": body.itemID = text
            case "value": body.value = try number(text, field: "value")
            case "query": body.query = text
            case "session_id": body.sessionID = text
            case "timestamp": body.timestamp = try timestamp(text, field: "timestamp")
            case "platform":
                body.device = DeviceBody(platform: text, model: body.device?.model, appVersion: body.device?.appVersion)
            default: context[column] = try attribute(text, column: column)
            }
        }
        if body.type == nil {
            body.type = row["rating"] != nil && defaultEventType == "view" ? "rate" : defaultEventType
        }
        body.context = context.isEmpty ? nil : context
        return body
    }

    static let reviewAliases: [String: String] = [
        "review_id": "id", "product_id": "item_id", "stars": "rating", "review": "text", "content": "text",
        "lang": "language", "time": "created_at", "timestamp": "created_at",
    ]

    /// Review rows: the known columns only (a review has no free attributes); others are refused,
    /// so that a misnamed text column is not silently dropped.
    func review(_ row: [String: String]) throws -> ReviewBody {
        var body = ReviewBody()
        for (column, text) in row {
            switch Self.reviewAliases[column] ?? column {
            case "id": body.id = text.isEmpty ? nil : text
            case "item_id": body.itemID = text
            case "user_id": body.userID = text.isEmpty ? nil : text
            case "rating":
                guard !text.trimmingWhitespace().isEmpty else { continue }
                let value = try number(text, field: "rating")
                guard value == value.rounded(), let stars = Int(exactly: value) else {
                    throw AisleError.invalid(
                        "rating",
                        "rating is a whole number of stars from 1 to 5, got \(text.prefix(16))"
                    )
                }
                body.rating = stars
            case "text": body.text = text
            case "language": body.language = text.isEmpty ? nil : text
            case "created_at": body.createdAt = try timestamp(text, field: "created_at")
            default:
                throw AisleError.invalid(
                    column,
                    "unknown review column \"\(column.prefix(64))\"; reviews have id, item_id, user_id, rating, text, language, created_at"
                )
            }
        }
        return body
    }

    private func list(_ text: String, column: String) -> [String] {
        // RecBole sequences are space-separated; CSV lists use "|".
        if format.kind == .recbole, format.type(of: column)?.hasSuffix("_seq") == true {
            return text.split(separator: " ").map(String.init)
        }
        return text.split(separator: "|").map { String($0).trimmingWhitespace() }
    }

    private func attribute(_ text: String, column: String) throws -> JSONValue {
        switch format.type(of: column) {
        case "float": return .number(try number(text, field: column))
        case "token_seq": return .array(text.split(separator: " ").map { .string(String($0)) })
        case "float_seq":
            return .array(try text.split(separator: " ").map { .number(try number(String($0), field: column)) })
        default: return .string(text)
        }
    }

    private func number(_ text: String, field: String) throws -> Double {
        guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
            throw AisleError.invalid(field, "\(field) must be a finite number, got \"\(text.prefix(32))\"")
        }
        return value
    }

    private func boolean(_ text: String, field: String) throws -> Bool {
        switch text.trimmingWhitespace().lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw AisleError.invalid(field, "\(field) must be true or false, got \"\(text.prefix(32))\"")
        }
    }

    private func timestamp(_ text: String, field: String) throws -> TimestampBody {
        let trimmed = text.trimmingWhitespace()
        if let number = Double(trimmed) {
            let milliseconds = numericTimestampsInSeconds ? number * 1000 : number
            guard milliseconds.isFinite, milliseconds >= 0, milliseconds < 253_402_300_800_000 else {
                throw AisleError.invalid(field, "\(field) is out of range: \(trimmed.prefix(32))")
            }
            // The API's rule: below 1e11 ms (March 1973) is almost surely seconds.
            if milliseconds < 100_000_000_000 {
                throw AisleError.invalid(
                    field,
                    "\(field) \(trimmed.prefix(32)) looks like epoch seconds; pass --timestamp-unit s"
                )
            }
            return TimestampBody(Timestamp(millisecondsSinceEpoch: Int64(milliseconds)))
        }
        guard let parsed = Timestamp(rfc3339: trimmed) else {
            throw AisleError.invalid(field, "\(field) must be RFC 3339 or a number, got \"\(trimmed.prefix(32))\"")
        }
        return TimestampBody(parsed)
    }
}
