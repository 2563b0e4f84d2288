import AisleCore
import AisleRecommend
import AisleText
import ArgumentParser
import Foundation

/// `--items` and its companions: item attributes and text for the transformer's content fusion.
struct ItemContentOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Item content for the transformer: a TSV with a header whose first column is the item id; the other columns are attributes (a name:token_seq column holds several, space-separated; name:float columns are skipped), the --item-text columns are embedded. RecBole .item files such as ml-100k.item read as they are.",
            valueName: "file"
        )
    )
    var items: String?

    @Option(
        help: ArgumentHelp(
            "Columns of --items whose text the text encoder embeds, comma-separated (default: the first of title, movie_title, name that exists).",
            valueName: "columns"
        )
    )
    var itemText: String?

    @Option(
        help: ArgumentHelp(
            "Text encoder folder for --item-text (env AISLE_MODEL_DIR; default models/all-MiniLM-L6-v2).",
            valueName: "folder"
        )
    )
    var textModel: String?

    /// The content of `catalog`'s items from `--items`, or nil without it.
    func content(for catalog: Catalog) throws -> ItemContent? {
        guard let items else { return nil }
        let table = try ItemTable(path: items)
        let textColumns = try textColumns(of: table)
        var attributes: [ItemID: [String]] = [:]
        var texts: [ItemID: String] = [:]
        for row in table.rows {
            guard let raw = row.first, !raw.isEmpty else { continue }
            let id = ItemID(raw)
            var values: [String] = []
            var text: [String] = []
            for (column, field) in zip(table.columns, row).dropFirst() where !field.isEmpty {
                if textColumns.contains(column.name) {
                    text.append(field)
                } else if column.type == "token_seq" {
                    values += field.split(separator: " ").map { "\(column.name)=\($0)" }
                } else if column.type != "float" && column.type != "float_seq" {
                    values.append("\(column.name)=\(field)")
                }
            }
            attributes[id] = values
            if !text.isEmpty { texts[id] = text.joined(separator: ". ") }
        }
        let known = catalog.ids.filter { attributes[$0] != nil }.count
        Console.error(
            "items: \(items): \(table.rows.count) rows, \(known) of the \(catalog.count) catalog items described; text from \(textColumns.isEmpty ? "no column" : textColumns.sorted().joined(separator: ", "))"
        )
        var vectors: [ItemID: [Float]] = [:]
        if !texts.isEmpty {
            let folder =
                textModel ?? ProcessInfo.processInfo.environment["AISLE_MODEL_DIR"] ?? "models/all-MiniLM-L6-v2"
            let encoder = try TextEncoder.load(folder)
            let ids = catalog.ids.filter { texts[$0] != nil }
            let clock = ContinuousClock()
            let start = clock.now
            for first in stride(from: 0, to: ids.count, by: 1024) {
                let chunk = Array(ids[first..<min(ids.count, first + 1024)])
                for (id, vector) in zip(chunk, encoder.embed(chunk.compactMap { texts[$0] }, as: .passage)) {
                    vectors[id] = vector
                }
                Console.error("items: embedded \(first + chunk.count) of \(ids.count) texts with \(encoder.name)")
            }
            Console.error("items: text vectors in \(String(format: "%.1f", (clock.now - start).seconds)) s")
        }
        return try ItemContent(catalog: catalog, attributes: attributes, text: vectors)
    }

    /// The text columns: `--item-text`'s (each must exist), or the first title-like column.
    private func textColumns(of table: ItemTable) throws -> Set<String> {
        let names = table.columns.map(\.name)
        guard let itemText else {
            return Set(["title", "movie_title", "name"].first(where: names.contains).map { [$0] } ?? [])
        }
        let wanted = itemText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in wanted where !names.contains(name) {
            throw ValidationError(
                "--item-text: \(items ?? "") has no column \"\(name)\" (it has \(names.joined(separator: ", ")))"
            )
        }
        return Set(wanted)
    }
}

/// A tab-separated table with a header of `name` or `name:type` columns.
struct ItemTable {
    struct Column {
        let name: String
        let type: String
    }

    let columns: [Column]
    let rows: [[String]]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--items: cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--items: \(path) is not UTF-8 text")
        }
        var lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" }.makeIterator()
        guard let header = lines.next() else { throw ValidationError("--items: \(path) is empty") }
        columns = header.split(separator: "\t", omittingEmptySubsequences: false).map { field in
            let parts = field.split(separator: ":", maxSplits: 1)
            return Column(
                name: String(parts.first ?? "").trimmingCharacters(in: .whitespaces),
                type: parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "token"
            )
        }
        guard columns.count >= 2 else {
            throw ValidationError("--items: \(path) needs an item id column and at least one more, tab-separated")
        }
        var rows: [[String]] = []
        var number = 1
        while let line = lines.next() {
            number += 1
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count <= columns.count else {
                throw ValidationError(
                    "--items: \(path) line \(number) has \(fields.count) fields, the header \(columns.count)"
                )
            }
            rows.append(fields)
        }
        self.rows = rows
    }
}
