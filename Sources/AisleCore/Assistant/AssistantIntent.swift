/// What a shopper wants from the assistant: the fixed label set its classifier is trained on
/// (docs/ASSISTANT.md, "Intents").
public enum AssistantIntent: String, Sendable, Codable, CaseIterable {
    case productSearch = "product_search"
    case productQuestion = "product_question"
    case recommendation
    case orderStatus = "order_status"
    case returnRefund = "return_refund"
    case shippingPolicy = "shipping_policy"
    case payment
    case sizeAdvice = "size_advice"
    case complaint
    case humanAgent = "human_agent"
    case greeting
    case account
    case promotion

    /// Intents answered from the store's FAQs (policies), rather than from orders or the catalog.
    public var isPolicy: Bool {
        switch self {
        case .returnRefund, .shippingPolicy, .payment, .sizeAdvice, .account, .promotion: true
        default: false
        }
    }
}
