import AisleRecommend
import Foundation

enum Fixtures {
    /// Tests/AisleRecommendTests/Fixtures/
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The first 40 users' ratings of items 1–300 from MovieLens-100K, plus a short user (999) and
    /// a repeated (user 1, item 1) pair; the split-* folders beside it were written by split.py.
    static func slice() throws -> [Interaction] { try InteractionFile.read(path("ml-100k-slice.inter")) }

    /// The full MovieLens-100K log in ../shared/data, when this checkout sits beside it.
    static let movieLensPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/ml-100k/ml-100k.inter").path

    static var hasMovieLens: Bool { FileManager.default.fileExists(atPath: movieLensPath) }

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, name: String = "log.tsv") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aisle-recommend-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A small log where taste is obvious: two groups of users, each interacting with one half of
    /// the catalog, always in the same order within the group.
    static func twoTasteLog() -> [Interaction] {
        var rows: [Interaction] = []
        for user in 0..<20 {
            let items = user < 10 ? ["a", "b", "c", "d", "e"] : ["v", "w", "x", "y", "z"]
            for (step, item) in items.enumerated() where (user + step) % 7 != 0 {
                rows.append(Interaction(user: "u\(user)", item: item, timestamp: Double(1_000 * user + step)))
            }
        }
        return rows
    }
}
