/// One implicit-feedback interaction, as models learn from it: a user, an item, when, and how much
/// it says about the user's taste (`EventWeights` turns an event into this weight).
public struct Interaction: Sendable, Equatable {
    /// The user (or anonymous device) id.
    public var user: String
    /// The item id.
    public var item: String
    /// Seconds since the Unix epoch.
    public var timestamp: Double
    /// Strength of the signal, > 0 (1 for a plain implicit interaction).
    public var weight: Float

    /// An interaction; `weight` defaults to 1.
    public init(user: String, item: String, timestamp: Double, weight: Float = 1) {
        self.user = user
        self.item = item
        self.timestamp = timestamp
        self.weight = weight
    }
}

/// A shopper's history as a model reads it: item indices oldest first, with each one's weight and
/// time. Built from stored events at request time, so a new event changes the next answer.
public struct History: Sendable, Equatable {
    /// Item indices in the model's catalog, oldest first; an item may repeat.
    public var items: [Int32]
    /// Weight of each entry.
    public var weights: [Float]
    /// Time of each entry, seconds since the Unix epoch.
    public var timestamps: [Double]

    /// An empty history (a new shopper).
    public init() {
        items = []
        weights = []
        timestamps = []
    }

    /// A history from parallel arrays of equal length, oldest first.
    public init(items: [Int32], weights: [Float], timestamps: [Double]) {
        precondition(items.count == weights.count && items.count == timestamps.count, "parallel arrays")
        self.items = items
        self.weights = weights
        self.timestamps = timestamps
    }

    /// Whether there is nothing to personalise from.
    public var isEmpty: Bool { items.isEmpty }

    /// Appends one entry (the newest).
    public mutating func append(item: Int32, weight: Float, timestamp: Double) {
        items.append(item)
        weights.append(weight)
        timestamps.append(timestamp)
    }

    /// Each distinct item once with its summed weight, in first-seen order.
    public func aggregated() -> (items: [Int32], weights: [Float]) {
        var position: [Int32: Int] = [:]
        var outItems: [Int32] = []
        var outWeights: [Float] = []
        for (item, weight) in zip(items, weights) {
            if let at = position[item] {
                outWeights[at] += weight
            } else {
                position[item] = outItems.count
                outItems.append(item)
                outWeights.append(weight)
            }
        }
        return (outItems, outWeights)
    }
}
