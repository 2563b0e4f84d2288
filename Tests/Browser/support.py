"""Shared parts of the browser tests: the real `aisle serve` on a loopback port with a small
bilingual shop loaded through its API, headless Chromium (Debian's chromium-headless-shell)
driven by Playwright, and an accessibility check of our own (axe-core is not available
offline)."""

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

ADMIN_KEY = "browser-admin-key-000000"
INGEST_KEY = "browser-ingest-key-00000"
CHROMIUM = os.environ.get("AISLE_CHROMIUM", "/usr/bin/chromium-headless-shell")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


class Server:
    """`aisle serve` in a fresh data folder; `stop()` ends it and removes the folder."""

    def __init__(self, binary, extra_args=(), environment=None):
        self.folder = tempfile.mkdtemp(prefix="aisle-browser-")
        env = dict(os.environ)
        env.update({
            "AISLE_ADMIN_KEY": ADMIN_KEY, "AISLE_INGEST_KEY": INGEST_KEY,
            # No text encoders: lexical search reads Chinese and typos on its own, and loading
            # the models costs seconds in a debug build.
            "AISLE_MODEL_DIR": "none", "AISLE_MULTILINGUAL_MODEL": "none",
        })
        env.update(environment or {})
        self.process = subprocess.Popen(
            [binary, "serve", "--data", self.folder, "--host", "127.0.0.1", "--port", "0", "--log-level", "warning",
             *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        self.lines = []
        ready = threading.Event()
        port = {}

        def read():
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
                if found:
                    port["value"] = int(found.group(1))
                if "aisle: ready" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(120) or "value" not in port:
            self.stop()
            raise RuntimeError("aisle serve did not start:\n" + "\n".join(self.lines))
        self.base = f"http://127.0.0.1:{port['value']}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def call(self, method, path, body=None, key=ADMIN_KEY, headers=None, raw=None, content_type="application/json"):
        """(status, decoded JSON or None, response headers)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if key:
            request.add_header("Authorization", "Bearer " + key)
        if data is not None:
            request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read()
                json_answer = "json" in (response.headers.get("Content-Type") or "")
                return response.status, (json.loads(text) if text and json_answer else text or None), dict(response.headers)
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                decoded = json.loads(text) if text else None
            except ValueError:
                decoded = text.decode(errors="replace")
            return error.code, decoded, dict(error.headers)

    def expect(self, method, path, body=None, status=200, **options):
        got, answer, _ = self.call(method, path, body, **options)
        if got != status:
            raise AssertionError(f"{method} {path}: expected {status}, got {got}: {answer}")
        return answer


def png(width, height, colour):
    """A PNG of a vertical gradient from `colour` to white, made byte by byte."""
    rows = []
    for y in range(height):
        t = y / max(height - 1, 1)
        pixel = bytes(int(c + (255 - c) * t) for c in colour)
        rows.append(b"\x00" + pixel * width)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + chunk(b"IEND", b""))


# A small bilingual shop: ids, titles, categories, prices, brands.
ITEMS = [
    ("down-jacket", "轻薄羽绒服", "Clothing > Jackets", 159, "CNY", "北风"),
    ("rain-jacket", "Waterproof rain jacket", "Clothing > Jackets", 89, "EUR", "Nordwand"),
    ("wool-scarf", "Merino wool scarf", "Clothing > Accessories", 35, "EUR", "Nordwand"),
    ("gloves", "Touchscreen winter gloves", "Clothing > Accessories", 25, "EUR", "Nordwand"),
    ("beanie", "Knitted beanie", "Clothing > Accessories", 19, "EUR", "Nordwand"),
    ("tshirt", "纯棉短袖T恤", "Clothing > Tops", 49, "CNY", "棉里"),
    ("hoodie", "Organic cotton hoodie", "Clothing > Tops", 59, "EUR", "Field"),
    ("headphones", "Wireless headphones", "Electronics > Audio", 79, "EUR", "Sono"),
    ("earbuds", "蓝牙降噪耳机", "Electronics > Audio", 399, "CNY", "声悦"),
    ("speaker", "Portable bluetooth speaker", "Electronics > Audio", 49, "EUR", "Sono"),
    ("charger", "USB-C fast charger", "Electronics > Accessories", 29, "EUR", "Volt"),
    ("cable", "Braided USB-C cable", "Electronics > Accessories", 12, "EUR", "Volt"),
    ("power-bank", "移动电源 20000mAh", "Electronics > Accessories", 129, "CNY", "Volt"),
    ("thermos", "不锈钢保温杯", "Home > Kitchen", 89, "CNY", "暖家"),
    ("kettle", "Electric kettle", "Home > Kitchen", 39, "EUR", "Kettle&Co"),
    ("mug", "Stoneware mug", "Home > Kitchen", 14, "EUR", "Kettle&Co"),
    ("tea", "Sencha green tea", "Home > Pantry", 9, "EUR", "Leaf"),
    ("blanket", "Fleece throw blanket", "Home > Living", 45, "EUR", "Field"),
    ("lamp", "LED desk lamp", "Home > Living", 33, "EUR", "Volt"),
    ("backpack", "城市通勤双肩包", "Bags", 199, "CNY", "北风"),
]

# Shoppers and what they did: (user, [(event type, item)]). Jackets go with scarves and
# gloves, audio with chargers, kettles with mugs and tea: the similar and bought-together lists
# have something to find.
HISTORIES = {
    "u-1": [("view", "down-jacket"), ("view", "wool-scarf"), ("purchase", "down-jacket"), ("purchase", "wool-scarf")],
    "u-2": [("view", "rain-jacket"), ("view", "gloves"), ("purchase", "rain-jacket"), ("purchase", "gloves")],
    "u-3": [("view", "down-jacket"), ("view", "gloves"), ("view", "beanie"), ("purchase", "beanie")],
    "u-4": [("view", "headphones"), ("view", "charger"), ("purchase", "headphones"), ("purchase", "charger")],
    "u-5": [("view", "earbuds"), ("view", "cable"), ("purchase", "earbuds"), ("purchase", "cable")],
    "u-6": [("view", "speaker"), ("view", "power-bank"), ("view", "charger"), ("purchase", "speaker")],
    "u-7": [("view", "kettle"), ("view", "mug"), ("purchase", "kettle"), ("purchase", "mug")],
    "u-8": [("view", "tea"), ("view", "mug"), ("view", "thermos"), ("purchase", "tea")],
    "u-9": [("view", "blanket"), ("view", "lamp"), ("purchase", "blanket")],
    "u-10": [("view", "tshirt"), ("view", "hoodie"), ("purchase", "tshirt"), ("purchase", "hoodie")],
    "u-11": [("view", "down-jacket"), ("view", "rain-jacket"), ("view", "wool-scarf"), ("purchase", "gloves")],
    "u-12": [("view", "headphones"), ("view", "earbuds"), ("view", "speaker"), ("purchase", "cable")],
    "u-13": [("view", "backpack"), ("view", "power-bank"), ("purchase", "backpack")],
    "u-14": [("view", "kettle"), ("view", "tea"), ("purchase", "thermos")],
}

REVIEWS = [
    ("down-jacket", "u-1", 5, "Very warm and light, great quality for the price."),
    ("down-jacket", "u-3", 4, "保暖效果很好，做工也不错，就是发货有点慢。"),
    ("down-jacket", "u-11", 2, "质量太差了，穿了一周就开线，客服态度也不好。"),
    ("down-jacket", "u-2", 5, "轻薄又保暖，性价比很高，推荐购买！"),
    ("headphones", "u-4", 5, "Superb sound and the battery lasts all week."),
    ("headphones", "u-12", 3, "Sound is fine but they hurt my ears after an hour."),
]


def seed(server):
    """Loads the shop through the API and trains the models."""
    rows = [{"id": id_, "title": title, "categories": [category], "price": price, "currency": currency,
             "brand": brand, "description": f"{title}: a product of the Aisle demo shop."}
            for id_, title, category, price, currency, brand in ITEMS]
    answer = server.expect("POST", "/v1/items:batch", {"items": rows})
    assert answer["upserted"] == len(ITEMS), answer
    events = []
    base = int(time.time() * 1000) - 3_600_000
    for index, (user, actions) in enumerate(HISTORIES.items()):
        for step, (kind, item) in enumerate(actions):
            events.append({"type": kind, "user_id": user, "item_id": item,
                           "timestamp": base + index * 60_000 + step * 5_000, "device": {"platform": "web"}})
    answer = server.expect("POST", "/v1/events", {"events": events}, key=INGEST_KEY)
    assert answer["accepted"] == len(events), answer
    for item, user, rating, text in REVIEWS:
        server.expect("POST", f"/v1/items/{item}/reviews", {"user_id": user, "rating": rating, "text": text},
                      key=INGEST_KEY)
    # Photos for a few items (the others show placeholders).
    for item, colour in [("down-jacket", (20, 60, 140)), ("headphones", (30, 30, 30)), ("rain-jacket", (200, 120, 0))]:
        server.expect("PUT", f"/v1/items/{item}/image", raw=png(800, 800, colour), content_type="image/png")
    # An experiment with exposures and conversions after them, for the dashboard's intervals.
    server.expect("PUT", "/v1/experiments/checkout-copy", {
        "variants": [{"id": "control", "weight": 1}, {"id": "urgent", "weight": 1}], "metric": "purchase",
        "status": "running"})
    later = []
    for index in range(40):
        user = f"x-{index}"
        server.expect("GET", f"/v1/experiments/checkout-copy/assignment?user_id={user}", key=INGEST_KEY)
        if index % 3 == 0:
            later.append({"type": "purchase", "user_id": user, "item_id": "mug"})
    server.expect("POST", "/v1/events", {"events": later}, key=INGEST_KEY)
    # A bandit that has chosen and been rewarded.
    server.expect("PUT", "/v1/bandits/home-hero", {"arms": [{"id": "spring"}, {"id": "sale"}], "reward": "click"})
    for index in range(12):
        user = f"b-{index}"
        choice = server.expect("GET", f"/v1/bandits/home-hero/choice?user_id={user}", key=INGEST_KEY)
        server.expect("POST", "/v1/bandits/home-hero/rewards",
                      {"user_id": user, "arm": choice["arm"], "reward": 1 if index % 2 else 0}, key=INGEST_KEY)
    # The assistant's FAQs, a twin in each language.
    server.expect("PUT", "/v1/assistant/faqs", {"faqs": [
        {"id": "returns", "question": "How many days do I have to return an item?",
         "answer": "You can return items within 30 days of delivery.", "language": "en"},
        {"id": "returns-zh", "question": "多少天内可以退货？", "answer": "签收后30天内可以退货。", "language": "zh"},
    ]})
    server.expect("POST", "/v1/models:train")


def horizontal_overflow(page):
    """How many CSS pixels the page is wider than its viewport (0 when it does not scroll)."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - innerWidth")


# The accessibility check: names for images, controls and links; one main landmark; the page's
# language; text contrast (WCAG AA: 4.5:1, 3:1 for large text) against the colour behind it.
A11Y_SCRIPT = r"""
() => {
  const problems = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
  const nameOf = (el) => {
    const labelled = el.getAttribute("aria-labelledby");
    if (labelled) return labelled.split(" ").map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) return label.textContent.trim();
    }
    const wrapping = el.closest("label");
    if (wrapping) return wrapping.textContent.trim();
    if (el.tagName === "IMG") return (el.getAttribute("alt") || "").trim();
    return (el.textContent || "").trim() || (el.getAttribute("title") || "").trim();
  };
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (document.querySelectorAll("main, [role=main]").length !== 1) problems.push("not exactly one main landmark");
  if (!document.title.trim()) problems.push("the page has no title");
  for (const el of document.querySelectorAll("img")) {
    if (!el.hasAttribute("alt")) problems.push("image without alt: " + (el.getAttribute("src") || ""));
  }
  for (const el of document.querySelectorAll("[role=img]")) {
    if (!nameOf(el)) problems.push("role=img without a name: " + describe(el));
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!nameOf(el)) problems.push("control without a label: " + describe(el));
  }
  for (const el of document.querySelectorAll("button, a[href], [role=button], [role=option]")) {
    if (visible(el) && !nameOf(el)) problems.push("control without a name: " + describe(el));
  }
  for (const el of document.querySelectorAll("svg[role=img]")) {
    if (!nameOf(el)) problems.push("svg image without a name");
  }
  const parse = (colour) => {
    const match = colour.match(/rgba?\(([^)]+)\)/);
    if (!match) return null;
    const parts = match[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0.5) return colour;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor) ||
      (matchMedia("(prefers-color-scheme: dark)").matches ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 });
  };
  const luminance = ({ r, g, b }) => {
    const channel = (value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const el = text.parentElement;
    if (!el || seen.has(el) || !text.textContent.trim() || !visible(el)) continue;
    if (el.closest(".visually-hidden, .skip, [role=img], [hidden]")) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) continue;
    const bg = background(el);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    checked += 1;
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)} for "${text.textContent.trim().slice(0, 30)}" (${describe(el)})`);
    }
  }
  return { problems, checked };
}
"""


def accessibility(page):
    """Problems the check found (an empty list when none) and how many text elements it read."""
    result = page.evaluate(A11Y_SCRIPT)
    return result["problems"], result["checked"]
