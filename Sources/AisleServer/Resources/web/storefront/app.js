// Aisle's demo storefront: home (feed, trending, recently viewed), search and product pages,
// routed by the URL's hash (#/, #/search?q=…, #/item/ID, #/privacy). No framework, no build.
import { APIError, call, deviceID, forgetDevice, items, query, setUserID, track, userID } from "./api.js";
import { setChatItem, setUpChat } from "./chat.js";

const main = document.getElementById("main");
const RECENT_KEY = "aisle_recent";
const WIDTHS = [160, 320, 480, 640, 960];

// ---- small DOM helpers -------------------------------------------------------------------

/** An element with attributes (`on…` functions become listeners) and children. */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Each route() call is a generation; a page whose generation has passed draws nothing (the
// shopper moved on while it loaded).
let generation = 0;
class Superseded extends Error {}

function current(ticket) {
  if (ticket !== generation) throw new Superseded();
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

function failure(error) {
  const message = error instanceof APIError ? `${error.message} (${error.code})` : String(error.message || error);
  return h("p", { class: "error", role: "alert" }, "Something went wrong: ", message);
}

const money = new Map();
function price(item) {
  if (item.price === undefined || item.price === null) return "";
  const currency = item.currency || "USD";
  if (!money.has(currency)) {
    try {
      money.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
    } catch {
      money.set(currency, { format: (value) => `${value} ${currency}` });
    }
  }
  return money.get(currency).format(item.price);
}

// ---- pictures ---------------------------------------------------------------------------

/** A photo from Aisle's renditions by content hash (cached for a year): the browser picks the
 *  width from `srcset` and `sizes`, the server the format (AVIF, WebP, JPEG) from `Accept`.
 *  Items without a photo get a lettered placeholder and cost no request. */
function photo(item, sizes, eager = false) {
  if (!item.image) return placeholder(item);
  const base = `/v1/images/${item.image.sha256}`;
  // The server never enlarges: widths past the original's would all be the original.
  const widths = WIDTHS.filter((width) => width < item.image.width);
  const widest = Math.min(item.image.width, WIDTHS[WIDTHS.length - 1]);
  if (!widths.includes(widest)) widths.push(widest);
  const image = h("img", {
    src: `${base}?w=${widths[Math.min(2, widths.length - 1)]}`,
    srcset: widths.map((width) => `${base}?w=${width} ${width}w`).join(", "),
    sizes,
    alt: item.title || item.id,
    loading: eager ? "eager" : "lazy",
    decoding: "async",
    width: 480,
    height: 480,
  });
  image.addEventListener("error", () => image.replaceWith(placeholder(item)), { once: true });
  return image;
}

function placeholder(item) {
  const letter = (item.title || item.id || "?").trim().charAt(0).toUpperCase();
  let hue = 0;
  for (const char of item.id) hue = (hue * 31 + char.codePointAt(0)) % 360;
  const box = h("div", { class: "placeholder", role: "img", "aria-label": item.title || item.id }, letter);
  // Through the CSSOM: the page's policy allows no inline style attributes.
  box.style.setProperty("--hue", String(hue));
  return box;
}

// ---- product cards and rows ---------------------------------------------------------------

const REASONS = {
  similar_to_viewed: "Because you viewed",
  bought_together: "Often bought together",
  popular_in_category: "Popular in",
  matches_profile: "Matches your taste",
  similar_content: "Similar",
  looks_similar: "Looks similar",
  trending: "Trending",
};

function reasonText(reason, names) {
  if (!reason) return null;
  const label = REASONS[reason.type] || reason.type;
  if (reason.category) return `${label} ${reason.category}`;
  const first = reason.item_ids && reason.item_ids[0];
  if (first && names.has(first)) return `${label} ${names.get(first).title || first}`;
  return label;
}

function card(item, { reason, list, position, query: searched } = {}) {
  return h("li", {},
    h("a", {
      class: "card", href: `#/item/${encodeURIComponent(item.id)}`, "data-item": item.id,
      onclick: () => track("click", item.id, searched ? { query: searched, context: { list, position } }
        : { context: { list, position } }),
    },
      photo(item, "(min-width: 720px) 180px, 44vw"),
      h("span", { class: "title" }, item.title || item.id),
      h("span", { class: "price" }, price(item)),
      reason ? h("span", { class: "reason" }, reason) : null));
}

/** A titled row of product cards for a recommendation-style answer ({data: [{item_id, reason}]}). */
async function row(title, id, load, empty) {
  const section = h("section", { class: "row", "aria-labelledby": id }, h("h2", { id }, title));
  try {
    const answer = await load();
    const found = await items(answer.data.map((entry) => entry.item_id));
    const reasonNames = await items(answer.data.flatMap((entry) => (entry.reason && entry.reason.item_ids) || []));
    const cards = answer.data.filter((entry) => found.has(entry.item_id)).map((entry, position) =>
      card(found.get(entry.item_id), { reason: reasonText(entry.reason, reasonNames), list: id, position }));
    section.append(cards.length ? h("ul", { class: "cards", "data-list": id }, cards) : h("p", { class: "hint" }, empty));
  } catch (error) {
    section.append(failure(error));
  }
  return section;
}

// ---- recently viewed ----------------------------------------------------------------------

function recent() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
  } catch {
    return [];
  }
}

function remember(id) {
  const list = [id, ...recent().filter((other) => other !== id)].slice(0, 12);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

// ---- pages --------------------------------------------------------------------------------

async function home(ticket) {
  document.title = "Aisle shop";
  const user = userID();
  const feedPath = user
    ? `users/${encodeURIComponent(user)}/recommendations${query({ limit: 12, explain: true })}`
    : `devices/${encodeURIComponent(deviceID())}/recommendations${query({ limit: 12, explain: true })}`;
  const viewed = recent();
  const sections = await Promise.all([
    row("For you", "feed", () => call(feedPath), "Nothing yet: browse a little and this fills up."),
    row("Trending", "trending", () => call("trending" + query({ limit: 12 })), "Nothing is trending yet."),
    viewed.length
      ? row("Recently viewed", "recent", async () => ({ data: viewed.map((id) => ({ item_id: id })) }), "")
      : null,
  ]);
  current(ticket);
  show(h("h1", { class: "visually-hidden" }, "Home"), ...sections.filter(Boolean));
}

async function search(parameters, ticket) {
  const q = parameters.get("q") || "";
  const category = parameters.get("category") || "";
  const explain = parameters.get("explain") === "1";
  document.title = q ? `${q} – Aisle shop` : "Search – Aisle shop";
  document.getElementById("q").value = q;
  if (!q) return show(h("h1", {}, "Search"), h("p", { class: "hint" }, "Type what you are looking for."));
  show(h("p", { class: "hint" }, "Searching…"));
  try {
    const answer = await call("search" + query({
      q, category, limit: 24, facets: "category", explain: explain || undefined,
      device_id: deviceID(), user_id: userID() || undefined,
    }));
    const found = await items(answer.data.map((hit) => hit.item_id));
    current(ticket);
    const heading = h("h1", {}, `${answer.total} result${answer.total === 1 ? "" : "s"} for “${q}”`);
    const corrections = Object.entries(answer.corrections || {});
    const corrected = corrections.length
      ? h("p", { class: "hint" }, "Also matched: ",
        corrections.map(([word, fixes]) => `${word} → ${fixes.join(", ")}`).join("; "))
      : null;
    const link = (next) => "#/search" + query(Object.fromEntries([...new URLSearchParams(next)]));
    const facets = (answer.facets && answer.facets.category) || [];
    const chips = facets.length
      ? h("nav", { class: "chips", "aria-label": "Categories" },
        category ? h("a", { href: link({ q, explain: explain ? 1 : "" }), class: "chip" }, "All") : null,
        facets.slice(0, 10).map((facet) => h("a", {
          class: "chip", href: link({ q, category: facet.value, explain: explain ? 1 : "" }),
          "aria-current": facet.value === category ? "true" : null,
        }, `${facet.value} (${facet.count})`)))
      : null;
    const toggle = h("a", { class: "explain-toggle", href: link({ q, category, explain: explain ? "" : 1 }) },
      explain ? "Hide the ranking" : "Why this order?");
    const list = h("ul", { class: "cards", "data-list": "search" },
      answer.data.filter((hit) => found.has(hit.item_id)).map((hit, position) => {
        const entry = card(found.get(hit.item_id), { list: "search", position, query: q });
        if (explain && hit.explain) entry.append(explainTable(hit));
        return entry;
      }));
    show(heading, corrected, chips, toggle,
      answer.data.length ? list : h("p", { class: "hint" }, "Nothing found. Try fewer or other words."));
  } catch (error) {
    if (error instanceof Superseded) throw error;
    show(h("h1", {}, "Search"), failure(error));
  }
}

function explainTable(hit) {
  const parts = Object.entries(hit.explain).map(([name, value]) => h("tr", {}, h("th", { scope: "row" }, name),
    h("td", {}, typeof value === "number" ? value.toFixed(3) : String(value))));
  return h("table", { class: "explain" }, h("caption", {}, `score ${hit.score.toFixed(3)}`), h("tbody", {}, parts));
}

async function product(id, ticket) {
  show(h("p", { class: "hint" }, "Loading…"));
  let item;
  try {
    item = await call(`items/${encodeURIComponent(id)}`);
  } catch (error) {
    current(ticket);
    return show(h("h1", {}, "Not found"), failure(error));
  }
  current(ticket);
  setChatItem(item.id);
  document.title = `${item.title || item.id} – Aisle shop`;
  remember(item.id);
  track("view", item.id);
  const attributes = Object.entries(item.attributes || {});
  const buy = h("div", { class: "buy" },
    h("button", { type: "button", onclick: (event) => added(event, item, "add_to_cart") }, "Add to cart"),
    h("button", { type: "button", class: "secondary", onclick: (event) => added(event, item, "like") }, "♡ Save"));
  const details = h("article", { class: "product" },
    h("div", { class: "photo" }, photo(item, "(min-width: 720px) 360px, 100vw", true)),
    h("div", { class: "facts" },
      h("h1", {}, item.title || item.id),
      item.brand ? h("p", { class: "maker" }, item.brand) : null,
      h("p", { class: "price big" }, price(item)),
      item.in_stock === false ? h("p", { class: "error" }, "Out of stock") : null,
      buy,
      item.description ? h("p", {}, item.description) : null,
      (item.categories || []).length ? h("p", { class: "hint" }, item.categories.join(" · ")) : null,
      attributes.length
        ? h("dl", { class: "attributes" }, attributes.flatMap(([name, value]) => [h("dt", {}, name),
          h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))]))
        : null));
  const reviewSection = h("section", { class: "reviews", "aria-labelledby": "reviews" }, h("h2", { id: "reviews" }, "Reviews"));
  show(details, reviewSection);
  const [summary, similar, together] = await Promise.all([
    reviews(item.id),
    row("Similar items", "similar", () => call(`items/${encodeURIComponent(item.id)}/similar${query({ limit: 8, explain: true })}`),
      "No similar items yet."),
    row("Bought together", "together", () => call(`items/${encodeURIComponent(item.id)}/bought-together${query({ limit: 8 })}`),
      "Nobody has bought this with something else yet."),
  ]);
  current(ticket);
  reviewSection.append(...summary);
  main.append(similar, together);
}

async function added(event, item, type) {
  const button = event.currentTarget;
  const answer = await track(type, item.id);
  button.textContent = answer ? (type === "like" ? "♥ Saved" : "Added ✓") : "Not sent";
}

const ASPECTS = {
  delivery_shipping: "delivery", comfort_warmth: "warmth & comfort", price_value: "value for money",
};

function aspectName(aspect) {
  return ASPECTS[aspect] || aspect.replaceAll("_", " ");
}

async function reviews(id) {
  try {
    const [summary, list] = await Promise.all([
      call(`items/${encodeURIComponent(id)}/review-summary`),
      call(`items/${encodeURIComponent(id)}/reviews${query({ limit: 5 })}`),
    ]);
    if (summary.review_count === 0) return [h("p", { class: "hint" }, "No reviews yet.")];
    const stars = summary.ratings && summary.ratings.average
      ? `${summary.ratings.average.toFixed(1)} ★ from ${summary.ratings.count} rating${summary.ratings.count === 1 ? "" : "s"}` : null;
    const tone = summary.average_score >= 0.25 ? "positive" : summary.average_score <= -0.25 ? "negative" : "mixed";
    const aspects = (title, entries, kind) => entries.length
      ? h("div", { class: `aspects ${kind}` }, h("h3", {}, title), h("ul", {}, entries.map((entry) =>
        h("li", {}, h("strong", {}, aspectName(entry.aspect)), ` (${entry.count}) `, h("q", { lang: "" }, entry.snippet)))))
      : null;
    const trend = (summary.trend || []).slice(-6);
    return [
      h("div", { class: "summary", "data-summary": "" },
        h("p", { class: `score ${tone}` }, `Sentiment ${summary.average_score >= 0 ? "+" : ""}${summary.average_score.toFixed(2)}`,
          " · ", `${summary.review_count} review${summary.review_count === 1 ? "" : "s"}`, stars ? ` · ${stars}` : ""),
        h("div", { class: "pros-cons" }, aspects("Pros", summary.pros, "pros"), aspects("Cons", summary.cons, "cons")),
        trend.length > 1 ? sparkline(trend) : null),
      h("ul", { class: "review-list" }, list.data.map((review) => h("li", {},
        review.rating ? h("span", { class: "stars", "aria-label": `${review.rating} of 5 stars` }, "★".repeat(review.rating)) : null,
        h("p", { lang: review.language || "" }, review.text || ""),
        review.analysis ? h("span", { class: `tag ${review.analysis.polarity}` }, review.analysis.polarity) : null))),
    ];
  } catch (error) {
    return [failure(error)];
  }
}

/** The review score per period as a small SVG line (−1…1). */
function sparkline(trend) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 160, height = 36;
  const points = trend.map((entry, index) => [
    (index / (trend.length - 1)) * (width - 4) + 2,
    height / 2 - entry.average_score * (height / 2 - 3),
  ]);
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Review sentiment trend: " +
    trend.map((entry) => `${entry.start.slice(0, 7)} ${entry.average_score.toFixed(2)}`).join(", "));
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.map((point) => point.map((value) => value.toFixed(1)).join(",")).join(" "));
  svg.append(line);
  return svg;
}

async function privacy(ticket) {
  document.title = "Privacy choices – Aisle shop";
  const user = userID();
  if (!user) {
    return show(h("h1", {}, "Privacy choices"),
      h("p", {}, "Sign in to choose whether this shop personalises your feed and keeps your events. ",
        "As a guest your views are kept for this device only."));
  }
  try {
    const consent = await call(`users/${encodeURIComponent(user)}/consent`);
    current(ticket);
    const box = (name, label, hint) => h("div", { class: "choice" },
      h("input", { type: "checkbox", id: `consent-${name}`, name, checked: consent[name] }),
      h("label", { for: `consent-${name}` }, label), h("p", { class: "hint" }, hint));
    const status = h("p", { role: "status", class: "hint" });
    const form = h("form", {
      class: "consent", onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        try {
          await call(`users/${encodeURIComponent(user)}/consent`, {
            method: "PUT", body: { personalization: data.has("personalization"), tracking: data.has("tracking") },
          });
          status.textContent = "Saved.";
        } catch (error) {
          status.textContent = error.message;
        }
      },
    },
      box("personalization", "Personalise my feed and search", "Off: you see what is trending, the same as everyone."),
      box("tracking", "Keep my views and clicks", "Off: your events are not stored."),
      h("button", { type: "submit" }, "Save"), status);
    show(h("h1", {}, "Privacy choices"), form);
  } catch (error) {
    if (error instanceof Superseded) throw error;
    show(h("h1", {}, "Privacy choices"), failure(error));
  }
}

// ---- search box with suggestions -----------------------------------------------------------

function setUpSearch() {
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const box = document.getElementById("suggestions");
  let active = -1;
  let timer = 0;
  let latest = 0;

  const close = () => {
    latest += 1;
    box.hidden = true;
    box.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const choose = (option) => {
    close();
    if (option.dataset.item) location.hash = `#/item/${encodeURIComponent(option.dataset.item)}`;
    else {
      input.value = option.dataset.text;
      location.hash = "#/search" + query({ q: option.dataset.text });
    }
  };
  const highlight = (index) => {
    const options = [...box.children];
    if (!options.length) return;
    active = (index + options.length) % options.length;
    options.forEach((option, position) => option.setAttribute("aria-selected", position === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", options[active].id);
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) return close();
    timer = setTimeout(async () => {
      const ticket = ++latest;
      try {
        const answer = await call("autocomplete" + query({ q: text, limit: 6 }));
        if (ticket !== latest) return;
        box.replaceChildren(...answer.data.map((suggestion, index) => h("li", {
          id: `suggestion-${index}`, role: "option", "aria-selected": "false",
          "data-text": suggestion.text, "data-item": suggestion.item_id || null,
          onmousedown: (event) => { event.preventDefault(); choose(event.currentTarget); },
        }, suggestion.text)));
        box.hidden = answer.data.length === 0;
        input.setAttribute("aria-expanded", String(answer.data.length > 0));
      } catch {
        close();
      }
    }, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Escape") close();
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(box.children[active]); }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    close();
    const text = input.value.trim();
    if (text) location.hash = "#/search" + query({ q: text });
  });
}

// ---- signing in ----------------------------------------------------------------------------

function setUpAccount() {
  const button = document.getElementById("account");
  const dialog = document.getElementById("sign-in");
  const form = document.getElementById("sign-in-form");
  const input = document.getElementById("user-id");
  const error = document.getElementById("sign-in-error");
  const who = document.getElementById("who");
  const refresh = () => {
    const user = userID();
    button.textContent = user ? `Sign out ${user}` : "Sign in";
    who.textContent = user ? `Signed in as ${user} on device ${deviceID()}` : `Guest on device ${deviceID()}`;
  };
  button.addEventListener("click", () => {
    if (userID()) {
      setUserID(null);
      forgetDevice();
      refresh();
      route();
      return;
    }
    error.hidden = true;
    input.value = "";
    dialog.showModal();
    input.focus();
  });
  document.getElementById("sign-in-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const user = input.value.trim();
    if (!user) return;
    try {
      // Links this device to the user: its past and future views join their history.
      await call("identify", { method: "POST", body: { device_id: deviceID(), user_id: user } });
      setUserID(user);
      dialog.close();
      refresh();
      route();
    } catch (failed) {
      error.textContent = failed.message;
      error.hidden = false;
    }
  });
  refresh();
}

// ---- routing --------------------------------------------------------------------------------

async function route() {
  const ticket = ++generation;
  delete document.body.dataset.ready;
  const hash = location.hash.slice(1) || "/";
  const [path, queryText = ""] = hash.split("?");
  const parameters = new URLSearchParams(queryText);
  setChatItem(null);
  try {
    if (path.startsWith("/item/")) await product(decodeURIComponent(path.slice("/item/".length)), ticket);
    else if (path === "/search") await search(parameters, ticket);
    else if (path === "/privacy") await privacy(ticket);
    else await home(ticket);
  } catch (error) {
    if (error instanceof Superseded) return;
    console.error(error);
    show(failure(error));
  }
  document.body.dataset.ready = path;
}

window.addEventListener("hashchange", () => {
  route();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
setUpSearch();
setUpAccount();
setUpChat();
route();
