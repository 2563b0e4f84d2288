public import AisleCore

/// What each catalog item is besides its id, for the transformer's item vectors: attribute values
/// (a category, a brand, a release year…) and a text vector (the text encoder's embedding of its
/// title and description). Items that share attributes or read alike get related vectors, so an
/// item seldom or never bought has a useful vector from the day it enters the catalog.
public struct ItemContent: Sendable, Equatable {
    /// Per catalog item (in catalog order), its attribute values as indices below `attributeCount`.
    public let attributes: [[Int32]]
    /// Distinct attribute values.
    public let attributeCount: Int
    /// Items × `textWidth`, row-major, in catalog order; an item without text has a zero row.
    public let text: [Float]
    /// Width of a text vector; 0 without text.
    public let textWidth: Int

    /// Content for `catalog` from attribute values and text vectors by item id. Items absent from
    /// either have none of it; attribute values are numbered in sorted order, so the same input
    /// gives the same content; a value every item holds is left out. Text vectors must all have
    /// one width.
    public init(catalog: Catalog, attributes: [ItemID: [String]], text: [ItemID: [Float]]) throws {
        // A value every item holds tells no two items apart: it would only add noise.
        var holders: [String: Int] = [:]
        for id in catalog.ids { for value in Set(attributes[id] ?? []) { holders[value, default: 0] += 1 } }
        let values = holders.filter { $0.value < catalog.count }.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.element, Int32($0.offset)) })
        let widths = Set(text.values.map(\.count))
        guard widths.count <= 1 else {
            throw ItemContentError.mixedTextWidths(widths.sorted())
        }
        let width = widths.first ?? 0
        var rows = [Float](repeating: 0, count: catalog.count * width)
        for (position, id) in catalog.ids.enumerated() {
            guard let vector = text[id] else { continue }
            rows.replaceSubrange((position * width)..<((position + 1) * width), with: vector)
        }
        self.attributes = catalog.ids.map { id in
            Array(Set((attributes[id] ?? []).compactMap { index[$0] })).sorted()
        }
        self.attributeCount = values.count
        self.text = rows
        self.textWidth = width
    }

    /// Content of `items` catalog items with no attributes and no text.
    public static func none(items: Int) -> ItemContent {
        ItemContent(attributes: Array(repeating: [], count: items), attributeCount: 0, text: [], textWidth: 0)
    }

    init(attributes: [[Int32]], attributeCount: Int, text: [Float], textWidth: Int) {
        precondition(text.count == attributes.count * textWidth, "text rows for another catalog")
        precondition(attributes.joined().allSatisfy { $0 >= 0 && Int($0) < attributeCount }, "attribute out of range")
        self.attributes = attributes
        self.attributeCount = attributeCount
        self.text = text
        self.textWidth = textWidth
    }

    /// Whether there is anything to fuse.
    public var isEmpty: Bool { attributeCount == 0 && textWidth == 0 }

    /// A stable 64-bit digest (FNV-1a), so a checkpoint of other content is not resumed.
    var digest: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) {
            hash ^= value
            hash = hash &* 0x0000_0100_0000_01B3
        }
        mix(UInt64(attributeCount))
        mix(UInt64(textWidth))
        for values in attributes {
            mix(UInt64(values.count))
            for value in values { mix(UInt64(UInt32(bitPattern: value))) }
        }
        for value in text { mix(UInt64(value.bitPattern)) }
        return hash
    }
}

/// Content that cannot be fused.
public enum ItemContentError: Error, Equatable, CustomStringConvertible {
    case mixedTextWidths([Int])

    public var description: String {
        switch self {
        case .mixedTextWidths(let widths):
            "item text vectors have different widths (\(widths.map(String.init).joined(separator: ", "))); embed them all with one model"
        }
    }
}
