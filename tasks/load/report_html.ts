/**
 * `--format html`: one self-contained page (no network: the data and the
 * script that draws the charts as inline SVG are in the page) with the
 * summary, the per-op table, the latency histogram, latency percentiles
 * over time and throughput over time. The script writes "3 charts drawn"
 * into `#render-status` once it has drawn them (or the error it hit), so
 * a headless browser can tell the page worked.
 *
 * @module
 */
import type { LatencyMs } from "../bench/report.ts";
import { latencyColumns, type LoadReport } from "./report.ts";

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** A latency summary as table cells. */
function cells(l: LatencyMs): string {
  return latencyColumns(l).map((v) => `<td>${fmt(v)}</td>`).join("");
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The charts' script: reads `#report-data`, draws into `#chart-*`. */
const SCRIPT = `
(function () {
  "use strict";
  var status = document.getElementById("render-status");
  try {
    var r = JSON.parse(document.getElementById("report-data").textContent);
    var NS = "http://www.w3.org/2000/svg";
    var W = 1100, H = 300, L = 70, R = 20, T = 20, B = 45;
    function el(name, attrs, parent, text) {
      var e = document.createElementNS(NS, name);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      if (parent) parent.appendChild(e);
      return e;
    }
    function svg(id) {
      var s = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img" });
      document.getElementById(id).appendChild(s);
      return s;
    }
    function nice(max) {
      if (!(max > 0)) return 1;
      var p = Math.pow(10, Math.floor(Math.log10(max))), m = max / p;
      return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }
    function label(v) {
      return v >= 1000 ? +(v / 1000).toPrecision(3) + "k" : +v.toPrecision(3) + "";
    }
    function axes(s, xLabel, yLabel, yMax, xTicks) {
      for (var i = 0; i <= 4; i++) {
        var y = T + (H - T - B) * (1 - i / 4);
        el("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e3e3" }, s);
        el("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 11 }, s, label(yMax * i / 4));
      }
      xTicks.forEach(function (t) {
        el("text", { x: t[0], y: H - B + 16, "text-anchor": "middle", "font-size": 11 }, s, t[1]);
      });
      el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#444" }, s);
      el("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#444" }, s);
      el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12 }, s, xLabel);
      el("text", { x: 14, y: (T + H - B) / 2, "font-size": 12, transform: "rotate(-90 14 " + (T + H - B) / 2 + ")", "text-anchor": "middle" }, s, yLabel);
    }
    function legend(s, items) {
      items.forEach(function (it, i) {
        var x = L + 10 + i * 150;
        el("rect", { x: x, y: T, width: 12, height: 12, fill: it[1] }, s);
        el("text", { x: x + 18, y: T + 10, "font-size": 12 }, s, it[0]);
      });
    }
    function timeChart(id, series, yLabel) {
      var s = svg(id);
      var n = r.series.length;
      var yMax = nice(Math.max.apply(null, [0].concat(series.map(function (se) {
        return Math.max.apply(null, [0].concat(r.series.map(se.value)));
      }))));
      var x = function (i) { return L + (W - L - R) * (n <= 1 ? 0.5 : i / (n - 1)); };
      var y = function (v) { return T + (H - T - B) * (1 - v / yMax); };
      var ticks = [], step = Math.max(1, Math.ceil(n / 12));
      for (var i = 0; i < n; i += step) ticks.push([x(i), r.series[i].t + "s"]);
      axes(s, "time since warm-up (s)", yLabel, yMax, ticks);
      series.forEach(function (se) {
        var pts = r.series.map(function (p, i) { return x(i) + "," + y(se.value(p)); }).join(" ");
        el("polyline", { points: pts, fill: "none", stroke: se.color, "stroke-width": 2, "class": "series" }, s);
        r.series.forEach(function (p, i) { el("circle", { cx: x(i), cy: y(se.value(p)), r: 2.5, fill: se.color }, s); });
      });
      legend(s, series.map(function (se) { return [se.name, se.color]; }));
    }
    function histogram(id) {
      var s = svg(id);
      var bins = r.histogram, n = bins.length;
      var yMax = nice(Math.max.apply(null, [0].concat(bins.map(function (b) { return b.count; }))));
      var bw = (W - L - R) / Math.max(1, n);
      var ticks = [], step = Math.max(1, Math.ceil(n / 10));
      for (var i = 0; i < n; i += step) ticks.push([L + bw * i, label(bins[i].from_ms)]);
      axes(s, "latency (ms, log scale)", "calls", yMax, ticks);
      bins.forEach(function (b, i) {
        var h = (H - T - B) * b.count / yMax;
        var rect = el("rect", { x: L + bw * i + 1, y: H - B - h, width: Math.max(1, bw - 2), height: h, fill: "#4e79a7", "class": "bar" }, s);
        el("title", {}, rect, b.from_ms + "–" + b.to_ms + " ms: " + b.count + " calls");
      });
      var marks = [["p50", r.latency_ms.p50, "#59a14f"], ["p99", r.latency_ms.p99, "#e15759"]];
      marks.forEach(function (m) {
        var idx = bins.findIndex(function (b) { return m[1] < b.to_ms; });
        if (idx < 0) idx = n - 1;
        var xm = L + bw * (idx + 0.5);
        el("line", { x1: xm, x2: xm, y1: T, y2: H - B, stroke: m[2], "stroke-dasharray": "4 3" }, s);
        el("text", { x: xm + 4, y: T + 24, "font-size": 12, fill: m[2] }, s, m[0] + " " + m[1] + " ms");
      });
    }
    histogram("chart-histogram");
    timeChart("chart-latency", [
      { name: "p50 (ms)", color: "#59a14f", value: function (p) { return p.p50_ms; } },
      { name: "p99 (ms)", color: "#e15759", value: function (p) { return p.p99_ms; } },
    ], "latency (ms)");
    timeChart("chart-throughput", [
      { name: "calls/s", color: "#4e79a7", value: function (p) { return p.requests; } },
      { name: "errors/s", color: "#e15759", value: function (p) { return p.errors; } },
    ], "calls per second");
    status.textContent = document.querySelectorAll("svg").length + " charts drawn";
    status.className = "ok";
  } catch (e) {
    status.textContent = "chart error: " + e;
    status.className = "error";
    throw e;
  }
})();
`;

/**
 * Renders the HTML report.
 *
 * @example
 * ```ts ignore
 * import { htmlReport } from "./report_html.ts";
 * await Deno.writeTextFile("report.html", htmlReport(report));
 * ```
 */
export function htmlReport(r: LoadReport): string {
  const l = r.latency_ms;
  const errTotal = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const rows = Object.entries(r.ops).map(([op, o]) => {
    const e = Object.values(o.errors).reduce((a, b) => a + b, 0);
    return `<tr><td>${esc(op)}</td><td>${o.requests}</td><td>${e}</td><td>${
      o.throughput_rps.toFixed(1)
    }</td>${cells(o.latency_ms)}</tr>`;
  }).join("\n") + (r.send_lag_ms
    ? `\n<tr><td>send lag (how late calls left: the tester's own delay)</td><td></td><td></td><td></td>${
      cells(r.send_lag_ms)
    }</tr>`
    : "");
  const errors = Object.entries(r.errors).map(([name, n]) =>
    `<li><b>${esc(name)}</b>: ${n}${
      r.error_messages[name] ? ` — e.g. “${esc(r.error_messages[name])}”` : ""
    }</li>`
  ).join("");
  const data = JSON.stringify(r).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
  const mode = r.mode === "open"
    ? `open loop at ${r.rps_target} req/s (at most ${r.concurrency} in flight)`
    : `closed loop, ${r.concurrency} in flight`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>prism load: ${esc(r.op)} on ${esc(r.target)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #222; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 6px; }
  .meta { color: #555; }
  .cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
  .card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
  .card b { display: block; font-size: 20px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
  td:first-child, th:first-child { text-align: left; }
  .chart { border: 1px solid #eee; border-radius: 6px; padding: 6px; max-width: 1120px; }
  #render-status { font-size: 12px; color: #777; } #render-status.error { color: #c00; }
</style>
</head>
<body>
<h1>prism load: ${esc(r.op)} on ${esc(r.target)}</h1>
<div class="meta">namespace ${esc(r.namespace)} · ${esc(mode)} · ${r.connections} connection(s) ·
profile ${esc(r.profile)} · warm-up ${r.warmup_s}s · value ${r.value_size} B · ${r.keys} keys ·
started ${esc(r.started_at)}${r.stopped_early ? " · <b>stopped early</b>" : ""}</div>
<div class="cards">
  <div class="card">throughput<b>${r.throughput_rps.toFixed(1)}</b>req/s</div>
  <div class="card">requests<b>${r.requests}</b>in ${r.duration_s.toFixed(2)} s</div>
  <div class="card">errors<b>${errTotal}</b>${(r.error_rate * 100).toFixed(2)}%</div>
  <div class="card">p50<b>${fmt(l.p50)}</b>ms</div>
  <div class="card">p99<b>${fmt(l.p99)}</b>ms</div>
  <div class="card">p99.9<b>${fmt(l.p999)}</b>ms</div>
  <div class="card">max<b>${fmt(l.max)}</b>ms</div>
</div>
${errors ? `<h2>Errors</h2><ul>${errors}</ul>` : ""}
<h2>Latency by op (ms)</h2>
<table>
<tr><th>op</th><th>requests</th><th>errors</th><th>req/s</th><th>min</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>
${rows}
</table>
<h2>Latency histogram</h2>
<div class="chart" id="chart-histogram"></div>
<h2>Latency percentiles over time</h2>
<div class="chart" id="chart-latency"></div>
<h2>Throughput over time</h2>
<div class="chart" id="chart-throughput"></div>
<p id="render-status">charts not drawn (JavaScript disabled?)</p>
<script type="application/json" id="report-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
