/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence on every machine, so
/// synthetic data and training are repeatable run to run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The generator's position: `SplitMix64(seed: g.position)` continues exactly where `g` is
    /// (a resumed training draws what the uninterrupted one would have).
    public var position: UInt64 { state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1), 24 random bits.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) / Float(1 << 24)
    }
}
