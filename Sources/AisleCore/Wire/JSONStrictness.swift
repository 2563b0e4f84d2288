import Foundation

/// Checks what Foundation's JSON parser lets through but JSON (RFC 8259) does not, and gives a
/// hint for the commonest wrong shape: a bare array where a batch object is expected.
enum JSONStrictness {
    /// Throws `invalid_json` for a comma before `]` or `}` (`[1,2,]`, `{"a":1,}`), which
    /// Foundation accepts: a client that sends them works with Aisle and fails with every other
    /// JSON API. One pass over the bytes, strings skipped.
    static func rejectTrailingCommas(_ bytes: UnsafeBufferPointer<UInt8>) throws(AisleError) {
        var index = 0
        let count = bytes.count
        var inString = false
        while index < count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                var next = index + 1
                while next < count,
                    bytes[next] == 0x20 || bytes[next] == 0x0A || bytes[next] == 0x0D || bytes[next] == 0x09
                {
                    next += 1
                }
                if next < count, bytes[next] == UInt8(ascii: "]") || bytes[next] == UInt8(ascii: "}") {
                    throw AisleError(
                        code: .invalidJSON,
                        message:
                            "the body is not valid JSON: a trailing comma at byte \(index) (remove the comma before the closing bracket)"
                    )
                }
            }
            index += 1
        }
    }

    /// Throws `invalid_json` with `hint` when the first non-blank byte opens an array.
    static func rejectTopLevelArray(_ bytes: UnsafeBufferPointer<UInt8>, hint: String) throws(AisleError) {
        for byte in bytes {
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { continue }
            if byte == UInt8(ascii: "[") {
                throw AisleError(code: .invalidJSON, message: "the body is a JSON array; \(hint)")
            }
            return
        }
    }

    /// Both checks, on the bytes of a request body.
    static func check<Bytes: ContiguousBytes>(_ body: Bytes, arrayHint: String) throws(AisleError) {
        let result: Result<Void, AisleError> = body.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            do throws(AisleError) {
                try rejectTopLevelArray(bytes, hint: arrayHint)
                try rejectTrailingCommas(bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}

/// A request body type that tells clients sending a bare JSON array what to send instead.
public protocol TopLevelArrayHint {
    /// "a batch is {\"items\": [...]}".
    static var arrayHint: String { get }
}
