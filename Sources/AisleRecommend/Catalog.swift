public import AisleCore

/// The items a model knows, each with a dense index (its row in factor matrices, its position in a
/// score vector).
///
/// Indices follow id order (numeric when every id is an integer, byte order otherwise), so "lower
/// index" — the tie-break of `TopK` — is "lower id" and equal scores rank the same on every machine.
public struct Catalog: Sendable, Equatable {
    /// Item ids by index.
    public let ids: [ItemID]
    /// `ItemID` compares byte for byte: Swift `String` keys compare canonically,
    /// so "café" (NFC) and "cafe\u{301}" (NFD) would share one index while the store keeps two items.
    private let indexByID: [ItemID: Int32]

    /// A catalog of `ids` (duplicates, byte for byte, collapse), ordered by `IDOrder`.
    public init<Ids: Sequence<String>>(_ ids: Ids) {
        var unique = Set<ItemID>()
        let distinct = ids.filter { unique.insert(ItemID($0)).inserted }
        let sorted = IDOrder.sorted(distinct).map(ItemID.init)
        self.ids = sorted
        var index: [ItemID: Int32] = [:]
        index.reserveCapacity(sorted.count)
        for (position, id) in sorted.enumerated() { index[id] = Int32(position) }
        indexByID = index
    }

    /// Number of items.
    public var count: Int { ids.count }

    /// The index of `id`, or nil for an item the catalog doesn't have.
    public func index(of id: ItemID) -> Int32? { indexByID[id] }
}

/// The order ids are sorted and compared in, the same rule as ../shared/bench/recs/split.py:
/// numeric when every id of the set is an integer, byte order otherwise.
public enum IDOrder {
    /// `ids` in that order.
    public static func sorted<Ids: Collection<String>>(_ ids: Ids) -> [String] {
        if ids.allSatisfy(isInteger) {
            return ids.sorted { lhs, rhs in
                let (left, right) = (Int(lhs) ?? 0, Int(rhs) ?? 0)
                return left != right ? left < right : lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
            }
        }
        return ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether `text` is an optional sign then ASCII digits (Python's `str.isdigit` on ASCII).
    public static func isInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.utf8.count <= 18 && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
