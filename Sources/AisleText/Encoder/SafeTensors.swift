import Foundation

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. The file is mapped,
/// not read: tensors are copied out one at a time, checked against the shape the caller expects.
public struct SafeTensors: Sendable {
    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        /// Byte range in the data section.
        public var range: Range<Int>
    }

    /// The file, for errors.
    public let path: String
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    /// Maps and checks `path`: the header must parse, and every tensor's range must lie inside
    /// the file and match its dtype and shape.
    public init(path: String) throws {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TextDataError("\(path): cannot read the weights (\(error.localizedDescription)); run make models")
        }
        guard data.count >= 8 else { throw TextDataError("\(path): not a safetensors file (shorter than 8 bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength > 1, headerLength <= 100 << 20, 8 + headerLength <= data.count else {
            throw TextDataError(
                "\(path): not a safetensors file (header length \(headerLength), file \(data.count) bytes)"
            )
        }
        let header = data.subdata(in: 8..<(8 + headerLength))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw TextDataError("\(path): not a safetensors file (the header is not a JSON object)")
        }
        var entries: [String: Entry] = [:]
        let available = data.count - 8 - headerLength
        for (name, value) in object where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= available
            else {
                throw TextDataError("\(path): tensor \(name) has a bad header entry or lies past the end (truncated?)")
            }
            let count = shape.reduce(1, *)
            if let width = Self.byteWidth[dtype], count * width != offsets[1] - offsets[0] {
                throw TextDataError(
                    "\(path): tensor \(name) is \(offsets[1] - offsets[0]) bytes, not \(dtype) \(shape)"
                )
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.entries = entries
        self.data = data
        dataStart = 8 + headerLength
    }

    static let byteWidth = ["F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1]

    /// The tensor `name` as 32-bit floats, row-major; it must have `shape` and be F32 or F16.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let entry = entries[name] else { throw TextDataError("\(path): no tensor \(name)") }
        guard entry.shape == shape else {
            throw TextDataError("\(path): tensor \(name) has shape \(entry.shape), expected \(shape)")
        }
        let count = shape.reduce(1, *)
        let start = dataStart + entry.range.lowerBound
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(dataStart + entry.range.upperBound)])
            switch entry.dtype {
            case "F32":
                // Little-endian on every platform Aisle runs on: one copy, no per-element work.
                return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                    initialized = count
                }
            case "F16":
                return (0..<count).map {
                    Float(
                        Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian)
                    )
                }
            default:
                throw TextDataError("\(path): tensor \(name) is \(entry.dtype); expected F32 or F16")
            }
        }
    }
}
