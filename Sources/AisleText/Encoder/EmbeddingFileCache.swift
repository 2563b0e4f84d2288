import AisleMath
import Foundation

/// Embeddings of a list of texts kept in a file, for commands that embed the same corpus again
/// and again (training, benchmarks): the file holds the vectors as 32-bit floats, and its name
/// carries a hash of the texts, so a changed list never reads stale vectors.
public enum EmbeddingFileCache {
    /// The vectors of `texts` (as `type`, passages by default) by `encoder`: read from `cache` +
    /// "." + a hash of the texts (and of `layers` and a tower head, when given) when that file
    /// has the right size, else embedded (`progress` gets done and total counts every few
    /// batches) and written there (nil `cache`: embedded, kept nowhere). With `layers`, each
    /// vector is those layers' mean pools side by side (`TextEncoder.embed(windowed:layers:)`);
    /// `through` a head, the vectors that head reads (`EmbeddingPolarity.vectors(of:encoder:)`;
    /// an error when it reads another model).
    public static func vectors(
        of texts: [String],
        encoder: TextEncoder,
        cache: String?,
        as type: TextEncoder.InputType = .passage,
        layers: [Int]? = nil,
        through head: EmbeddingPolarity? = nil,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> [[Float]] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: String.UTF8View) { for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 } }
        mix(texts.joined(separator: "\u{1}").utf8)
        // Whatever else decides the vectors is in the name too, so that one prefix serves them all.
        if let layers { mix("\u{2}layers \(layers)".utf8) }
        if let head, let tower = head.tower {
            let weights = ([head.bias] + head.weights).map(\.bitPattern)
            mix("\u{2}tower \(tower.afterLayer) \(tower.integerProducts) \(weights)".utf8)
        }
        let path = cache.map { $0 + "." + String(hash, radix: 16) }
        let dimension = encoder.dimension * (layers?.count ?? 1)
        if let path, let data = FileManager.default.contents(atPath: path), data.count == texts.count * dimension * 4 {
            let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return (0..<texts.count).map { Array(floats[($0 * dimension)..<(($0 + 1) * dimension)]) }
        }
        // The encoder splits products between its own workers; OpenBLAS's threads beside them
        // would fight for the cores (the server sets the same).
        BLAS.setThreads(.serial)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        let batch = 256
        for first in stride(from: 0, to: texts.count, by: batch) {
            let part = texts[first..<min(first + batch, texts.count)]
            if let head {
                guard let read = head.vectors(of: Array(part), encoder: encoder) else {
                    throw TextDataError(
                        "the embedding head reads \(head.modelName) (\(head.weights.count) dimensions), not \(encoder.name)"
                    )
                }
                vectors += read
            } else if let layers {
                vectors += encoder.embed(windowed: part.map { encoder.windows(of: $0, as: type) }, layers: layers)
            } else {
                vectors += encoder.embed(Array(part), as: type)
            }
            if (first / batch) % 20 == 0 || vectors.count == texts.count { progress(vectors.count, texts.count) }
        }
        guard let path else { return vectors }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory.isEmpty ? "." : directory,
            withIntermediateDirectories: true
        )
        var data = Data(capacity: texts.count * dimension * 4)
        for vector in vectors { vector.withUnsafeBytes { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
        return vectors
    }
}
