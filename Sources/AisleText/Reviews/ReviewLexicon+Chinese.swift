import AisleCore

extension ReviewLexicon {
    static let chinese = ReviewLexicon(
        aspects: [
            ("质量", .quality, false), ("品质", .quality, false), ("做工", .quality, false), ("质感", .quality, false),
            ("价格", .price, false), ("价钱", .price, false), ("性价比", .price, false), ("便宜", .price, false),
            ("贵", .price, false), ("划算", .price, false), ("实惠", .price, false),
            ("发货", .delivery, false), ("物流", .delivery, false), ("快递", .delivery, false), ("送货", .delivery, false),
            ("配送", .delivery, false), ("到货", .delivery, false),
            ("尺码", .size, false), ("尺寸", .size, false), ("大小", .size, false), ("合身", .size, false),
            ("偏大", .size, false), ("偏小", .size, false),
            ("舒服", .comfort, false), ("舒适", .comfort, false), ("保暖", .comfort, false), ("暖和", .comfort, false),
            ("好看", .appearance, false), ("漂亮", .appearance, false), ("颜色", .appearance, false),
            ("外观", .appearance, false),
            ("款式", .appearance, false), ("样子", .appearance, false),
            ("功能", .function, false), ("性能", .function, false), ("效果", .function, true), ("速度", .function, true),
            ("电池", .function, false), ("音质", .function, false),
            ("耐用", .durability, false), ("结实", .durability, false), ("坏了", .durability, false),
            ("开线", .durability, false),
            ("包装", .packaging, false), ("盒子", .packaging, false),
            ("客服", .service, false), ("服务", .service, false), ("态度", .service, false), ("售后", .service, false),
            ("卖家", .service, false),
            // Beyond the first list: workmanship, wear, and the people who serve (shops, hotels,
            // restaurants), so that a clause about them lands on an aspect.
            ("精细", .quality, false), ("粗糙", .quality, false), ("劣质", .quality, false), ("瑕疵", .quality, false),
            ("用料", .quality, false), ("材质", .quality, false),
            ("物超所值", .price, false), ("超值", .price, false), ("价位", .price, false),
            ("送达", .delivery, false), ("快递员", .delivery, false),
            ("美观", .appearance, false),
            ("掉毛", .durability, false), ("起球", .durability, false), ("褪色", .durability, false),
            ("掉色", .durability, false), ("缩水", .durability, false), ("开胶", .durability, false),
            ("脱线", .durability, false), ("变形", .durability, false), ("牢固", .durability, false),
            ("服务员", .service, false), ("前台", .service, false), ("店家", .service, false), ("商家", .service, false),
            ("回复", .service, false), ("不回复", .service, false),
        ],
        sentiment: [
            "好": 0.8, "不错": 0.7, "满意": 0.8, "喜欢": 0.8, "舒服": 0.7, "舒适": 0.7, "漂亮": 0.8, "好看": 0.8,
            "保暖": 0.5, "暖和": 0.6, "值": 0.6, "划算": 0.7, "实惠": 0.6, "推荐": 0.7, "快": 0.5, "结实": 0.6,
            "耐用": 0.7, "合身": 0.7, "便宜": 0.4, "完美": 1, "棒": 0.9, "赞": 0.8, "精致": 0.7, "热情": 0.6,
            "差": -0.8, "慢": -0.6, "失望": -0.9, "坏": -0.8, "坏了": -0.8, "贵": -0.5, "垃圾": -1, "退货": -0.7,
            "问题": -0.4, "难看": -0.8, "偏大": -0.4, "偏小": -0.4, "开线": -0.7, "破": -0.7, "假": -0.8, "不值": -0.7,
            "糟糕": -0.9, "后悔": -0.8, "一般": -0.2, "冷": -0.4, "臭": -0.8, "恶劣": -0.9, "还行": 0.3,
            "👍": 0.7, "❤": 0.8, "❤️": 0.8, "😍": 0.9, "😊": 0.6, "😡": -0.9, "👎": -0.7, "😞": -0.6, "😭": -0.6,
            // Workmanship and wear (clothes, shoes, electronics).
            "精细": 0.7, "精美": 0.8, "细致": 0.6, "做工好": 0.8, "好用": 0.8, "实用": 0.6, "正品": 0.6, "流畅": 0.6,
            "清晰": 0.6, "稳定": 0.5, "柔软": 0.5, "牢固": 0.6, "美观": 0.7, "大方": 0.5, "合适": 0.6, "好闻": 0.6,
            "粗糙": -0.7, "劣质": -0.9, "次品": -0.8, "瑕疵": -0.6, "掉毛": -0.6, "起球": -0.6, "褪色": -0.6,
            "掉色": -0.6, "缩水": -0.6, "开胶": -0.7, "脱线": -0.6, "变形": -0.5, "破损": -0.7, "异味": -0.6,
            "刺鼻": -0.7, "难闻": -0.7, "难用": -0.7, "卡顿": -0.6, "死机": -0.8, "闪退": -0.7, "发烫": -0.5,
            "漏水": -0.7, "不符": -0.6, "毛病": -0.6, "严重": -0.6, "山寨": -0.8,
            // Service: shops, hotels, restaurants.
            "周到": 0.7, "耐心": 0.6, "贴心": 0.7, "友好": 0.6, "友善": 0.6, "礼貌": 0.5, "专业": 0.5, "负责": 0.5,
            "及时": 0.5, "迅速": 0.6, "快捷": 0.6, "准时": 0.5, "靠谱": 0.7, "给力": 0.8, "放心": 0.6,
            "冷漠": -0.7, "敷衍": -0.7, "不理": -0.7, "不回复": -0.7, "爱理不理": -0.8, "没人理": -0.7, "推脱": -0.6, "拖延": -0.6,
            "延误": -0.6, "晚点": -0.5, "丢件": -0.8, "发错": -0.6, "漏发": -0.6, "欺骗": -0.9, "骗": -0.8,
            "上当": -0.8, "坑": -0.6, "投诉": -0.8, "差评": -0.9, "差劲": -0.9, "麻烦": -0.5,
            // Food and fruit.
            "好吃": 0.8, "美味": 0.8, "可口": 0.7, "新鲜": 0.6, "甜": 0.3, "难吃": -0.8, "腐烂": -0.9,
            "烂": -0.7, "变质": -0.9, "过期": -0.8, "发霉": -0.7, "腥": -0.5,
            // Rooms and travel.
            "干净": 0.7, "整洁": 0.7, "卫生": 0.5, "安静": 0.6, "宽敞": 0.6, "方便": 0.6, "便利": 0.5, "温馨": 0.7,
            "豪华": 0.5, "齐全": 0.5, "优美": 0.6, "脏": -0.7, "吵": -0.6, "吵闹": -0.6, "噪音": -0.5, "陈旧": -0.6,
            "破旧": -0.7, "简陋": -0.6, "潮湿": -0.5, "狭小": -0.5, "拥挤": -0.5,
            // Verdicts and feelings, in any domain.
            "好评": 0.8, "五星": 0.7, "满分": 0.9, "惊喜": 0.7, "物超所值": 0.9, "超值": 0.8, "值得": 0.7,
            "优惠": 0.5, "开心": 0.7, "高兴": 0.7, "愉快": 0.7, "舒心": 0.6, "优秀": 0.8, "优质": 0.7, "一流": 0.8,
            "厉害": 0.6, "喜爱": 0.8, "爽": 0.6, "顺利": 0.5, "无语": -0.7, "郁闷": -0.6, "生气": -0.7,
            "气愤": -0.8, "恶心": -0.9, "遗憾": -0.6, "可惜": -0.5, "不满": -0.7, "不如": -0.4, "退款": -0.5,
            "难受": -0.6, "失败": -0.7, "不爽": -0.6, "正好": 0.5, "刚好": 0.5,
        ],
        intensifiers: [
            "非常": 1.6, "特别": 1.5, "十分": 1.5, "太": 1.7, "超": 1.5, "超级": 1.6, "很": 1.3, "挺": 1.1,
            "真": 1.3, "极": 1.7, "比较": 0.8, "有点": 0.6, "有些": 0.6, "稍微": 0.6, "还": 0.9, "也": 1,
            "蛮": 1.1, "相当": 1.4, "极其": 1.7, "格外": 1.4, "更": 1.2, "最": 1.5, "略": 0.6, "稍": 0.6, "较": 0.8,
            "还算": 0.8, "真心": 1.3, "实在": 1.3, "巨": 1.6, "贼": 1.5,
        ],
        negations: [
            "不", "没", "没有", "别", "不太", "不是", "并不", "从不", "毫不", "不怎么", "不够", "绝不", "从没", "没什么",
            "毫无", "一点也不", "一点都不",
        ],
        contrasts: ["但是", "可是", "不过", "但", "却", "然而"],
        // Words that hold a sentiment character without its sense: 出差 (a business trip) is not
        // 差 (poor), 卫生间 (a bathroom) not 卫生 (clean), 假期 (a holiday) not 假 (fake).
        blockers: [
            "出差", "差旅", "差价", "时差", "相差", "差不多", "差点", "卫生间", "卫生纸", "香港", "无线", "便利店",
            "不同", "好像", "只好", "值班", "冷气", "冷水", "假期", "假日", "放假", "暑假", "寒假", "度假", "请假",
            "贵宾", "贵州", "宝贵", "好几", "不知道",
        ]
    )
}
