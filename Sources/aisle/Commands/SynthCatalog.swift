import AisleCore
import Foundation

/// Product titles for synthetic catalogs (`aisle synth --items-output`), realistic enough for
/// search benchmarks: brand, one or two qualities, a noun, and attributes (colour, size or
/// capacity, a model code or pack), about one in seven in Chinese. The same index always gives
/// the same item (seeded by the index), so catalogs of any size agree on their common items.
enum SynthCatalog {
    struct Product {
        let noun: String
        let category: String
        let sizes: [String]
    }

    static let brands = [
        "Nordkap", "Fjellby", "Aurora", "Stigen", "Lumen", "Kestrel", "Vantage", "Solberg", "Havn", "Tundra",
        "Brisa", "Corvo", "Ember", "Fable", "Granite", "Halcyon", "Juniper", "Kodiak", "Larch", "Meridian",
        "Nimbus", "Oriel", "Pinnacle", "Quill", "Rowan", "Sable", "Tamarack", "Umbra", "Vela", "Willow",
        "Yarrow", "Zephyr", "Northwind", "Tidewater", "Ridgeline", "Solstice", "Alder", "Birchwood", "Cinder",
        "Dunmore",
    ]
    static let qualities = [
        "waterproof", "lightweight", "insulated", "breathable", "wireless", "ergonomic", "quick-dry", "recycled",
        "heavy-duty", "slim-fit", "foldable", "portable", "rechargeable", "organic", "vintage", "classic", "compact",
        "adjustable", "stainless steel", "ceramic", "bamboo", "leather", "merino wool", "cotton", "linen", "fleece",
        "thermal", "anti-slip", "noise-cancelling", "magnetic",
    ]
    static let products = [
        Product(noun: "down jacket", category: "Clothing > Jackets", sizes: ["XS", "S", "M", "L", "XL", "XXL"]),
        Product(noun: "parka", category: "Clothing > Jackets", sizes: ["S", "M", "L", "XL"]),
        Product(noun: "raincoat", category: "Clothing > Jackets", sizes: ["S", "M", "L", "XL"]),
        Product(noun: "hoodie", category: "Clothing > Tops", sizes: ["S", "M", "L", "XL"]),
        Product(noun: "t-shirt", category: "Clothing > Tops", sizes: ["S", "M", "L", "XL"]),
        Product(noun: "jeans", category: "Clothing > Trousers", sizes: ["28", "30", "32", "34", "36"]),
        Product(noun: "shorts", category: "Clothing > Trousers", sizes: ["S", "M", "L"]),
        Product(noun: "dress", category: "Clothing > Dresses", sizes: ["XS", "S", "M", "L"]),
        Product(noun: "skirt", category: "Clothing > Skirts", sizes: ["XS", "S", "M", "L"]),
        Product(noun: "blazer", category: "Clothing > Suits", sizes: ["46", "48", "50", "52"]),
        Product(noun: "socks", category: "Clothing > Socks", sizes: ["2-pack", "3-pack", "5-pack"]),
        Product(noun: "beanie", category: "Accessories > Hats", sizes: ["one size"]),
        Product(noun: "scarf", category: "Accessories > Scarves", sizes: ["one size"]),
        Product(noun: "gloves", category: "Accessories > Gloves", sizes: ["S", "M", "L"]),
        Product(noun: "hiking boots", category: "Shoes > Boots", sizes: ["38", "40", "42", "44", "46"]),
        Product(noun: "sneakers", category: "Shoes > Sneakers", sizes: ["38", "40", "42", "44", "46"]),
        Product(noun: "sandals", category: "Shoes > Sandals", sizes: ["37", "39", "41", "43"]),
        Product(noun: "running shoes", category: "Shoes > Running", sizes: ["38", "40", "42", "44"]),
        Product(noun: "backpack", category: "Bags > Backpacks", sizes: ["20L", "30L", "40L"]),
        Product(noun: "duffel bag", category: "Bags > Travel", sizes: ["40L", "60L", "90L"]),
        Product(noun: "wallet", category: "Bags > Wallets", sizes: ["slim", "bifold"]),
        Product(noun: "water bottle", category: "Outdoor > Bottles", sizes: ["500ml", "750ml", "1L"]),
        Product(noun: "thermos", category: "Outdoor > Bottles", sizes: ["350ml", "500ml", "1L"]),
        Product(noun: "tent", category: "Outdoor > Tents", sizes: ["1-person", "2-person", "4-person"]),
        Product(noun: "sleeping bag", category: "Outdoor > Sleeping", sizes: ["-5C", "0C", "5C"]),
        Product(noun: "trekking poles", category: "Outdoor > Hiking", sizes: ["pair"]),
        Product(noun: "headphones", category: "Electronics > Audio", sizes: ["over-ear", "on-ear"]),
        Product(noun: "earbuds", category: "Electronics > Audio", sizes: ["in-ear"]),
        Product(noun: "bluetooth speaker", category: "Electronics > Audio", sizes: ["10W", "20W", "40W"]),
        Product(noun: "charger", category: "Electronics > Power", sizes: ["20W", "45W", "65W", "100W"]),
        Product(noun: "power bank", category: "Electronics > Power", sizes: ["10000mAh", "20000mAh"]),
        Product(noun: "keyboard", category: "Electronics > Computers", sizes: ["60%", "75%", "full size"]),
        Product(noun: "mouse", category: "Electronics > Computers", sizes: ["wired", "wireless"]),
        Product(noun: "monitor stand", category: "Home > Office", sizes: ["single", "dual"]),
        Product(noun: "desk lamp", category: "Home > Lighting", sizes: ["USB", "mains"]),
        Product(noun: "office chair", category: "Home > Office", sizes: ["standard", "tall"]),
        Product(noun: "yoga mat", category: "Sports > Yoga", sizes: ["4mm", "6mm", "8mm"]),
        Product(noun: "dumbbells", category: "Sports > Weights", sizes: ["2kg", "5kg", "10kg"]),
        Product(noun: "frying pan", category: "Kitchen > Cookware", sizes: ["20cm", "24cm", "28cm"]),
        Product(noun: "coffee grinder", category: "Kitchen > Coffee", sizes: ["manual", "electric"]),
        Product(noun: "kettle", category: "Kitchen > Appliances", sizes: ["1L", "1.7L"]),
        Product(noun: "blender", category: "Kitchen > Appliances", sizes: ["600W", "1000W"]),
        Product(noun: "knife set", category: "Kitchen > Knives", sizes: ["3-piece", "5-piece"]),
        Product(noun: "cutting board", category: "Kitchen > Tools", sizes: ["small", "large"]),
        Product(noun: "towel set", category: "Home > Bath", sizes: ["2-piece", "4-piece"]),
        Product(noun: "pillow", category: "Home > Bedding", sizes: ["50x70", "60x80"]),
        Product(noun: "blanket", category: "Home > Bedding", sizes: ["130x170", "150x200"]),
        Product(noun: "rug", category: "Home > Decor", sizes: ["80x150", "160x230"]),
        Product(noun: "umbrella", category: "Accessories > Umbrellas", sizes: ["compact", "golf"]),
        Product(noun: "sunglasses", category: "Accessories > Eyewear", sizes: ["polarised", "classic"]),
    ]
    static let colours = [
        "black", "navy", "red", "olive", "white", "grey", "sand", "forest green", "burgundy", "sky blue", "charcoal",
        "mustard", "rose", "teal", "orange",
    ]
    static let chineseBrands = ["波司登", "李宁", "安踏", "小米", "华为", "海尔", "美的", "九阳", "七匹狼", "太平鸟"]
    static let chineseQualities = ["轻薄", "加厚", "防水", "保暖", "透气", "无线", "便携", "大容量", "静音", "纯棉", "不锈钢", "防滑"]
    static let chineseProducts = [
        ("羽绒服", "服装 > 羽绒服"), ("冲锋衣", "服装 > 外套"), ("运动鞋", "鞋 > 运动鞋"), ("双肩包", "箱包 > 背包"),
        ("保温杯", "家居 > 水杯"), ("蓝牙耳机", "数码 > 耳机"), ("充电宝", "数码 > 电源"), ("电热水壶", "厨房 > 电器"),
        ("破壁机", "厨房 > 电器"), ("瑜伽垫", "运动 > 瑜伽"), ("床单", "家纺 > 床品"), ("连衣裙", "服装 > 裙装"),
        ("牛仔裤", "服装 > 裤装"), ("手机壳", "数码 > 配件"), ("台灯", "家居 > 灯具"),
    ]
    static let chineseColours = ["黑色", "白色", "红色", "藏青色", "灰色", "卡其色", "粉色"]

    /// Item `index` of the catalog.
    static func item(_ index: Int) -> Item {
        var random = SplitMix64(seed: 0x5EA4_C4A7 &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        let price = Double(5 + Int(random.next() % 49_500) / 100) + 0.99
        if random.next() % 7 == 0 {
            let brand = pick(chineseBrands)
            let (noun, category) = pick(chineseProducts)
            let title =
                "\(brand) \(pick(chineseQualities))\(noun) \(pick(chineseColours)) \(pick(["S", "M", "L", "XL", "均码"]))"
            return Item(
                id: ItemID("i\(index)"),
                title: title,
                categories: [category],
                brand: brand,
                price: price,
                currency: "CNY"
            )
        }
        let brand = pick(brands)
        let product = pick(products)
        let qualities = random.next() % 3 == 0 ? "\(pick(qualities)) \(pick(qualities))" : pick(qualities)
        let model =
            random.next() % 2 == 0
            ? "\(pick(["X", "Pro", "S", "Air", "Max", "Lite"])) \(random.next() % 900 + 100)"
            : pick(["2-pack", "gift box", "2026 edition", "unisex"])
        let colour = pick(colours)
        let title = "\(brand) \(qualities) \(product.noun), \(colour), \(pick(product.sizes)) \(model)"
        return Item(
            id: ItemID("i\(index)"),
            title: title,
            categories: [product.category],
            brand: brand,
            price: price,
            currency: "EUR",
            attributes: ["colour": .string(colour)]
        )
    }
}
