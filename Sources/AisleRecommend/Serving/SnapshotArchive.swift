public import AisleCore
public import AisleMath
public import Foundation

/// Saves and loads a `RecommendationSnapshot` as one file: a JSON header (catalog, facts, report,
/// settings) followed by the numeric arrays as raw little-endian bytes, so a 100k-item model loads
/// in well under a second. Written to a temporary file and renamed, so a crash mid-save leaves the
/// previous snapshot intact.
public enum SnapshotArchive {
    static let magic = Array("AISLESN1".utf8)

    private struct Header: Codable {
        var trainedAtMilliseconds: Int64
        var report: TrainingReport
        var catalog: [String]
        var facts: [ItemFacts]
        var blend: [String: Float]
        var sequence: SequenceModel.Parameters
        var factors: ALSModel.Parameters?
        var platforms: [String]
        /// The sequential model's settings; nil when the snapshot has none (and in files written
        /// before it existed).
        var transformer: SequentialModel.Parameters?
        /// The transformer's items served on their content alone (never bought when it trained).
        var transformerContentOnly: [Int32]?
    }

    /// Writes `snapshot` to `path` atomically.
    public static func save(_ snapshot: RecommendationSnapshot, to path: String) throws {
        let data = try encode(snapshot)
        let temporary = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw AisleError(
                code: .unavailable,
                message: "cannot move the snapshot into place at \(path) (errno \(errno))"
            )
        }
    }

    /// The snapshot as the file's bytes (also what a shared store keeps).
    public static func encode(_ snapshot: RecommendationSnapshot) throws -> Data {
        let header = Header(
            trainedAtMilliseconds: snapshot.trainedAt.millisecondsSinceEpoch,
            report: snapshot.report,
            catalog: snapshot.catalog.ids.map(\.rawValue),
            facts: snapshot.facts,
            blend: Dictionary(uniqueKeysWithValues: snapshot.blend.map { ($0.key.rawValue, $0.value) }),
            sequence: snapshot.next.parameters,
            factors: snapshot.factors?.parameters,
            platforms: snapshot.segmentTrends.keys.sorted(),
            transformer: snapshot.sequential?.parameters,
            transformerContentOnly: snapshot.sequential?.contentOnlyItems
        )
        var data = Data(magic)
        let json = try JSONEncoder().encode(header)
        append(UInt64(json.count), to: &data)
        data.append(json)
        for window in TrendWindow.allCases { append(snapshot.trend(window), to: &data) }
        for platform in header.platforms { append(snapshot.segmentTrends[platform] ?? [], to: &data) }
        for lists in [snapshot.similar.similar, snapshot.next.next, snapshot.boughtTogether.similar] {
            append(lists.starts.map { Int64($0) }, to: &data)
            append(lists.neighbours, to: &data)
            append(lists.weights, to: &data)
        }
        append(snapshot.factors?.itemFactors.values ?? [], to: &data)
        if let sequential = snapshot.sequential { append(sequential.weights, to: &data) }
        return data
    }

    /// Reads a snapshot written by `save`. Throws `unavailable` when the file is not one, or is
    /// cut short (the caller then trains afresh).
    public static func load(from path: String) throws -> RecommendationSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AisleError(code: .notFound, message: "no snapshot at \(path)")
        }
        return try decode(data, source: path)
    }

    /// Reads bytes written by `encode`; `source` names them in errors.
    public static func decode(_ data: Data, source path: String) throws -> RecommendationSnapshot {
        var reader = Reader(data: data)
        guard try reader.bytes(magic.count) == magic else {
            throw AisleError(code: .unavailable, message: "\(path) is not an Aisle snapshot")
        }
        let headerLength = Int(try reader.scalar(UInt64.self))
        let header = try JSONDecoder().decode(Header.self, from: Data(try reader.bytes(headerLength)))
        let catalog = Catalog(header.catalog)
        guard catalog.ids == header.catalog.map(ItemID.init), header.facts.count == catalog.count else {
            throw AisleError(code: .unavailable, message: "\(path): catalog and facts disagree")
        }
        var trends: [TrendWindow: [Float]] = [:]
        for window in TrendWindow.allCases { trends[window] = try reader.array(Float.self, count: catalog.count) }
        var platforms: [String: [Float]] = [:]
        for platform in header.platforms { platforms[platform] = try reader.array(Float.self, count: catalog.count) }
        var lists: [NeighbourLists] = []
        for _ in 0..<3 {
            let starts = try reader.array(Int64.self, count: catalog.count + 1).map { Int($0) }
            let neighbours = try reader.array(Int32.self, count: nil)
            let weights = try reader.array(Float.self, count: neighbours.count)
            guard starts.first == 0, starts.last == neighbours.count,
                neighbours.allSatisfy({ $0 >= 0 && Int($0) < catalog.count })
            else { throw AisleError(code: .unavailable, message: "\(path): neighbour lists are corrupt") }
            lists.append(NeighbourLists(starts: starts, neighbours: neighbours, weights: weights))
        }
        let factorValues = try reader.array(Float.self, count: nil)
        var factors: ALSModel?
        if let parameters = header.factors, !factorValues.isEmpty {
            guard factorValues.count == catalog.count * parameters.factors else {
                throw AisleError(code: .unavailable, message: "\(path): factor matrix has the wrong size")
            }
            factors = ALSModel(
                catalog: catalog,
                parameters: parameters,
                itemFactors: DenseMatrix(rows: catalog.count, columns: parameters.factors, values: factorValues)
            )
        }
        var sequential: SequentialModel?
        if let parameters = header.transformer {
            let weights = try reader.array(Float.self, count: nil)
            guard weights.count == SequentialModel.layout(items: catalog.count, parameters: parameters).count else {
                throw AisleError(code: .unavailable, message: "\(path): the transformer's weights have the wrong size")
            }
            let contentOnly = (header.transformerContentOnly ?? []).filter { $0 >= 0 && Int($0) < catalog.count }
            sequential = SequentialModel(
                catalog: catalog,
                parameters: parameters,
                weights: weights,
                contentOnlyItems: contentOnly
            )
        }
        return RecommendationSnapshot(
            trainedAt: Timestamp(millisecondsSinceEpoch: header.trainedAtMilliseconds),
            report: header.report,
            catalog: catalog,
            facts: header.facts,
            trends: trends,
            segmentTrends: platforms,
            similar: ItemKNNModel(catalog: catalog, similar: lists[0]),
            next: SequenceModel(catalog: catalog, parameters: header.sequence, next: lists[1]),
            boughtTogether: ItemKNNModel(catalog: catalog, similar: lists[2]),
            factors: factors,
            sequential: sequential,
            blend: Dictionary(
                uniqueKeysWithValues: header.blend.compactMap { key, value in
                    ModelKind(rawValue: key).map { ($0, value) }
                }
            )
        )
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    /// A count, then the raw elements (this machine's byte order is little-endian on every
    /// platform Aisle builds for; the loader checks sizes, not bytes).
    private static func append<T: BitwiseCopyable>(_ values: [T], to data: inout Data) {
        append(UInt64(values.count), to: &data)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
    }

    private struct Reader {
        let data: Data
        var offset = 0

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= data.count else { throw truncated }
            defer { offset += count }
            return Array(data[data.startIndex + offset..<data.startIndex + offset + count])
        }

        mutating func scalar<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            let raw = try bytes(MemoryLayout<T>.size)
            return T(littleEndian: raw.withUnsafeBytes { $0.loadUnaligned(as: T.self) })
        }

        /// An array written by `append(_:to:)`; `count`, when given, must match.
        mutating func array<T: BitwiseCopyable>(_ type: T.Type, count expected: Int?) throws -> [T] {
            let count = Int(try scalar(UInt64.self))
            if let expected, expected != count { throw truncated }
            let raw = try bytes(count * MemoryLayout<T>.stride)
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                raw.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
                }
                initialized = count
            }
        }

        var truncated: AisleError {
            AisleError(code: .unavailable, message: "the snapshot file is cut short or corrupt")
        }
    }
}
