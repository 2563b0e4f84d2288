/// Hashed sparse features of a chat message for the intent classifier:
///
/// - English: words, word pairs, and the character 3-grams of each word with its edges
///   (`^wh`, `whe`, `her`, `ere`, `re$`), so that typos ("were is my oder") still share most
///   features with the words meant. Words with digits are one token (`<num>`): the number is
///   never the intent.
/// - Chinese: character 1-, 2- and 3-grams of each run (快递, 到哪, 退货).
///
/// Each feature is hashed (FNV-1a, 32-bit) into `buckets`; the vector is scaled to unit
/// length, so long and short messages weigh alike.
public struct IntentFeatures: Sendable, Equatable {
    /// Hash buckets (a power of two).
    public let buckets: Int

    public init(buckets: Int = 1 << 13) {
        precondition(buckets > 0 && buckets & (buckets - 1) == 0, "buckets must be a power of two")
        self.buckets = buckets
    }

    /// The features' strings of `text`, before hashing (tests and debugging read them).
    public static func grams(_ text: String) -> [String] {
        var grams: [String] = []
        var previousWord: String?
        for piece in ChatText.pieces(text) {
            switch piece {
            case .word(let raw):
                let word = raw.contains(where: \.isNumber) ? "<num>" : raw
                grams.append("w:" + word)
                if let previousWord { grams.append("b:" + previousWord + " " + word) }
                previousWord = word
                if word != "<num>" {
                    let padded = Array("^" + word + "$")
                    if padded.count > 3 {
                        for start in 0...(padded.count - 3) { grams.append("c:" + String(padded[start..<start + 3])) }
                    }
                }
            case .han(let run):
                previousWord = nil
                for length in 1...3 where run.count >= length {
                    for start in 0...(run.count - length) { grams.append("h:" + String(run[start..<start + length])) }
                }
            }
        }
        return grams
    }

    /// The sparse features of `text`: bucket indices (sorted) with their values.
    public func features(_ text: String) -> (indices: [Int32], values: [Float]) {
        var counts: [Int32: Float] = [:]
        for gram in Self.grams(text) { counts[bucket(gram), default: 0] += 1 }
        let norm = counts.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let sorted = counts.keys.sorted()
        return (sorted, sorted.map { (counts[$0] ?? 0) / max(norm, 1e-6) })
    }

    func bucket(_ gram: String) -> Int32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in gram.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return Int32(hash & UInt32(buckets - 1))
    }
}
