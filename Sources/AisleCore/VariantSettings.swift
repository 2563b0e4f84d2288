/// The engine settings an experiment variant's `config` may set. They apply when a feed or
/// search request names the experiment (`experiment=ID`), so strategies are tested on live
/// traffic (docs/EXPERIMENTS.md). Any other config key is for the client: it comes back with
/// the assignment untouched.
public struct VariantSettings: Sendable, Equatable {
    /// The feed's model names: the trained blend, or one model alone.
    public static let feedModels = ["hybrid", "als", "seq", "itemknn", "pop", "transformer"]

    /// Feed blend weights by model name instead of the trained blend; nil keeps the trained one.
    /// `"model": "seq"` is the blend `{"seq": 1}`.
    public var feedBlend: [String: Float]?
    /// At most this many feed items per top-level category.
    public var diversity: Int?
    /// The search mode.
    public var searchMode: SearchMode?
    /// Whether search re-ranks for the shopper (default true).
    public var searchPersonalization: Bool?

    /// No settings: everything as the request asks.
    public init() {}

    /// Reads the keys it knows from a variant's config (`model`, `blend`, `diversity`,
    /// `search_mode`, `search_personalization`); throws `invalid_field` under `field` for a known
    /// key with a wrong value.
    public init(config: JSONValue?, field: String) throws(AisleError) {
        guard case .object(let members) = config else { return }
        if let model = members["model"] {
            guard case .string(let name) = model, Self.feedModels.contains(name) else {
                throw .invalid(
                    "\(field).model",
                    "model is one of \(Self.feedModels.joined(separator: ", ")), got \(model.jsonText.prefix(32))"
                )
            }
            feedBlend = name == "hybrid" ? nil : [name: 1]
        }
        if let blend = members["blend"] {
            guard members["model"] == nil else {
                throw .invalid("\(field).blend", "give model or blend, not both")
            }
            feedBlend = try Self.blend(blend, field: "\(field).blend")
        }
        if let value = members["diversity"] {
            guard case .number(let number) = value, number == number.rounded(), (1...100).contains(number) else {
                throw .invalid(
                    "\(field).diversity",
                    "diversity is a whole number from 1 to 100, got \(value.jsonText.prefix(32))"
                )
            }
            diversity = Int(number)
        }
        if let value = members["search_mode"] {
            guard case .string(let name) = value, let mode = SearchMode(rawValue: name) else {
                throw .invalid(
                    "\(field).search_mode",
                    "search_mode is one of \(SearchMode.allCases.map(\.rawValue).joined(separator: ", ")), got \(value.jsonText.prefix(32))"
                )
            }
            searchMode = mode
        }
        if let value = members["search_personalization"] {
            guard case .bool(let flag) = value else {
                throw .invalid("\(field).search_personalization", "search_personalization is true or false")
            }
            searchPersonalization = flag
        }
    }

    private static func blend(_ value: JSONValue, field: String) throws(AisleError) -> [String: Float] {
        let models = feedModels.dropFirst().joined(separator: ", ")
        guard case .object(let weights) = value, !weights.isEmpty else {
            throw .invalid(field, "blend is an object of weights by model (\(models))")
        }
        var blend: [String: Float] = [:]
        for (name, weight) in weights {
            guard name != "hybrid", feedModels.contains(name) else {
                throw .invalid(field, "blend models are \(models), got \"\(name.prefix(32))\"")
            }
            guard case .number(let number) = weight, number.isFinite, (0...1_000).contains(number) else {
                throw .invalid("\(field).\(name)", "a blend weight is a number from 0 to 1000")
            }
            blend[name] = Float(number)
        }
        guard blend.values.contains(where: { $0 > 0 }) else {
            throw .invalid(field, "at least one blend weight must be above 0")
        }
        return blend
    }
}
