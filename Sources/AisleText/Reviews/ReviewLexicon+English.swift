import AisleCore

extension ReviewLexicon {
    static let english = ReviewLexicon(
        aspects: [
            ("quality", .quality, false), ("build", .quality, false), ("made", .quality, false),
            ("material", .quality, false),
            ("price", .price, false), ("value", .price, false), ("cheap", .price, false), ("expensive", .price, false),
            ("worth", .price, false), ("overpriced", .price, false),
            ("delivery", .delivery, false), ("shipping", .delivery, false), ("shipped", .delivery, false),
            ("arrived", .delivery, false), ("courier", .delivery, false),
            ("size", .size, false), ("fit", .size, false), ("fits", .size, false), ("tight", .size, false),
            ("loose", .size, false),
            ("comfortable", .comfort, false), ("comfort", .comfort, false), ("warm", .comfort, false),
            ("cozy", .comfort, false),
            ("looks", .appearance, false), ("look", .appearance, false), ("color", .appearance, false),
            ("colour", .appearance, false),
            ("beautiful", .appearance, false), ("pretty", .appearance, false), ("style", .appearance, false),
            ("design", .appearance, false),
            ("works", .function, false), ("performance", .function, false), ("battery", .function, false),
            ("sound", .function, false),
            ("durable", .durability, false), ("broke", .durability, false), ("broken", .durability, false),
            ("lasted", .durability, false),
            ("sturdy", .durability, false), ("fell", .durability, false),
            ("packaging", .packaging, false), ("package", .packaging, false), ("box", .packaging, false),
            ("service", .service, false), ("support", .service, false), ("seller", .service, false),
            ("staff", .service, false),
            // Beyond the first list: workmanship, wear, and the people who serve.
            ("workmanship", .quality, false), ("stitching", .quality, false), ("defective", .quality, false),
            ("affordable", .price, false), ("pricey", .price, false), ("bargain", .price, false),
            ("delivered", .delivery, false),
            ("shedding", .durability, false), ("sheds", .durability, false), ("pilling", .durability, false),
            ("ripped", .durability, false), ("torn", .durability, false), ("faded", .durability, false),
            ("waiter", .service, false), ("waitress", .service, false), ("reception", .service, false),
            ("receptionist", .service, false), ("host", .service, false), ("manager", .service, false),
        ],
        sentiment: [
            "good": 0.7, "great": 0.9, "excellent": 1, "love": 0.9, "loved": 0.9, "nice": 0.6, "perfect": 1,
            "happy": 0.7,
            "comfortable": 0.7, "warm": 0.5, "beautiful": 0.8, "fast": 0.5, "quick": 0.5, "cheap": 0.2,
            "worth": 0.6, "sturdy": 0.7, "durable": 0.7, "recommend": 0.7, "works": 0.5, "awesome": 0.9, "fine": 0.3,
            "lovely": 0.8,
            "bad": -0.7, "terrible": -1, "awful": -1, "poor": -0.8, "slow": -0.6, "late": -0.6, "broke": -0.8,
            "broken": -0.8, "disappointed": -0.9, "disappointing": -0.9, "expensive": -0.4, "overpriced": -0.7,
            "tight": -0.4, "loose": -0.3, "ugly": -0.8, "worst": -1, "waste": -0.9, "rude": -0.8, "return": -0.4,
            "cold": -0.3, "damaged": -0.8, "flimsy": -0.7, "useless": -0.9, "hate": -0.9, "perfectly": 0.9,
            "well": 0.4, "okay": 0.2, "ok": 0.2, "refund": -0.5, "fake": -0.8, "horrible": -1, "amazing": 0.9,
            "👍": 0.7, "❤": 0.8, "❤️": 0.8, "😍": 0.9, "😊": 0.6, "😡": -0.9, "👎": -0.7, "😞": -0.6, "😭": -0.6,
            // Verdicts and feelings, in any domain.
            "best": 0.8, "superb": 0.9, "fantastic": 0.9, "wonderful": 0.9, "outstanding": 0.9, "brilliant": 0.8,
            "flawless": 0.9, "gorgeous": 0.9, "cute": 0.6, "pleasant": 0.6, "decent": 0.4, "solid": 0.5,
            "reliable": 0.6, "satisfied": 0.7, "pleased": 0.7, "glad": 0.6, "impressed": 0.7, "enjoyed": 0.7,
            "enjoy": 0.6, "recommended": 0.7, "easy": 0.5, "smooth": 0.5, "affordable": 0.5, "bargain": 0.6,
            "worthless": -0.9, "mediocre": -0.5, "disappointment": -0.8, "regret": -0.7, "avoid": -0.7,
            "unfortunately": -0.5, "problem": -0.4, "problems": -0.4, "issue": -0.3, "issues": -0.3,
            "unhappy": -0.7, "unacceptable": -0.9, "poorly": -0.7, "badly": -0.7, "nasty": -0.8, "gross": -0.8,
            "disgusting": -1, "annoying": -0.7, "frustrating": -0.8, "difficult": -0.4, "pricey": -0.4,
            "junk": -0.9, "crap": -0.9, "garbage": -0.9, "sucks": -0.8, "wrong": -0.6, "missing": -0.6,
            // Workmanship and wear.
            "defective": -0.8, "faulty": -0.8, "cheaply": -0.6, "ripped": -0.7, "torn": -0.7, "tore": -0.7,
            "peeling": -0.6, "shedding": -0.6, "sheds": -0.6, "pilling": -0.6, "faded": -0.5, "shrank": -0.6,
            "leaked": -0.7, "leaks": -0.7, "leaking": -0.7, "stained": -0.6, "smelly": -0.7, "uncomfortable": -0.7,
            // Service: shops, hotels, restaurants.
            "friendly": 0.7, "helpful": 0.7, "polite": 0.6, "courteous": 0.7, "attentive": 0.7, "responsive": 0.6,
            "professional": 0.5, "prompt": 0.6, "unhelpful": -0.7, "ignored": -0.7, "unprofessional": -0.8,
            "incompetent": -0.9, "delayed": -0.6,
            // Food and rooms.
            "delicious": 0.9, "tasty": 0.8, "fresh": 0.5, "clean": 0.6, "spotless": 0.8, "quiet": 0.5,
            "spacious": 0.6, "cozy": 0.6, "comfy": 0.7, "convenient": 0.6, "stale": -0.7, "bland": -0.6,
            "greasy": -0.6, "overcooked": -0.6, "undercooked": -0.7, "dirty": -0.8, "filthy": -0.9, "noisy": -0.6,
            "cramped": -0.6,
        ],
        intensifiers: [
            "very": 1.4, "extremely": 1.7, "really": 1.3, "so": 1.3, "super": 1.5, "incredibly": 1.6, "too": 1.4,
            "quite": 1.1, "pretty": 1.1, "totally": 1.5, "absolutely": 1.6, "slightly": 0.6, "somewhat": 0.7,
            "bit": 0.6, "way": 1.3, "highly": 1.5, "little": 0.6, "truly": 1.3,
        ],
        negations: [
            "not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "won't", "can't", "cannot", "hardly",
            "nothing", "nor", "neither", "without", "none", "nobody",
        ],
        contrasts: ["but", "however", "although", "though", "yet"]
    )
}
