import AisleCore
import AisleText
import Testing

/// Language detection: English and Chinese are read, everything else is `und`; English with a
/// few accented letters, short English, and Chinese with Latin brand names stay what they are.
@Suite struct TextLanguageDetectionTests {
    @Test(
        "other languages are und",
        arguments: [
            "Très bien, je recommande.", "Le produit est arrivé cassé.", "C'est nul, ne l'achetez pas.", "Déçu.",
            "Sehr gut!", "Die Qualität ist leider nicht gut.", "Muy bueno.", "El producto llegó roto y tarde.",
            "Prodotto ottimo, molto soddisfatto.", "Produto muito bom, recomendo.", "Het is niet goed.",
            "とても良い商品です。", "品質が良いです", "Отличный товар", "배송이 빨라요", "منتج ممتاز",
        ]
    )
    func otherLanguages(text: String) {
        #expect(TextLanguage.detect(text) == .und)
    }

    @Test(
        "English stays English: short, with accents, with a foreign word or two",
        arguments: [
            "Not bad.", "ok", "OK!", "Great", "Love it", "Meh.", "Fine", "The café was great.",
            "Naïve design, but it works well.", "Nice jalapeño flavour, very fresh.", "Good value, très chic.",
            "My fiancée loves it.", "It's a déjà vu of the old model, but better.", "No", "👍", "",
        ]
    )
    func english(text: String) {
        #expect(TextLanguage.detect(text) == .en)
    }

    @Test(
        "Chinese stays Chinese with Latin brand names and model numbers",
        arguments: [
            "Apple的iPhone质量很好", "买了Nike Air Zoom Pegasus跑鞋", "华为Mate60 Pro不错", "这个USB-C充电线很好用",
            "在JD买的，物流很快", "无印良品の衣服质量很好", "Nice, 很好很好",
        ]
    )
    func chinese(text: String) {
        #expect(TextLanguage.detect(text) == .zh)
    }
}
