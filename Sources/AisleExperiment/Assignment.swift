/// Deterministic assignment: a shopper's variant is a pure function of the experiment id and
/// the shopper's stable id, the same on every node and after every restart, with nothing stored
/// to decide it. The id pair is hashed with 64-bit FNV-1a, mixed with SplitMix64's finalizer
/// (FNV alone is poorly spread in its high bits for short ids), and the point in [0, 1) falls
/// into the variants' cumulative weights.
public enum Assignment {
    /// The point in [0, 1) of `unit` (a user or device id) in `experiment`.
    public static func point(experiment: String, unit: String) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in experiment.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        // A separator no id contains (ids have no control characters), so ("ab", "c") and
        // ("a", "bc") differ.
        hash = (hash ^ 0x1F) &* 0x0000_0100_0000_01B3
        for byte in unit.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        return Double(hash >> 11) * 0x1.0p-53
    }

    /// The index of the variant `unit` gets among `weights` (non-negative, not all 0); nil
    /// when no weight is positive.
    public static func variant(experiment: String, unit: String, weights: [Double]) -> Int? {
        let total = weights.reduce(0) { $0 + max($1, 0) }
        guard total > 0 else { return nil }
        let target = point(experiment: experiment, unit: unit) * total
        var cumulative = 0.0
        var last: Int?
        for (index, weight) in weights.enumerated() where weight > 0 {
            cumulative += weight
            last = index
            if target < cumulative { return index }
        }
        return last
    }
}
