// Small SVG charts written for the dashboard: a multi-line time chart and horizontal bars.
// Colours come from CSS custom properties (--series-0 …), so light and dark both read well.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

function niceMaximum(value) {
  if (value <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function format(value) {
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  if (size >= 0.01 || size === 0) return value.toFixed(2).replace(/\.?0+$/, "") || "0";
  return value.toPrecision(2);
}

/** Lines over time: `series` is [{name, points: [value…]}], all the same length. */
export function lineChart(container, series, { unit = "" } = {}) {
  const width = 480, height = 180, left = 40, right = 8, top = 8, bottom = 22;
  const length = Math.max(1, ...series.map((line) => line.points.length));
  const values = series.flatMap((line) => line.points);
  const maximum = niceMaximum(Math.max(0, ...values));
  const lowest = Math.min(0, ...values);
  const minimum = lowest < 0 ? -niceMaximum(-lowest) : 0;
  const x = (index) => left + (length <= 1 ? 0 : (index / (length - 1)) * (width - left - right));
  const y = (value) => top + (1 - (value - minimum) / (maximum - minimum)) * (height - top - bottom);
  const grid = [0, 0.5, 1].map((fraction) => {
    const value = minimum + (maximum - minimum) * fraction;
    return svg("g", { class: "grid" },
      svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value) }),
      svg("text", { x: left - 4, y: y(value) + 4, "text-anchor": "end" }, format(value)));
  });
  const lines = series.map((line, index) => svg("polyline", {
    class: `series series-${index % 6}`,
    points: line.points.map((value, position) => `${x(position).toFixed(1)},${y(value).toFixed(1)}`).join(" "),
  }));
  const description = series.map((line) =>
    `${line.name} ${format(line.points[line.points.length - 1] || 0)}${unit}`).join(", ");
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `Latest: ${description}` },
    ...grid, ...lines);
  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((line, index) => {
    const entry = document.createElement("li");
    entry.className = `series-${index % 6}`;
    entry.textContent = `${line.name}: ${format(line.points[line.points.length - 1] || 0)}${unit}`;
    legend.append(entry);
  });
  container.replaceChildren(chart, legend);
}

/** Horizontal bars: `bars` is [{name, value}]. */
export function barChart(container, bars, { digits = 0 } = {}) {
  if (!bars.length) {
    const empty = document.createElement("p");
    empty.className = "hint";
    empty.textContent = "Nothing yet.";
    return container.replaceChildren(empty);
  }
  const rowHeight = 26, width = 480, label = 110, right = 60;
  const height = bars.length * rowHeight + 4;
  const maximum = niceMaximum(Math.max(...bars.map((bar) => bar.value)));
  const rows = bars.map((bar, index) => {
    const barWidth = Math.max(1, (bar.value / maximum) * (width - label - right));
    const y = index * rowHeight + 4;
    return svg("g", {},
      svg("text", { x: label - 6, y: y + 15, "text-anchor": "end" }, bar.name),
      svg("rect", { x: label, y, width: barWidth.toFixed(1), height: rowHeight - 8, rx: 3, class: `bar series-${index % 6}` }),
      svg("text", { x: label + barWidth + 6, y: y + 15 }, bar.value.toFixed(digits)));
  });
  const description = bars.map((bar) => `${bar.name} ${bar.value.toFixed(digits)}`).join(", ");
  container.replaceChildren(svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": description }, ...rows));
}

/** The `fraction` percentile (0…1) of requests counted per latency bucket
 *  ([{le_ms, count}], the last bucket unbounded): the bucket's upper bound, or null. */
export function percentile(buckets, fraction) {
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (seen >= fraction * total) return bucket.le_ms ?? Infinity;
  }
  return null;
}

/** Intervals around zero: `rows` is [{name, value, low, high}], drawn as a dot with its
 *  interval, and a line at zero (no difference). */
export function intervalChart(container, rows, { unit = "" } = {}) {
  const rowHeight = 30, width = 480, label = 130, right = 16;
  const height = rows.length * rowHeight + 24;
  const extent = Math.max(1e-9, ...rows.flatMap((row) => [Math.abs(row.low), Math.abs(row.high), Math.abs(row.value)]));
  const x = (value) => label + ((value + extent) / (2 * extent)) * (width - label - right);
  const parts = [
    svg("line", { class: "zero", x1: x(0), x2: x(0), y1: 0, y2: height - 20 }),
    svg("text", { x: x(0), y: height - 4, "text-anchor": "middle" }, "0"),
    svg("text", { x: x(-extent), y: height - 4, "text-anchor": "start" }, format(-extent) + unit),
    svg("text", { x: x(extent), y: height - 4, "text-anchor": "end" }, format(extent) + unit),
  ];
  rows.forEach((row, index) => {
    const y = index * rowHeight + 14;
    const kind = row.low > 0 ? "better" : row.high < 0 ? "worse" : "unsure";
    parts.push(
      svg("text", { x: label - 6, y: y + 4, "text-anchor": "end" }, row.name),
      svg("line", { class: `interval ${kind}`, x1: x(row.low), x2: x(row.high), y1: y, y2: y }),
      svg("circle", { class: `estimate ${kind}`, cx: x(row.value), cy: y, r: 5 }));
  });
  const description = rows.map((row) =>
    `${row.name}: ${format(row.value)}${unit} (${format(row.low)} to ${format(row.high)})`).join("; ");
  container.replaceChildren(svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": description }, ...parts));
}

/** Means with intervals on a scale from 0: `rows` is [{name, value, low, high}] (a bandit's
 *  arms: reward rates with their posterior intervals). */
export function meanChart(container, rows) {
  const rowHeight = 30, width = 480, label = 130, right = 16;
  const height = rows.length * rowHeight + 24;
  const maximum = niceMaximum(Math.max(1e-9, ...rows.map((row) => row.high)));
  const x = (value) => label + (Math.max(0, value) / maximum) * (width - label - right);
  const parts = [
    svg("text", { x: x(0), y: height - 4, "text-anchor": "start" }, "0"),
    svg("text", { x: x(maximum), y: height - 4, "text-anchor": "end" }, format(maximum)),
  ];
  rows.forEach((row, index) => {
    const y = index * rowHeight + 14;
    parts.push(
      svg("text", { x: label - 6, y: y + 4, "text-anchor": "end" }, row.name),
      svg("line", { class: "interval unsure", x1: x(row.low), x2: x(row.high), y1: y, y2: y }),
      svg("circle", { class: "estimate better", cx: x(row.value), cy: y, r: 5 }));
  });
  const description = rows.map((row) =>
    `${row.name}: ${format(row.value)} (${format(row.low)} to ${format(row.high)})`).join("; ");
  container.replaceChildren(svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": description }, ...parts));
}
