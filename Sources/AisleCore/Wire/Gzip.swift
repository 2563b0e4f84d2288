import CZlib

/// gzip for request bodies (`Content-Encoding: gzip`): the client compresses event batches, the
/// server inflates them. Through the system's zlib, present on every platform Aisle runs on.
public enum Gzip {
    /// `bytes` gzip-compressed (zlib level 6); nil only if zlib cannot start (out of memory).
    public static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer instead of zlib's.
        let started = deflateInit2_(
            &stream,
            6,
            Z_DEFLATED,
            15 + 16,
            8,
            Z_DEFAULT_STRATEGY,
            ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        guard started == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        var input = bytes
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }

    /// The inflated bytes of a gzip `body`. Throws `payload_too_large` past `maxBytes` of output
    /// (a small body must not expand into gigabytes) and `invalid_json` when it is not gzip.
    public static func decompress(_ body: [UInt8], maxBytes: Int) throws(AisleError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw AisleError(code: .unavailable, message: "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var input = body
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while status == Z_OK && output.count <= maxBytes {
                status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk.prefix(chunk.count - Int(stream.avail_out)))
                // No progress with input left means a truncated stream.
                if status == Z_BUF_ERROR { break }
            }
        }
        if output.count > maxBytes {
            throw AisleError(
                code: .payloadTooLarge,
                message: "the gzip body inflates to more than the limit of \(maxBytes) bytes"
            )
        }
        guard status == Z_STREAM_END else {
            throw AisleError(
                code: .invalidJSON,
                message:
                    "the body is not valid gzip (Content-Encoding: gzip); send it compressed whole, or without the header"
            )
        }
        return output
    }
}
