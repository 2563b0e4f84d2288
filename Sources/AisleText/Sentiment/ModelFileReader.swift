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

    /// Whether every byte has been read.
    var atEnd: Bool { offset == bytes.count }
}
