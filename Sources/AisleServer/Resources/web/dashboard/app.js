// Aisle's operator dashboard: live events and latency, data counts, models, search, and a
// playground. Signed in with the admin key, kept in sessionStorage (this tab only) and sent
// as an Authorization header, never in a URL.
import { barChart, intervalChart, lineChart, meanChart, percentile } from "./charts.js";

const KEY = "aisle_admin_key";
const POLL_MS = 2000;
const HISTORY = 60;

const $ = (id) => document.getElementById(id);

class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(path, { method = "GET", body } = {}) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/v1/" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit",
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new APIError(response.status, "bad_answer", `HTTP ${response.status} without JSON`);
  }
  if (!response.ok) {
    const error = (json && json.error) || {};
    if (response.status === 401) signOut(error.message || "The key was refused.");
    throw new APIError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
  }
  return json;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const number = new Intl.NumberFormat();

// ---- signing in -----------------------------------------------------------------------------

let timer = 0;
// Each sign-in starts one polling loop; a loop from an earlier sign-in stops at its next turn.
let loop = 0;

function signOut(message) {
  sessionStorage.removeItem(KEY);
  loop += 1;
  clearTimeout(timer);
  $("panels").hidden = true;
  $("tabs").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-panel").hidden = false;
  const error = $("sign-in-error");
  error.hidden = !message;
  error.textContent = message || "";
  document.body.dataset.state = "signed-out";
}

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  try {
    await refresh();
  } catch (error) {
    if (error.status !== 401) signOut(error.message);
    return;
  }
  $("sign-in-panel").hidden = true;
  $("panels").hidden = false;
  $("tabs").hidden = false;
  $("sign-out").hidden = false;
  document.body.dataset.state = "signed-in";
  loadModels();
  loadSynonyms();
  loadExperiments();
  loadBandits();
  loadReviews();
  clearTimeout(timer);
  const mine = ++loop;
  // One poll at a time, the next after the last answer: a slow server is not asked twice,
  // and answers cannot arrive out of order.
  const poll = async () => {
    if (mine !== loop) return;
    try {
      await refresh();
    } catch (error) {
      $("live-status").textContent = error.message;
    }
    if (mine === loop && sessionStorage.getItem(KEY)) timer = setTimeout(poll, POLL_MS);
  };
  timer = setTimeout(poll, POLL_MS);
}

// ---- live numbers ---------------------------------------------------------------------------

let previous = null;
const samples = { types: new Map(), platforms: new Map(), latency: { p50: [], p95: [], p99: [] }, rate: [] };

function push(list, value) {
  list.push(value);
  if (list.length > HISTORY) list.shift();
}

async function refresh() {
  const stats = await call("stats?events=12&queries=10");
  const now = performance.now();
  $("live-events").textContent = number.format(stats.events.accepted);
  $("live-errors").textContent = number.format(stats.events.rejected);
  if (previous) {
    const seconds = Math.max(0.001, (now - previous.at) / 1000);
    const rate = (stats.events.accepted - previous.stats.events.accepted) / seconds;
    $("live-rate").textContent = rate.toFixed(1);
    // Per second in this interval, by type and by platform: the difference of two totals.
    const rates = (series, now, before) => {
      for (const name of new Set([...Object.keys(now), ...series.keys()])) {
        if (!series.has(name)) series.set(name, new Array(samples.rate.length).fill(0));
        push(series.get(name), Math.max(0, (now[name] || 0) - (before[name] || 0)) / seconds);
      }
    };
    rates(samples.types, stats.events.by_type, previous.stats.events.by_type);
    rates(samples.platforms, stats.events.by_platform, previous.stats.events.by_platform);
    push(samples.rate, rate);
    // Percentiles of this interval's requests: the difference of two bucket counts.
    const window = stats.requests.latency.map((bucket, index) => ({
      le_ms: bucket.le_ms, count: bucket.count - (previous.stats.requests.latency[index]?.count || 0),
    }));
    const p = (fraction) => percentile(window, fraction);
    const shown = [p(0.5), p(0.95), p(0.99)];
    if (shown[0] !== null) {
      push(samples.latency.p50, Math.min(shown[0], 5000));
      push(samples.latency.p95, Math.min(shown[1], 5000));
      push(samples.latency.p99, Math.min(shown[2], 5000));
      $("live-latency").textContent = shown.map((value) => (value === Infinity ? "> 5000" : `≤ ${value}`)).join(" / ") + " ms";
    }
    lineChart($("chart-types"), [...samples.types.entries()].map(([name, points]) => ({ name, points })), { unit: "/s" });
    lineChart($("chart-platforms"), [...samples.platforms.entries()].map(([name, points]) => ({ name, points })),
      { unit: "/s" });
    lineChart($("chart-latency"), [
      { name: "p50", points: samples.latency.p50 }, { name: "p95", points: samples.latency.p95 },
      { name: "p99", points: samples.latency.p99 },
    ], { unit: " ms" });
  }
  previous = { at: now, stats };
  showData(stats);
  showQueries(stats.search);
  $("live-status").textContent = `Up ${Math.round(stats.uptime_seconds)} s · ${number.format(stats.requests.total)} requests, ` +
    `${number.format(stats.requests.server_errors)} server errors, ${number.format(stats.requests.rate_limited)} rate-limited`;
  document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
}

function showData(stats) {
  const counts = $("counts");
  counts.replaceChildren(...Object.entries(stats.counts).flatMap(([name, value]) => {
    const row = element("div");
    row.append(element("dt", name), element("dd", number.format(value)));
    return [row];
  }));
  const body = $("newest-events").tBodies[0];
  body.replaceChildren(...stats.newest_events.map((event) => {
    const row = element("tr");
    row.append(
      element("td", new Date(event.timestamp).toLocaleString()),
      element("td", event.type),
      element("td", event.item_id || ""),
      element("td", event.user_id || event.device_id || ""),
      element("td", (event.device && event.device.platform) || ""));
    return row;
  }));
}

function showQueries(search) {
  const list = (node, queries, counted) => node.replaceChildren(...(queries.length
    ? queries.map((query) => element("li", `${query.query} (${number.format(query[counted])})`))
    : [element("li", "None yet.", "hint")]));
  list($("top-queries"), search.top_queries, "searches");
  list($("zero-queries"), search.zero_result_queries, "zero_results");
}

// ---- models ---------------------------------------------------------------------------------

async function loadModels() {
  try {
    const report = await call("models");
    showModel(report);
    return report;
  } catch (error) {
    $("model-report").replaceChildren(element("p", error.message, "error"));
    return null;
  }
}

function showModel(report) {
  const facts = [
    ["Trained", report.trained_at ? new Date(report.trained_at).toLocaleString() : "never"],
    ["Events", number.format(report.events)], ["Shoppers", number.format(report.shoppers)],
    ["Items", number.format(report.items)],
    ["Blend", Object.entries(report.blend).map(([name, weight]) => `${name} ${weight}`).join(", ") || "–"],
    ["Chosen by", report.blend_source || "–"],
  ];
  const list = element("dl", undefined, "facts");
  for (const [name, value] of facts) {
    const row = element("div");
    row.append(element("dt", name), element("dd", value));
    list.append(row);
  }
  $("model-report").replaceChildren(list);
  const quality = report.validation_ndcg_at_10;
  if (quality) {
    barChart($("chart-quality"), Object.entries(quality).sort((a, b) => b[1] - a[1])
      .map(([name, value]) => ({ name, value })), { digits: 4 });
  } else {
    $("chart-quality").replaceChildren(element("p", "Not measured: the blend is tuned once 50 shoppers have 3 or more interactions.", "hint"));
  }
}

async function train() {
  const button = $("train");
  const status = $("train-status");
  button.disabled = true;
  const started = performance.now();
  // The training answers when it is done; meanwhile its latest step is read every second.
  let step = "";
  const ticker = setInterval(async () => {
    status.textContent = `Training… ${((performance.now() - started) / 1000).toFixed(0)} s${step ? ` · ${step}` : ""}`;
    try {
      const report = await call("models");
      if (report.training_step) step = report.training_step;
    } catch {
      // The step is a courtesy; the training's own answer reports any failure.
    }
  }, 1000);
  status.textContent = "Training…";
  try {
    const report = await call("models:train", { method: "POST" });
    showModel(report);
    status.textContent = `Trained in ${((performance.now() - started) / 1000).toFixed(1)} s on ${number.format(report.interactions)} interactions.`;
  } catch (error) {
    status.textContent = error.code === "conflict" ? "A training is running already." : error.message;
  } finally {
    clearInterval(ticker);
    button.disabled = false;
  }
}

// ---- search ---------------------------------------------------------------------------------

async function loadSynonyms() {
  try {
    const answer = await call("search/synonyms");
    $("synonyms").value = JSON.stringify(answer.rules, null, 2);
  } catch (error) {
    $("synonyms-status").textContent = error.message;
  }
}

async function saveSynonyms() {
  const status = $("synonyms-status");
  let rules;
  try {
    rules = JSON.parse($("synonyms").value || "[]");
  } catch (error) {
    status.textContent = "Not JSON: " + error.message;
    return;
  }
  try {
    const answer = await call("search/synonyms", { method: "PUT", body: { rules } });
    $("synonyms").value = JSON.stringify(answer.rules, null, 2);
    status.textContent = `Saved ${answer.rules.length} rule${answer.rules.length === 1 ? "" : "s"}.`;
  } catch (error) {
    status.textContent = error.message;
  }
}

// ---- reviews --------------------------------------------------------------------------------

async function loadReviews() {
  try {
    const overview = await call("review-overview?period=month&limit=8");
    const summary = overview.summary;
    if (overview.reviews_read === 0) {
      $("reviews-read").textContent = "No reviews yet (POST /v1/items/{id}/reviews).";
      for (const id of ["chart-sentiment", "chart-cons"]) $(id).replaceChildren(element("p", "Nothing yet.", "hint"));
      $("worst-items").replaceChildren();
      return;
    }
    $("reviews-read").textContent = `${number.format(overview.reviews_read)} newest reviews read; mean sentiment ` +
      `${summary.average_score >= 0 ? "+" : ""}${summary.average_score.toFixed(2)}.`;
    const trend = summary.trend || [];
    lineChart($("chart-sentiment"), [{ name: "sentiment", points: trend.map((point) => point.average_score) }]);
    $("chart-sentiment").querySelector("svg").setAttribute("aria-label",
      "Mean review sentiment per month: " + (trend.map((point) => `${point.start.slice(0, 7)} ${point.average_score.toFixed(2)}`).join(", ") || "none yet"));
    barChart($("chart-cons"), summary.cons.map((entry) => ({ name: entry.aspect.replaceAll("_", " "), value: entry.count })));
    const names = await titles(overview.worst_items.map((entry) => entry.item_id));
    $("worst-items").replaceChildren(...(overview.worst_items.length
      ? overview.worst_items.map((entry) => element("li",
        `${names.get(entry.item_id) || entry.item_id}: ${entry.average_score.toFixed(2)} over ${entry.review_count} reviews`))
      : [element("li", "No item has 3 reviews yet.", "hint")]));
  } catch (error) {
    $("reviews-read").textContent = error.message;
  }
}

// ---- experiments ----------------------------------------------------------------------------

async function loadExperiments() {
  const list = $("experiment-list");
  try {
    const experiments = (await call("experiments")).data;
    if (!experiments.length) {
      list.replaceChildren(element("p", "No experiments yet (PUT /v1/experiments/{id}).", "hint"));
      return;
    }
    const results = await Promise.all(experiments.map((experiment) =>
      call(`experiments/${encodeURIComponent(experiment.id)}/results`).catch((error) => ({ error }))));
    list.replaceChildren(...experiments.map((experiment, index) => experimentCard(experiment, results[index])));
  } catch (error) {
    list.replaceChildren(element("p", error.message, "error"));
  }
}

function experimentCard(experiment, results) {
  const card = element("article", undefined, "experiment");
  card.append(element("h3", `${experiment.id} · ${experiment.metric} · ${experiment.status}`));
  if (results.error) {
    card.append(element("p", results.error.message, "error"));
    return card;
  }
  const variants = element("p", results.variants.map((variant) =>
    `${variant.id}: ${number.format(variant.users)} shoppers, mean ${variant.mean.toFixed(4)}`).join(" · "));
  card.append(variants);
  if (results.comparisons.length) {
    const chart = element("div", undefined, "chart");
    intervalChart(chart, results.comparisons.map((comparison) => ({
      name: `${comparison.variant} − ${comparison.baseline}`,
      value: comparison.absolute_difference.value,
      low: comparison.absolute_difference.ci[0],
      high: comparison.absolute_difference.ci[1],
    })));
    card.append(chart);
    card.append(...results.comparisons.map((comparison) => element("p",
      `${comparison.variant}: p = ${comparison.p_value.toFixed(3)}, chance to beat ${comparison.baseline} ` +
      `${(comparison.chance_to_beat * 100).toFixed(1)} %`, "hint")));
  }
  for (const warning of results.warnings || []) card.append(element("p", warning, "error"));
  return card;
}

async function loadBandits() {
  const list = $("bandit-list");
  try {
    const bandits = (await call("bandits")).data;
    if (!bandits.length) {
      list.replaceChildren(element("p", "No bandits yet (PUT /v1/bandits/{id}).", "hint"));
      return;
    }
    list.replaceChildren(...bandits.map((bandit) => {
      const card = element("article", undefined, "experiment");
      card.append(element("h3", `${bandit.id} · reward ${bandit.reward}`));
      const chart = element("div", undefined, "chart");
      const arms = bandit.arms.filter((arm) => !arm.retired);
      meanChart(chart, arms.map((arm) => ({ name: arm.id, value: arm.mean, low: arm.interval[0], high: arm.interval[1] })));
      card.append(chart, element("p", arms.map((arm) =>
        `${arm.id}: ${number.format(arm.pulls)} choices, ${number.format(arm.rewards)} rewards`).join(" · "), "hint"));
      return card;
    }));
  } catch (error) {
    list.replaceChildren(element("p", error.message, "error"));
  }
}

// ---- playground -----------------------------------------------------------------------------

async function titles(ids) {
  const unique = [...new Set(ids)].slice(0, 100);
  if (!unique.length) return new Map();
  const answer = await call("items?ids=" + encodeURIComponent(unique.join(",")));
  return new Map(answer.data.map((item) => [item.id, item.title]));
}

async function playground(event) {
  event.preventDefault();
  const kind = $("shopper-kind").value;
  const id = $("shopper-id").value.trim();
  const feed = $("playground-feed");
  const history = $("playground-history");
  try {
    const [recommended, past] = await Promise.all([
      call(`${kind}/${encodeURIComponent(id)}/recommendations?limit=10&explain=true`),
      kind === "users" ? call(`users/${encodeURIComponent(id)}/history?limit=20`) : Promise.resolve({ data: [] }),
    ]);
    const names = await titles([...recommended.data.map((entry) => entry.item_id), ...past.data.map((entry) => entry.item_id || "")
      .filter(Boolean), ...recommended.data.flatMap((entry) => (entry.reason && entry.reason.item_ids) || [])]);
    feed.replaceChildren(...recommended.data.map((entry) => {
      const row = element("li");
      row.append(element("strong", names.get(entry.item_id) || entry.item_id), element("span", ` ${entry.score.toFixed(3)}`, "hint"));
      if (entry.reason) {
        const about = (entry.reason.item_ids || []).map((item) => names.get(item) || item).join(", ");
        row.append(element("span", ` ${entry.reason.type.replaceAll("_", " ")}${about ? ": " + about : ""}${entry.reason.category ? ": " + entry.reason.category : ""}`, "reason"));
      }
      return row;
    }));
    history.replaceChildren(...(past.data.length ? past.data.map((entry) => element("li",
      `${entry.type} ${names.get(entry.item_id) || entry.item_id || ""} · ${new Date(entry.timestamp).toLocaleString()}`))
      : [element("li", kind === "users" ? "No events." : "Devices show their feed; their history is their user's.", "hint")]));
  } catch (error) {
    feed.replaceChildren(element("li", error.message, "error"));
    history.replaceChildren();
  }
}

// ---- start ----------------------------------------------------------------------------------

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("admin-key").value.trim());
});
$("sign-out").addEventListener("click", () => signOut(""));
$("train").addEventListener("click", train);
$("save-synonyms").addEventListener("click", saveSynonyms);
$("playground-form").addEventListener("submit", playground);

if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY));
else signOut("");
