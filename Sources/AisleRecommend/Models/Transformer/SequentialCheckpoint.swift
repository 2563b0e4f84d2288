import AisleCore
import Foundation

/// A training's state after an epoch, saved so that a training that stops (a restart, a killed
/// `aisle train`) continues where it was instead of starting over: the weights, the optimiser's
/// moments, the sequence order and random position, and the best epoch so far. A checkpoint
/// belongs to one set of settings and one training log (`key`); any other is ignored. Resuming
/// draws exactly what the uninterrupted training would have, so the result is the same.
struct SequentialCheckpoint: Equatable {
    private static let magic = Array("AISLETC1".utf8)

    private struct Header: Codable {
        var key: UInt64
        var epoch: Int
        var step: Int
        var random: UInt64
        var bestScore: Double?
        var bestEpoch: Int?
        var sinceBest: Int
        var patienceScore: Double?
        var elapsedSeconds: Double
    }

    /// Settings and data the state belongs to.
    var key: UInt64
    /// Epochs finished.
    var epoch: Int
    var weights: [Float]
    var step: Int
    var firstMoment: [Float]
    var secondMoment: [Float]
    /// The random generator's position after the epoch.
    var random: UInt64
    /// The sequence order after the epoch's shuffle.
    var order: [Int32]
    var best: (weights: [Float], score: Double, epoch: Int)?
    var sinceBest: Int
    /// The score early stopping's patience counts from.
    var patienceScore: Double?
    /// Training time before this point (for the ETA).
    var elapsedSeconds: Double

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.key == rhs.key && lhs.epoch == rhs.epoch && lhs.weights == rhs.weights && lhs.step == rhs.step
            && lhs.firstMoment == rhs.firstMoment && lhs.secondMoment == rhs.secondMoment && lhs.random == rhs.random
            && lhs.order == rhs.order && lhs.best?.weights == rhs.best?.weights && lhs.best?.score == rhs.best?.score
            && lhs.best?.epoch == rhs.best?.epoch && lhs.sinceBest == rhs.sinceBest
            && lhs.patienceScore == rhs.patienceScore
    }

    /// The key of a training: its settings, patience and every item of every sequence (FNV-1a).
    static func key(
        parameters: SequentialModel.Parameters,
        patience: Int,
        items: Int,
        sequences: [[Int32]],
        content: UInt64 = 0
    ) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) {
            var value = value
            for _ in 0..<8 {
                hash = (hash ^ (value & 0xFF)) &* 0x0000_0100_0000_01B3
                value >>= 8
            }
        }
        for byte in String(describing: ModelSpec.transformer(parameters)).utf8 { mix(UInt64(byte)) }
        mix(UInt64(patience))
        mix(UInt64(items))
        mix(content)
        mix(UInt64(sequences.count))
        for sequence in sequences {
            mix(UInt64(sequence.count))
            for item in sequence { mix(UInt64(UInt32(bitPattern: item))) }
        }
        return hash
    }

    /// Writes the state to `path` (a temporary file renamed into place: a crash mid-write leaves
    /// the previous checkpoint).
    func save(to path: String) throws {
        let header = Header(
            key: key,
            epoch: epoch,
            step: step,
            random: random,
            bestScore: best?.score,
            bestEpoch: best?.epoch,
            sinceBest: sinceBest,
            patienceScore: patienceScore,
            elapsedSeconds: elapsedSeconds
        )
        var data = Data(Self.magic)
        let json = try JSONEncoder().encode(header)
        Self.append(UInt64(json.count), to: &data)
        data.append(json)
        for array in [weights, firstMoment, secondMoment, best?.weights ?? []] {
            Self.append(UInt64(array.count), to: &data)
            array.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        Self.append(UInt64(order.count), to: &data)
        order.withUnsafeBytes { data.append(contentsOf: $0) }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw AisleError(code: .unavailable, message: "cannot move the checkpoint into place at \(path)")
        }
    }

    /// The checkpoint at `path` when there is one with `key`; nil when there is none, it is for
    /// another training, or it is cut short (training then starts afresh).
    static func load(from path: String, key: UInt64) -> SequentialCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var offset = 0
        func bytes(_ count: Int) -> Data? {
            guard count >= 0, offset + count <= data.count else { return nil }
            defer { offset += count }
            return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
        }
        func count() -> Int? {
            guard let raw = bytes(8) else { return nil }
            let value = raw.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            return value > UInt64(data.count) ? nil : Int(value)
        }
        func floats() -> [Float]? {
            guard let count = count(), let raw = bytes(count * 4) else { return nil }
            return raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        guard bytes(magic.count).map(Array.init) == magic, let headerLength = count(),
            let json = bytes(headerLength), let header = try? JSONDecoder().decode(Header.self, from: json),
            header.key == key, let weights = floats(), let first = floats(), let second = floats(),
            let bestWeights = floats(), let orderCount = count(), let orderBytes = bytes(orderCount * 4),
            first.count == weights.count, second.count == weights.count
        else { return nil }
        let order = orderBytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        var best: (weights: [Float], score: Double, epoch: Int)?
        if let score = header.bestScore, let epoch = header.bestEpoch, bestWeights.count == weights.count {
            best = (bestWeights, score, epoch)
        }
        return SequentialCheckpoint(
            key: key,
            epoch: header.epoch,
            weights: weights,
            step: header.step,
            firstMoment: first,
            secondMoment: second,
            random: header.random,
            order: order,
            best: best,
            sinceBest: header.sinceBest,
            patienceScore: header.patienceScore,
            elapsedSeconds: header.elapsedSeconds
        )
    }

    private static func append(_ value: UInt64, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}
