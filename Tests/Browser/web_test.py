"""Browser tests of the storefront and dashboard (docs/WEB.md), in real headless Chromium at a
phone's viewport, against the real `aisle serve`. Run by scripts/browser-tests.sh (make test):

    python Tests/Browser/web_test.py --binary .build/debug/aisle --screenshots .build/web-screenshots

Each check prints one line; the first failure stops the run with exit status 1.
"""

import argparse
import json
import os
import sys
import time
import traceback
import urllib.request

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402
from support import INGEST_KEY, PHONE, Server  # noqa: E402


class Run:
    def __init__(self, screenshots):
        self.screenshots = screenshots
        self.passed = 0
        self.figures = {}

    def check(self, name, function, *arguments):
        started = time.monotonic()
        function(*arguments)
        self.passed += 1
        print(f"ok {self.passed} - {name} ({time.monotonic() - started:.1f} s)", flush=True)

    def shot(self, page, name):
        if self.screenshots:
            page.screenshot(path=os.path.join(self.screenshots, name + ".png"), full_page=False)


def watch_console(page):
    """Console errors and uncaught exceptions of `page`, as a list that fills as they happen."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def ready(page, route):
    """Waits until the storefront has drawn `route` (the app marks <body data-ready>)."""
    # A selector, not a script: the page's policy forbids the eval a string predicate needs.
    page.wait_for_selector(f"body[data-ready={json.dumps(route)}]", state="attached", timeout=30_000)


def open_phone(browser, server, route="/", ready_as="/"):
    """A phone-sized page of the storefront at `route`, drawn, with its console watched."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch_console(page)
    page.goto(server.base + route)
    ready(page, ready_as)
    return context, page, errors


def card_ids(page, list_name):
    return page.eval_on_selector_all(f'[data-list="{list_name}"] a.card', "cards => cards.map(c => c.dataset.item)")


# ---- storefront ---------------------------------------------------------------------------


def storefront_loads(run, browser, server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch_console(page)
    sizes = {}

    def weigh(response):
        # Bytes on the wire for the first load: the page, its scripts, styles and icon.
        if response.request.resource_type in ("document", "script", "stylesheet") or response.url.endswith(".svg"):
            sizes[response.url] = int(response.headers.get("content-length") or len(response.body()))

    page.on("response", weigh)
    started = time.monotonic()
    page.goto(server.base + "/")
    ready(page, "/")
    elapsed = time.monotonic() - started
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                 transfer: performance.getEntriesByType('resource').concat([nav])
                   .filter(e => /\\/(storefront\\/|$)/.test(new URL(e.name).pathname))
                   .reduce((sum, e) => sum + (e.encodedBodySize || 0), 0) };
    }""")
    assert page.locator("#feed").count() == 1, "no For you section"
    trending = card_ids(page, "trending")
    assert len(trending) >= 4, f"trending shows {trending}"
    assert support.horizontal_overflow(page) <= 0, "the home page scrolls sideways"
    assert not errors, f"console errors: {errors}"
    weight = sum(sizes.values())
    assert weight < 100 * 1024, f"first load is {weight} bytes: {sizes}"
    run.figures["storefront first load bytes (gzip, page+scripts+styles+icon)"] = weight
    run.figures["storefront DOMContentLoaded ms"] = round(timing["dcl"])
    run.figures["storefront load event ms"] = round(timing["load"])
    run.figures["storefront home drawn with data s"] = round(elapsed, 2)
    run.shot(page, "storefront-home")
    context.close()


def chinese_search(run, browser, server):
    context, page, errors = open_phone(browser, server)
    box = page.get_by_role("combobox", name="Search products")
    box.fill("羽绒服")
    box.press("Enter")
    ready(page, "/search")
    assert not errors, f"console errors: {errors}"
    titles = page.eval_on_selector_all('[data-list="search"] .title', "nodes => nodes.map(n => n.textContent)")
    assert "轻薄羽绒服" in titles, f"the Chinese search found {titles}"
    assert support.horizontal_overflow(page) <= 0, "the search page scrolls sideways"
    run.shot(page, "storefront-search")
    # A typo in English, and the explain view on demand.
    box.fill("wireles headphnes")
    box.press("Enter")
    page.wait_for_function("() => document.body.dataset.ready === '/search' && document.title.startsWith('wireles')")
    titles = page.eval_on_selector_all('[data-list="search"] .title', "nodes => nodes.map(n => n.textContent)")
    assert titles and titles[0] == "Wireless headphones", f"the typo search found {titles}"
    page.get_by_role("link", name="Why this order?").click()
    page.wait_for_selector("table.explain")
    assert not errors, f"console errors: {errors}"
    context.close()


def autocomplete(run, browser, server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(server.base + "/")
    ready(page, "/")
    box = page.get_by_role("combobox", name="Search products")
    box.press_sequentially("wirel", delay=30)
    option = page.get_by_role("option", name="Wireless headphones")
    option.wait_for(timeout=10_000)
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    box.press("Enter")
    ready(page, "/item/headphones")
    assert page.get_by_role("heading", level=1).inner_text() == "Wireless headphones"
    context.close()


def product_page(run, browser, server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch_console(page)
    page.goto(server.base + "/#/item/down-jacket")
    ready(page, "/item/down-jacket")
    assert page.get_by_role("heading", level=1).inner_text() == "轻薄羽绒服"
    summary = page.locator("[data-summary]")
    assert summary.count() == 1, "no review summary"
    text = summary.inner_text()
    assert "4 reviews" in text, text
    assert page.locator(".aspects.pros li").count() >= 1, "no pros"
    assert page.locator(".aspects.cons li").count() >= 1, "no cons"
    similar = card_ids(page, "similar")
    assert similar and "down-jacket" not in similar, f"similar items: {similar}"
    # The photo comes from renditions picked by srcset (the width the phone needs).
    photo = page.locator(".product .photo img")
    assert photo.count() == 1, "no photo"
    srcset = photo.get_attribute("srcset")
    assert "/v1/images/" in srcset and " 320w" in srcset, srcset
    page.wait_for_function("() => document.querySelector('.product .photo img').naturalWidth > 0")
    assert support.horizontal_overflow(page) <= 0, "the product page scrolls sideways"
    assert not errors, f"console errors: {errors}"
    run.shot(page, "storefront-product")
    context.close()


def assistant_chat(run, browser, server):
    context, page, errors = open_phone(browser, server, "/#/item/headphones", "/item/headphones")
    page.get_by_role("button", name="Ask us").click()
    panel = page.get_by_role("region", name="Chat with the shop's assistant")
    assert panel.is_visible(), "the chat panel did not open"

    def ask(text, count):
        panel.get_by_role("textbox", name="Message").fill(text)
        panel.get_by_role("button", name="Send").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('.chat-message.assistant').length >= {count}", timeout=20_000)
        return page.locator(".chat-message.assistant").nth(count - 1)

    answer = ask("how many days do I have to return an item?", 1)
    assert "30 days" in answer.inner_text(), answer.inner_text()
    assert answer.get_attribute("data-intent") == "return_refund"
    chinese = ask("退货期限是多久", 2)
    assert "30天" in chinese.inner_text(), chinese.inner_text()
    # The product on screen is what a product question is about.
    about = ask("what does it cost?", 3)
    assert "price" in about.inner_text(), about.inner_text()
    assert about.get_by_role("link").count() >= 1, "no link to the product"
    assert support.horizontal_overflow(page) <= 0, "the chat makes the page scroll sideways"
    run.shot(page, "storefront-chat")
    page.keyboard.press("Escape")
    assert not panel.is_visible(), "Escape did not close the chat"
    assert not errors, f"console errors: {errors}"
    context.close()


def click_changes_feed(run, browser, server):
    context, page, errors = open_phone(browser, server)
    before = card_ids(page, "feed")
    # A new device: its feed is what everyone sees. It opens the kettle, then comes back.
    with page.expect_response(lambda response: response.url.endswith("/v1/events")
                              and response.request.post_data and '"view"' in response.request.post_data):
        page.goto(server.base + "/#/item/kettle")
        ready(page, "/item/kettle")
    page.goto(server.base + "/#/")
    ready(page, "/")
    after = card_ids(page, "feed")
    assert after and after != before, f"the feed did not change: {before} -> {after}"
    reasons = page.eval_on_selector_all('[data-list="feed"] .reason', "nodes => nodes.map(n => n.textContent)")
    assert any("Electric kettle" in reason for reason in reasons), f"no reason names the kettle: {reasons}"
    recent = card_ids(page, "recent")
    assert recent == ["kettle"], f"recently viewed: {recent}"
    assert not errors, f"console errors: {errors}"
    context.close()


def sign_in_links_devices(run, browser, server):
    context, page, errors = open_phone(browser, server)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User id").fill("u-7")
    page.get_by_role("dialog").get_by_role("button", name="Sign in").click()
    page.wait_for_function("() => document.querySelector('#account').textContent.includes('u-7')")
    ready(page, "/")
    device = page.evaluate("() => document.cookie.split('; ').find(c => c.startsWith('aisle_device=')).split('=')[1]")
    devices = server.expect("GET", "/v1/users/u-7/devices")
    assert any(entry["device_id"] == device for entry in devices["data"]), f"{device} not in {devices}"
    page.goto(server.base + "/#/privacy")
    ready(page, "/privacy")
    assert page.get_by_label("Keep my views and clicks").is_checked()
    # Signing out makes this browser a new anonymous device: later views are not u-7's.
    page.get_by_role("button", name="Sign out u-7").click()
    page.wait_for_function("() => document.querySelector('#account').textContent === 'Sign in'")
    after = page.evaluate("() => { document.cookie; return document.querySelector('#who').textContent }")
    assert device not in after and "Guest on device web-" in after, after
    assert not errors, f"console errors: {errors}"
    context.close()


def narrow_and_wide_phones(run, browser, server):
    for width in (360, 414):
        context = browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 800}})
        page = context.new_page()
        for route, ready_as in [("/", "/"), ("/#/search?q=jacket", "/search"), ("/#/item/down-jacket", "/item/down-jacket"),
                                ("/#/privacy", "/privacy")]:
            page.goto(server.base + route)
            ready(page, ready_as)
            assert support.horizontal_overflow(page) <= 0, f"{route} scrolls sideways at {width} px"
        page.goto(server.base + "/dashboard")
        page.wait_for_selector('body[data-state="signed-out"]', state="attached")
        assert support.horizontal_overflow(page) <= 0, f"the dashboard scrolls sideways at {width} px"
        context.close()


def accessible(run, browser, server):
    for scheme in ("light", "dark"):
        context = browser.new_context(**PHONE, color_scheme=scheme)
        page = context.new_page()
        for route, ready_as in [("/", "/"), ("/#/search?q=jacket", "/search"), ("/#/item/down-jacket", "/item/down-jacket")]:
            page.goto(server.base + route)
            ready(page, ready_as)
            problems, checked = support.accessibility(page)
            assert checked > 10, f"{route}: only {checked} text elements checked"
            assert not problems, f"{route} ({scheme}): {problems}"
        if scheme == "dark":
            run.shot(page, "storefront-product-dark")
        context.close()


def security(run, browser, server):
    request = urllib.request.Request(server.base + "/")
    with urllib.request.urlopen(request) as response:
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, policy
        assert "unsafe-inline" not in policy, policy
        assert headers["X-Frame-Options"] == "DENY"
        cookie = headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
    session = cookie.split(";")[0]
    # Without the cookie: a key is needed.
    status, answer, _ = server.call("GET", "/v1/trending", key=None)
    assert status == 401, (status, answer)
    # With it, from the page's own origin: the ingest key's permissions, not more.
    status, _, _ = server.call("GET", "/v1/trending", key=None, headers={"Cookie": session, "Sec-Fetch-Site": "same-origin"})
    assert status == 200, status
    status, _, _ = server.call("GET", "/v1/keys", key=None, headers={"Cookie": session, "Sec-Fetch-Site": "same-origin"})
    assert status == 403, status
    # Another site cannot spend it, and a forged cookie is nobody.
    status, _, _ = server.call("GET", "/v1/trending", key=None, headers={"Cookie": session, "Sec-Fetch-Site": "cross-site"})
    assert status == 401, status
    status, _, _ = server.call("GET", "/v1/trending", key=None,
                               headers={"Cookie": session, "Origin": "https://evil.example"})
    assert status == 401, status
    forged = session[:-4] + ("0000" if not session.endswith("0000") else "1111")
    status, _, _ = server.call("GET", "/v1/trending", key=None, headers={"Cookie": forged})
    assert status == 401, status
    # The ingest key reads visible items, not hidden ones.
    server.expect("PUT", "/v1/items/secret", {"title": "Unreleased", "hidden": True})
    server.expect("GET", "/v1/items/secret", status=404, key=INGEST_KEY)
    listed = server.expect("GET", "/v1/items?ids=secret,kettle", key=INGEST_KEY)
    assert [item["id"] for item in listed["data"]] == ["kettle"], listed


# ---- dashboard ----------------------------------------------------------------------------


def dashboard(run, browser, server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = watch_console(page)
    page.goto(server.base + "/dashboard")
    page.wait_for_selector('body[data-state="signed-out"]', state="attached")
    # A wrong key is refused and says so.
    page.get_by_label("Admin key").fill("not-the-key-0000000000")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="key").wait_for()
    # Chromium logs the refused request (401) as a console error: that one was asked for.
    assert errors == ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"], errors
    errors.clear()
    page.get_by_label("Admin key").fill(support.ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('body[data-state="signed-in"]', state="attached")
    assert support.ADMIN_KEY not in page.url
    assert page.evaluate("() => sessionStorage.getItem('aisle_admin_key')") == support.ADMIN_KEY
    assert page.evaluate("() => localStorage.length") == 0, "the key must not outlive the tab"

    def live_count():
        return int(page.locator("[data-live-events]").inner_text().replace(",", "").replace("\u202f", ""))

    first = live_count()
    # Events arrive while the dashboard watches: its live count rises and the chart draws them.
    for batch in range(3):
        events = [{"type": "view", "device_id": f"live-{batch}-{n}", "item_id": "mug", "device": {"platform": "ios"}}
                  for n in range(20)]
        server.expect("POST", "/v1/events", {"events": events}, key=INGEST_KEY)
        time.sleep(0.4)
    page.wait_for_function(f"() => Number(document.querySelector('[data-live-events]').textContent.replace(/\\D/g, '')) >= {first + 60}",
                           timeout=15_000)
    assert live_count() >= first + 60
    page.wait_for_function("() => Number(document.body.dataset.polls || 0) >= 3", timeout=15_000)
    assert page.locator("#chart-types svg polyline").count() >= 1, "no event-rate lines"
    assert page.locator("#chart-platforms svg polyline").count() >= 2, "no platform lines (web and ios)"
    assert page.locator("#chart-latency svg polyline").count() == 3, "no latency lines"
    assert "ios" in page.locator("#chart-platforms svg").get_attribute("aria-label")
    # The posted events show as a rise in the per-second lines (by type and by platform).
    for chart in ("#chart-types", "#chart-platforms"):
        rose = page.evaluate("""(chart) => [...document.querySelectorAll(chart + ' polyline')].some(line => {
            const ys = line.getAttribute('points').split(' ').map(point => Number(point.split(',')[1]));
            return Math.min(...ys) < Math.max(...ys);
        })""", chart)
        assert rose, f"{chart} shows no rise"
    counts = page.locator("#counts").inner_text()
    assert "items" in counts and "events" in counts, counts
    assert page.locator("#newest-events tbody tr").count() >= 5
    assert page.locator("#chart-quality").inner_text() != ""
    assert support.horizontal_overflow(page) <= 0, "the dashboard scrolls sideways"
    run.shot(page, "dashboard-live")
    # Reviews across the catalog: the sentiment trend, the aspects criticised most.
    page.wait_for_selector("#chart-cons svg rect")
    assert "6 newest reviews read" in page.locator("#reviews-read").inner_text()
    assert page.locator("#chart-sentiment svg polyline").count() == 1
    # The experiment's treatment against its baseline, with its interval.
    page.wait_for_selector("#experiment-list .experiment")
    experiment = page.locator("#experiment-list .experiment").first
    assert "checkout-copy" in experiment.inner_text()
    interval = experiment.locator("svg[role=img]")
    assert interval.count() == 1 and "urgent − control" in interval.get_attribute("aria-label"), experiment.inner_text()
    bandit = page.locator("#bandit-list svg[role=img]")
    bandit.wait_for()
    assert "spring" in bandit.get_attribute("aria-label") and "sale" in bandit.get_attribute("aria-label")
    # Train now: the report comes back and is drawn.
    page.get_by_role("button", name="Train now").click()
    page.get_by_role("status").filter(has_text="Trained in").wait_for(timeout=60_000)
    # The playground: a user's feed with reasons beside their history.
    page.get_by_label("Id").fill("u-7")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("#playground-history li")
    assert "purchase" in page.locator("#playground-history").inner_text()
    assert page.locator("#playground-feed li").count() >= 1
    problems, checked = support.accessibility(page)
    assert checked > 20 and not problems, problems
    run.figures["dashboard polls seen"] = page.evaluate("() => document.body.dataset.polls")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector('body[data-state="signed-out"]', state="attached")
    assert page.evaluate("() => sessionStorage.getItem('aisle_admin_key')") is None
    assert not errors, f"console errors: {errors}"
    context.close()


def production_serves_nothing(run, binary):
    server = Server(binary, ["--env", "production"])
    try:
        status, _, _ = server.call("GET", "/", key=None)
        assert status == 404, status
        status, _, _ = server.call("GET", "/dashboard", key=None)
        assert status == 404, status
    finally:
        server.stop()
    server = Server(binary, ["--env", "production", "--storefront", "true"])
    try:
        assert server.call("GET", "/", key=None)[0] == 200
        assert server.call("GET", "/dashboard", key=None)[0] == 404
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshots", default="")
    arguments = parser.parse_args()
    if arguments.screenshots:
        os.makedirs(arguments.screenshots, exist_ok=True)
    run = Run(arguments.screenshots)
    server = Server(arguments.binary)
    try:
        support.seed(server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=support.CHROMIUM, args=["--no-sandbox"])
            try:
                for name, test in [
                    ("the storefront loads at 390x844 with no console errors, under 100 KB", storefront_loads),
                    ("a Chinese search shows the product; a typo finds headphones; explain on demand", chinese_search),
                    ("autocomplete suggests titles and opens the product by keyboard", autocomplete),
                    ("the product page shows photo, review summary and similar items", product_page),
                    ("the assistant answers in the chat panel, in both languages, about the product on screen",
                     assistant_chat),
                    ("opening a product changes the feed and names it as the reason", click_changes_feed),
                    ("signing in links the device to the user; privacy choices show", sign_in_links_devices),
                    ("no page scrolls sideways at 360 or 414 px", narrow_and_wide_phones),
                    ("names, labels, landmarks and contrast pass in light and dark", accessible),
                    ("security headers; the storefront session is same-origin only", security),
                    ("the dashboard signs in, draws live charts, counts events as they come, trains", dashboard),
                ]:
                    run.check(name, test, run, browser, server)
            finally:
                browser.close()
        run.check("production serves neither app unless asked", production_serves_nothing, run, arguments.binary)
    except Exception:
        traceback.print_exc()
        print("server output:\n" + "\n".join(server.lines[-40:]), file=sys.stderr)
        print(f"FAILED after {run.passed} passed", file=sys.stderr)
        return 1
    finally:
        server.stop()
    for name, value in run.figures.items():
        print(f"figure: {name}: {value}")
    print(f"all {run.passed} browser checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
