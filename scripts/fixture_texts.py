"""The texts both encoder fixtures are made of (scripts/encoder_reference.py for MiniLM,
scripts/e5_reference.py for multilingual-e5-small): English and Chinese reviews, movie titles,
queries with typos, emoji, odd and empty-ish strings, and long texts."""
import csv
import gzip
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")


def every(rows, count):
    step = max(1, len(rows) // count)
    return rows[::step][:count]


def english_sentences():
    with open(os.path.join(DATA, "reviews-en", "sentences.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return [r[0] for r in every([r for r in rows if r and r[0].strip()], 70)]


def chinese_reviews():
    with gzip.open(os.path.join(DATA, "reviews-zh", "online_shopping_10_cats.csv.gz"), "rt", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f)][1:]
    return [r[2] for r in every([r for r in rows if len(r) > 2 and r[2].strip()], 80)]


def movie_titles():
    with open(os.path.join(DATA, "ml-100k", "ml-100k.item"), encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        column = next(i for i, name in enumerate(header) if name.startswith("movie_title"))
        rows = [line.rstrip("\n").split("\t")[column] for line in f]
    return every(rows, 60)


QUERIES = [
    "wireless headphnoes", "runing shoes men", "blutooth speaker waterprof", "winter jaket women",
    "iphnoe case", "laptp backpack", "coffe maker", "kids lego sets", "organic green tee",
    "nike air max 270", "usb-c charger 65w", "4k tv 55 inch", "yoga mat non slip", "leather wallet mens",
    "down jacket -20c", "baby stroller lightweight", "gaming mouse rgb", "mechanical keybaord",
    "sunscreen spf50+", "vitamin d3 1000iu", "cheap flights?", "best budget phone 2026",
    "how to clean suede boots", "gift for dad who has everything", "red dress size m",
    "rain boots toddler", "stainless steel water bottle 1l", "noise cancelling earbuds",
    "women's running shorts", "don't want plastic", "O'Neill wetsuit", "e-reader vs tablet",
    "airpods pro 2nd gen", "手机壳 iphone 15", "羽绒服 女 长款", "降噪耳机", "蓝牙音箱 防水",
    "跑步鞋男", "ps5 手柄", "cafe au lait mug",
]

EMOJI = [
    "Love it 😍😍😍", "👍 great value", "🔥🔥 hot deal", "Terrible 😡 never again", "🎁 for my mom ❤️",
    "😀", "🙂🙃", "Fast shipping 🚚💨", "质量很好👍", "物流太慢了😤", "5⭐️", "★★★★☆ pretty good",
    "🇺🇸 flag shirt", "👩‍👩‍👧 family pack", "skin tone 👍🏽", "☕️ + 🍪 = 😊", "♥ heart", "✓ checked",
    "→ next ←", "©2026 brand™",
]

ODD = [
    "", " ", "\n", "\t\t", "...", "?", "!!!", "-", "a", "A", "\u0000", "\ufffd", "\u200b",
    "\u00ad", "e\u0301", "café naïve résumé", "CAFÉ", "Straße", "ΣΊΣΥΦΟΣ ΟΔΟΣ", "İstanbul",
    "Ångström", "東京タワー", "서울 특별시", "مرحبا بالعالم", "Привет, мир!", "שלום", "ไทย",
    "https://example.com/p?id=42&ref=home", "user@example.com", "C++ / C# / .NET", "3.14159",
    "1,000,000", "#hashtag @mention", "<b>bold</b>", "tab\tseparated\tvalues", "line\r\nbreak",
    "ALL CAPS SHOUTING", "MiXeD CaSe", "supercalifragilisticexpialidocious",
    "a" * 120, "x" + "y" * 99, "un-believ-able", "state-of-the-art", "naïve café crème brûlée",
    "ｆｕｌｌｗｉｄｔｈ", "①②③", "½ price", "𠀀𠀁 rare ideographs", "𝐁𝐨𝐥𝐝 math", "\u3000ideographic space",
]


def long_texts(english, chinese):
    texts = []
    for start in range(0, 10):
        texts.append(" ".join(english[start:start + 30]))
    for start in range(0, 5):
        texts.append("".join(chinese[start:start + 25]))
    return texts
