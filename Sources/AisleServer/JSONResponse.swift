import AisleCore
import Foundation
import Hummingbird

/// JSON responses with the wire encoder (sorted keys, so the same state gives the same bytes).
enum JSONResponse {
    static func encoded(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        do {
            data = try Wire.encoder().encode(value)
        } catch {
            // Our wire types always encode; a failure here is a programming error.
            preconditionFailure("wire type failed to encode: \(error)")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: AisleError) -> Response {
        var response = encoded(ErrorBody(error), status: error.code.status)
        if error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        return response
    }
}
