import CHalfKernels

/// Reads the little-endian fields of a small model file in order, with bounds checks: a file
/// cut short is an error naming it, never a crash.
struct ModelFileReader {
    let bytes: [UInt8]
    /// The file's name, for errors.
    let name: String
    var offset: Int

    init(_ bytes: [UInt8], name: String, offset: Int) {
        self.bytes = bytes
        self.name = name
        self.offset = offset
    }

    /// The next 32-bit unsigned integer.
    mutating func uint32() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw TextDataError("\(name): cut short") }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// The next `count` little-endian float16 values, as floats (F16C's conversion where the
    /// CPU has it: Swift's own is a library call per value, most of a tower's load time).
    mutating func float16s(_ count: Int) throws -> [Float] {
        guard offset + 2 * count <= bytes.count else { throw TextDataError("\(name): cut short") }
        defer { offset += 2 * count }
        var halves = [UInt16](repeating: 0, count: count)
        halves.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + 2 * count)]))
            }
        }
        if UInt16(littleEndian: 1) != 1 { halves = halves.map { UInt16(littleEndian: $0) } }
        var floats = [Float](repeating: 0, count: count)
        halves.withUnsafeBufferPointer { source in
            floats.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                aisle_halves_to_floats(from, to, count)
            }
        }
        return floats
    }

    /// Whether every byte has been read.
    var atEnd: Bool { offset == bytes.count }
}
