// The feedmesh dashboard: draws the panels of panels.json with uPlot, each query a Prometheus query_range through
// the gateway's read-only /prometheus/ path (same origin, so the browser needs nothing but the gateway).
//
// URL parameters: range (15m, 1h, 2d; default panels.json's), end (unix seconds: a fixed window, no refresh;
// default now, following), refresh (seconds, 0 = off; default panels.json's).
// Every panel element says how it went, for the e2e test and the screenshot script (tools/dashboard_browser.mjs):
// data-state (loading, ok, empty, error) and data-points (finite samples drawn); <body data-state="ready"> once
// every panel of a round has answered, with the window queried in data-start, data-end and data-step.
"use strict";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 };
// points per chart: enough for a smooth line, few enough for a 2-core machine's Prometheus
const POINTS = 240;
const MIN_STEP = 5; // the scrape and rule evaluation interval (stack/conf/prometheus.yml)
const CHART_HEIGHT = 170;
const PANEL_WIDTH = 470; // px, with its margins: dashboard.css's grid columns are at least 460px

function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return +(v / 1e9).toPrecision(3) + "G";
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
  if (a >= 1e3) return +(v / 1e3).toPrecision(3) + "k";
  return String(+v.toPrecision(3));
}

const FORMATS = {
  seconds: (v) => {
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a < 1e-3) return +(v * 1e6).toPrecision(3) + " µs";
    if (a < 1) return +(v * 1e3).toPrecision(3) + " ms";
    return +v.toPrecision(3) + " s";
  },
  ratio: (v) => +(v * 100).toPrecision(3) + "%",
  per_second: (v) => compact(v) + "/s",
  count: compact,
};

function format(unit, v) {
  return v == null || !Number.isFinite(v) ? "–" : FORMATS[unit](v);
}

function parseDuration(text) {
  const m = /^([1-9][0-9]*)([smhd])$/.exec(text || "");
  if (!m) throw new Error(`range ${JSON.stringify(text)}: expected a duration like 30m, 1h or 2d`);
  return Number(m[1]) * SECONDS[m[2]];
}

// "{{service}} {{method}}" with the series' labels; without a legend, its labels (or the query) say what it is
function seriesLabel(legend, metric, expr) {
  if (legend) return legend.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name) => metric[name] ?? "");
  const names = Object.keys(metric).filter((k) => !["__name__", "job", "instance"].includes(k));
  return names.length ? names.map((k) => `${k}=${metric[k]}`).join(" ") : expr;
}

async function queryRange(expr, win) {
  // $range: the window's length in PromQL (e.g. `topk(8, avg_over_time(x[$range] @ end()))` picks over the window)
  const query = expr.replaceAll("$range", win.range);
  const params = new URLSearchParams({ query, start: win.start, end: win.end, step: win.step });
  const reply = await fetch(`/prometheus/api/v1/query_range?${params}`);
  const text = await reply.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${reply.status} from /prometheus: ${text.slice(0, 200)}`);
  }
  if (body.status !== "success") throw new Error(`${body.errorType || reply.status}: ${body.error || text}`);
  return body.data.result;
}

// one query's matrix -> uPlot series aligned on the window's timestamps (null where Prometheus has no value)
function alignedSeries(result, query, win) {
  const count = Math.floor((win.end - win.start) / win.step) + 1;
  return result.map((series) => {
    const values = new Array(count).fill(null);
    for (const [ts, raw] of series.values) {
      const i = Math.round((ts - win.start) / win.step);
      const v = parseFloat(raw);
      if (i >= 0 && i < count && Number.isFinite(v)) values[i] = v;
    }
    return { label: seriesLabel(query.legend, series.metric, query.expr), values };
  });
}

function yRange(unit) {
  return (u, min, max) => {
    const low = Math.min(0, min ?? 0);
    let high = max ?? 0;
    if (unit === "ratio" && high <= 1) return [low, 1];
    return [low, high > low ? high * 1.1 : low + 1];
  };
}

class PanelView {
  constructor(panel, parent) {
    this.panel = panel;
    this.plot = null;
    this.el = document.createElement("section");
    this.el.className = "panel";
    this.el.dataset.title = panel.title;
    this.el.dataset.state = "loading";
    const title = document.createElement("h3");
    title.textContent = panel.title;
    if (panel.description) title.title = panel.description;
    this.chart = document.createElement("div");
    this.chart.className = "chart";
    this.el.append(title, this.chart);
    parent.append(this.el);
  }

  async load(win) {
    try {
      const results = await Promise.all(this.panel.queries.map((q) => queryRange(q.expr, win)));
      const series = results.flatMap((result, i) => alignedSeries(result, this.panel.queries[i], win));
      this.draw(series, win);
    } catch (err) {
      this.show("error", String(err.message || err));
    }
  }

  draw(series, win) {
    const points = series.reduce((n, s) => n + s.values.filter((v) => v != null).length, 0);
    this.el.dataset.points = points;
    this.el.dataset.series = series.length;
    if (points === 0) return this.show("empty", "no data in this window");
    const xs = series[0].values.map((_, i) => win.start + i * win.step);
    const unit = this.panel.unit;
    this.destroy();
    this.chart.replaceChildren();
    this.plot = new uPlot(
      {
        width: this.chart.clientWidth || 420,
        height: CHART_HEIGHT,
        scales: { x: { time: true }, y: { range: yRange(unit) } },
        axes: [{}, { size: 64, values: (u, ticks) => ticks.map((v) => format(unit, v)) }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            // past the palette, colours come round again, dashed: two lines never look alike
            dash: i >= PALETTE.length ? [6, 3] : undefined,
            width: 1.5,
            spanGaps: false,
            value: (u, v) => format(unit, v),
          })),
        ],
      },
      [xs, ...series.map((s) => s.values)],
      this.chart,
    );
    this.el.dataset.state = "ok";
  }

  show(state, message) {
    this.destroy();
    const note = document.createElement("div");
    note.className = "note";
    note.textContent = message;
    this.chart.replaceChildren(note);
    this.el.dataset.state = state;
    if (state === "error") this.el.dataset.error = message;
  }

  destroy() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: this.chart.clientWidth, height: CHART_HEIGHT });
  }
}

function timeWindow(range, fixedEnd) {
  const seconds = parseDuration(range);
  const step = Math.max(MIN_STEP, Math.ceil(seconds / POINTS));
  // aligned on the step, so that a refresh keeps the points where they were
  const end = Math.floor((fixedEnd ?? Date.now() / 1000) / step) * step;
  return { range, start: end - Math.floor(seconds / step) * step, end, step };
}

async function main() {
  const params = new URLSearchParams(location.search);
  const config = await (await fetch("panels.json")).json();
  const range = params.get("range") || config.range;
  parseDuration(range); // a malformed ?range= fails here, before any panel
  const fixedEnd = params.has("end") ? Number(params.get("end")) : null;
  const refresh = fixedEnd != null ? 0 : Number(params.get("refresh") ?? config.refresh_seconds);

  const picker = document.getElementById("range");
  if (![...picker.options].some((o) => o.value === range)) picker.add(new Option(range));
  picker.value = range;
  picker.addEventListener("change", () => {
    params.set("range", picker.value);
    location.search = params.toString();
  });

  const views = [];
  const main = document.getElementById("sections");
  for (const section of config.sections) {
    // a section is as wide as its panels need, so that short sections share a row
    const box = document.createElement("div");
    box.className = "section";
    box.style.flex = `${section.panels.length} 1 ${section.panels.length * PANEL_WIDTH}px`;
    const heading = document.createElement("h2");
    heading.textContent = section.title;
    const grid = document.createElement("div");
    grid.className = "grid";
    box.append(heading, grid);
    main.append(box);
    for (const panel of section.panels) views.push(new PanelView(panel, grid));
  }

  async function round() {
    const win = timeWindow(range, fixedEnd);
    const until = new Date(win.end * 1000).toISOString().replace("T", " ").slice(0, 19);
    document.getElementById("window").textContent = `last ${range} until ${until} UTC, step ${win.step}s`;
    await Promise.all(views.map((v) => v.load(win)));
    const failed = views.filter((v) => v.el.dataset.state === "error").length;
    document.getElementById("problems").textContent = failed ? `${failed} panel(s) failed` : "";
    Object.assign(document.body.dataset, { state: "ready", start: win.start, end: win.end, step: win.step });
    if (refresh > 0) setTimeout(round, refresh * 1000);
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => views.forEach((v) => v.resize()), 150);
  });
  await round();
}

main().catch((err) => {
  document.getElementById("problems").textContent = `dashboard: ${err.message || err}`;
  document.body.dataset.state = "error";
});
