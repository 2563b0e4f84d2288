public import AisleCore
import Foundation

/// What the recommender knows about an item beyond its interactions: whether it may be shown,
/// where it sits in the catalog, and the words that describe it (for content similarity).
public struct ItemFacts: Sendable, Equatable, Codable {
    /// Category paths, canonical ("Clothing > Jackets > Down").
    public var categories: [String]
    /// Brand, if any.
    public var brand: String?
    /// False when the item is hidden or out of stock: it is then never recommended.
    public var recommendable: Bool
    /// Lower-cased descriptive tokens: title words, categories, brand, tags.
    public var tokens: [String]
    /// How its reviews lean (count and mean score), as of the last training; nil without reviews.
    public var reviews: ReviewSentiment?

    /// Facts of `item`.
    public init(_ item: Item) {
        categories = item.categories
        brand = item.brand
        recommendable = item.inStock && !item.hidden
        var tokens = Set(ContentTokens.words(item.title))
        for path in item.categories {
            var prefix = ""
            for level in path.components(separatedBy: " > ") {
                prefix = prefix.isEmpty ? level : prefix + " > " + level
                tokens.insert("category:" + prefix.lowercased())
            }
        }
        if let brand = item.brand { tokens.insert("brand:" + brand.lowercased()) }
        for tag in item.tags { tokens.insert("tag:" + tag.lowercased()) }
        self.tokens = tokens.sorted()
    }

    /// Facts of an item known only from events (not in the catalog): recommendable, no
    /// categories or tokens.
    public static let unknown = ItemFacts(categories: [], brand: nil, recommendable: true, tokens: [])

    private init(categories: [String], brand: String?, recommendable: Bool, tokens: [String]) {
        self.categories = categories
        self.brand = brand
        self.recommendable = recommendable
        self.tokens = tokens
    }

    /// Whether `ListOptions.minReviewScore` lets the item through: items with fewer than
    /// `ListOptions.minimumReviews` reviews always pass (too few to judge).
    public func passesReviews(_ minimum: Float?) -> Bool {
        guard let minimum, let reviews, reviews.count >= ListOptions.minimumReviews else { return true }
        return reviews.meanScore >= minimum
    }

    /// Whether the item is in `category` or below it ("Clothing" matches "Clothing > Jackets").
    public func isIn(category: String) -> Bool {
        categories.contains { $0 == category || $0.hasPrefix(category + " > ") }
    }

    /// The category diversity limits count by: the first path's top level.
    public var diversityGroup: String? {
        categories.first.map { String($0.split(separator: ">").first ?? "").trimmingCharacters(in: .whitespaces) }
    }
}

/// Splits text into lower-case word tokens; CJK text becomes one token per character (until the
/// text-model issue brings proper segmentation).
enum ContentTokens {
    static func words(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isIdeographic {
                if current.count > 1 { tokens.append(current) }
                current = ""
                tokens.append(String(scalar))
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.unicodeScalars.append(scalar)
            } else {
                if current.count > 1 { tokens.append(current) }
                current = ""
            }
        }
        if current.count > 1 { tokens.append(current) }
        return tokens
    }
}
