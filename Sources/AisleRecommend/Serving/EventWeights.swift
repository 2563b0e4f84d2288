public import AisleCore

/// How much each kind of event says about a shopper's taste: purchase > add to cart > click or a
/// rating of 4+ > view. A weight of 0 means the event is not a positive signal (a low rating, a
/// removal from the cart, a search) and is left out of training and of the shopper's profile.
public struct EventWeights: Sendable, Equatable, Codable {
    /// Weight of a purchase.
    public var purchase: Float = 4
    /// Weight of an add to cart.
    public var addToCart: Float = 3
    /// Weight of a like or share.
    public var like: Float = 2
    /// Weight of a click, and of a rating of 4 or 5.
    public var click: Float = 1.5
    /// Weight of a view, a review, a rating of 3, and a custom event type.
    public var view: Float = 1

    /// The default weights.
    public init() {}

    /// The defaults with `overrides` by event type name (`purchase`, `add_to_cart`, `like`,
    /// `click`, `view`); other names are ignored (the configuration rejects them first).
    public init(overrides: [String: Double]) {
        for (name, value) in overrides {
            let weight = Float(value)
            switch name {
            case "purchase": purchase = weight
            case "add_to_cart": addToCart = weight
            case "like": like = weight
            case "click": click = weight
            case "view": view = weight
            default: continue
            }
        }
    }

    /// The weight of one event; 0 for events that are not positive taste signals.
    public func weight(of type: EventType, value: Double?) -> Float {
        switch type {
        case .purchase: purchase
        case .addToCart: addToCart
        case .like, .share: like
        case .click: click
        case .view, .review: view
        case .rate:
            switch value ?? 0 {
            case 4...: click
            case 3..<4: view
            default: 0
            }
        case .removeFromCart, .search: 0
        default: type.isCustom ? view : 0
        }
    }
}
