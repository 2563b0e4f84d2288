/// The first and second moments of a per-user metric `y`, and of an optional second value `x`
/// per user (CUPED's pre-period covariate, or a ratio metric's denominator), with their
/// co-moment. Welford's updates, so large revenue sums keep their precision; `merge` combines
/// partial aggregates (per day, per node) exactly.
public struct Moments: Sendable, Equatable, Codable {
    public private(set) var count = 0
    public private(set) var meanY = 0.0
    public private(set) var meanX = 0.0
    /// Sums of squared deviations from the mean (M2) and the co-moment.
    private var squaresY = 0.0
    private var squaresX = 0.0
    private var coMoment = 0.0

    public init() {}

    /// The moments of `values` (no second value).
    public init(_ values: some Sequence<Double>) {
        for value in values { add(value) }
    }

    /// The moments of pairs (y, x).
    public init(pairs: some Sequence<(y: Double, x: Double)>) {
        for pair in pairs { add(pair.y, x: pair.x) }
    }

    /// Adds one user's value (and second value).
    public mutating func add(_ y: Double, x: Double = 0) {
        count += 1
        let n = Double(count)
        let deltaY = y - meanY
        let deltaX = x - meanX
        meanY += deltaY / n
        meanX += deltaX / n
        squaresY += deltaY * (y - meanY)
        squaresX += deltaX * (x - meanX)
        coMoment += deltaX * (y - meanY)
    }

    /// Both sets of users together (Chan et al.'s parallel update).
    public func merged(with other: Moments) -> Moments {
        guard other.count > 0 else { return self }
        guard count > 0 else { return other }
        var merged = Moments()
        let n = Double(count)
        let m = Double(other.count)
        let total = n + m
        let deltaY = other.meanY - meanY
        let deltaX = other.meanX - meanX
        merged.count = count + other.count
        merged.meanY = meanY + deltaY * m / total
        merged.meanX = meanX + deltaX * m / total
        merged.squaresY = squaresY + other.squaresY + deltaY * deltaY * n * m / total
        merged.squaresX = squaresX + other.squaresX + deltaX * deltaX * n * m / total
        merged.coMoment = coMoment + other.coMoment + deltaX * deltaY * n * m / total
        return merged
    }

    /// The sample variance of y (n − 1 in the denominator); 0 below two users.
    public var varianceY: Double { count > 1 ? squaresY / Double(count - 1) : 0 }
    /// The sample variance of x.
    public var varianceX: Double { count > 1 ? squaresX / Double(count - 1) : 0 }
    /// The y values' count, mean and sample variance.
    public var summary: Summary { Summary(count: count, mean: meanY, variance: varianceY) }

    /// The sample covariance of y and x.
    public var covariance: Double { count > 1 ? coMoment / Double(count - 1) : 0 }
}
