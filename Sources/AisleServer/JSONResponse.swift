import AisleCore
import Foundation
import Hummingbird
import Logging

/// JSON responses with the wire encoder (sorted keys, so the same state gives the same bytes).
enum JSONResponse {
    static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        do {
            data = try Wire.encoder().encode(value)
        } catch {
            // Only a non-finite number fails (JSON has none; figures pass `finiteForJSON`): a
            // logged 500 for this request, never a crash of the server.
            Logger(label: "aisle.json").error(
                "a response failed to encode",
                metadata: ["error": "\(error)", "type": "\(type(of: value))"]
            )
            return internalError
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .ok { headers[.eTag] = entityTag(of: data) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The 500 answer, pre-encoded (it cannot fail to encode itself).
    static let internalError: Response = {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let body = #"{"error":{"code":"internal","message":"an internal error occurred; it has been logged"}}"#
        return Response(
            status: .internalServerError,
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }()

    /// A strong validator of the body: FNV-1a over its bytes (a cache check, not a security
    /// one). The same answer gives the same bytes (sorted keys), so the same tag.
    static func entityTag(of data: Data) -> String {
        // Over the raw bytes: `Data`'s own iterator costs a call per byte.
        let hash = data.withUnsafeBytes { bytes in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return hash
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    static func error(_ error: AisleError) -> Response {
        var response = encoded(ErrorBody(error), status: error.code.status)
        if error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        if let seconds = error.retryAfterSeconds {
            response.headers[.retryAfter] = String(seconds)
        }
        return response
    }
}
