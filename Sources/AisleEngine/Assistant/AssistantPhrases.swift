import AisleCore
import Foundation

/// The assistant's own sentences, in English and Chinese. Every fact in a reply comes from the
/// store (an FAQ's answer, an order, an item); these only frame it.
struct AssistantPhrases {
    let language: TextLanguage

    private var zh: Bool { language == .zh }

    var greeting: String {
        zh
            ? "你好！我可以帮你查订单、解答退换货、配送和支付问题，也可以帮你找商品。有什么可以帮你的？"
            : "Hi! I can help with your orders, returns, shipping and payments, or help you find a product. What can I do for you?"
    }

    var handoff: String {
        zh ? "好的，我这就为你转接人工客服，请稍候。" : "Sure, I'm passing you to a member of our team. Someone will be with you shortly."
    }

    var firstComplaint: String {
        zh
            ? "非常抱歉给你带来了不好的体验。能告诉我具体发生了什么吗？我会尽力帮你解决。"
            : "I'm really sorry about that. Could you tell me what happened? I'll do my best to put it right."
    }

    var repeatedComplaint: String {
        zh
            ? "很抱歉问题还没有解决，我为你转接人工客服，他们会跟进处理。"
            : "I'm sorry this still isn't resolved. I'm passing you to a member of our team, who will follow it up."
    }

    var signIn: String {
        zh ? "为了保护你的隐私，请先登录，我才能查看你的订单。" : "Please sign in first, so I can look up your orders safely."
    }

    var noOrders: String {
        zh ? "你的账户里还没有订单。" : "I don't see any orders on your account yet."
    }

    func unknownOrder(_ id: String) -> String {
        zh
            ? "你的账户里没有找到订单 \(id)，请核对一下订单号。"
            : "I couldn't find an order \(id) on your account. Could you check the number?"
    }

    func order(_ order: Order) -> String {
        let id = order.id.rawValue
        var text: String
        switch order.status {
        case .placed: text = zh ? "订单 \(id) 已提交，正在等待付款确认。" : "Order \(id) has been placed and is waiting for payment."
        case .paid: text = zh ? "订单 \(id) 已付款，正在准备发货。" : "Order \(id) is paid and being prepared for shipping."
        case .shipped: text = zh ? "订单 \(id) 已发货。" : "Order \(id) has shipped."
        case .delivered: text = zh ? "订单 \(id) 已送达。" : "Order \(id) has been delivered."
        case .cancelled: text = zh ? "订单 \(id) 已取消。" : "Order \(id) was cancelled."
        case .returned: text = zh ? "订单 \(id) 已退货。" : "Order \(id) has been returned."
        }
        if let carrier = order.carrier, let tracking = order.trackingNumber {
            text += zh ? "承运商：\(carrier)，运单号：\(tracking)。" : " Carrier: \(carrier), tracking number \(tracking)."
        } else if let carrier = order.carrier {
            text += zh ? "承运商：\(carrier)。" : " Carrier: \(carrier)."
        } else if let tracking = order.trackingNumber {
            text += zh ? "运单号：\(tracking)。" : " Tracking number \(tracking)."
        }
        if let eta = order.eta, order.status == .shipped || order.status == .paid || order.status == .placed {
            text += zh ? "预计送达：\(Self.date(eta))。" : " Expected delivery: \(Self.date(eta))."
        }
        return text
    }

    var notSure: String {
        zh
            ? "抱歉，这个问题我不太确定，不想给你错误的答案。需要为你转接人工客服吗？"
            : "Sorry, I'm not sure about that one and I'd rather not guess. Would you like me to connect you with a member of our team?"
    }

    func searchResults(_ query: String) -> String {
        zh ? "为你找到这些与“\(query)”相关的商品：" : "Here are some products matching \"\(query)\":"
    }

    func noResults(_ query: String) -> String {
        zh
            ? "没有找到与“\(query)”相关的商品，换个说法试试？"
            : "I couldn't find products matching \"\(query)\". Could you describe it differently?"
    }

    var recommendations: String { zh ? "根据你的喜好，为你推荐：" : "Here are some picks for you:" }

    var noRecommendations: String {
        zh ? "暂时没有可以推荐的商品。" : "I don't have recommendations to show right now."
    }

    var whichProduct: String {
        zh ? "你问的是哪件商品？打开商品页面或告诉我商品名称吧。" : "Which product do you mean? Open its page, or tell me its name."
    }

    func productFacts(_ title: String, _ facts: [String]) -> String {
        zh
            ? "关于「\(title)」：" + facts.joined(separator: "；") + "。"
            : "About \(title): " + facts.joined(separator: "; ") + "."
    }

    func productUnknown(_ title: String) -> String {
        zh
            ? "「\(title)」的商品信息里没有提到这一点。需要为你转接人工客服吗？"
            : "The details of \(title) don't say. Would you like me to connect you with a member of our team?"
    }

    func reviewsSay(pros: [String], cons: [String]) -> String {
        var parts: [String] = []
        if !pros.isEmpty {
            parts.append(zh ? "买家好评：" + pros.joined(separator: "、") : "shoppers praise " + pros.joined(separator: ", "))
        }
        if !cons.isEmpty {
            parts.append(zh ? "差评提到：" + cons.joined(separator: "、") : "some mention " + cons.joined(separator: ", "))
        }
        return parts.joined(separator: zh ? "；" : "; ")
    }

    func price(_ value: Double, currency: String?) -> String {
        let amount = String(format: "%.2f", value)
        let text = currency.map { "\(amount) \($0)" } ?? amount
        return zh ? "价格 \(text)" : "price \(text)"
    }

    func stock(_ inStock: Bool) -> String {
        zh ? (inStock ? "有货" : "暂时缺货") : (inStock ? "in stock" : "out of stock right now")
    }

    static func date(_ timestamp: Timestamp) -> String {
        String(timestamp.rfc3339.prefix(10))
    }
}
