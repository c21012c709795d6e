import assert from "node:assert/strict";
import { parseFlags } from "./flags.ts";
import { renderReport } from "./main.ts";
import { buildReport, type LoadReport } from "./report.ts";
import { htmlReport } from "./report_html.ts";
import { progressLine, ProgressWriter, textSummary } from "./report_text.ts";
import type { RunResult } from "./runner.ts";
import { Stats } from "./stats.ts";

/**
 * A run of 3 s: 300 set and 100 get calls, 4 NOT_FOUND, open loop; calls left
 * on time but every 50th, which left `lateMs` late.
 */
function sampleResult(lateMs = 2): RunResult {
  const options = parseFlags([
    "--target",
    "127.0.0.1:8980",
    "--op",
    "mixed:set=3,get=1",
    "--rps",
    "133",
    "--duration",
    "3s",
    "--concurrency",
    "8",
  ]);
  const stats = new Stats(["set", "get"], { openLoop: true });
  const n = 400;
  const batch = {
    count: n,
    sent: new Float64Array(n),
    latencyUs: new Float64Array(n),
    lagUs: new Float64Array(n),
    op: new Uint8Array(n),
    status: new Uint8Array(n),
    messages: { 5: 'namespace "x" <is> not configured' } as Record<number, string>,
  };
  for (let i = 0; i < n; i++) {
    batch.sent[i] = i * 7.5; // 0 .. 2992 ms
    batch.latencyUs[i] = 500 + (i % 100) * 20;
    batch.lagUs[i] = i % 50 === 0 ? lateMs * 1000 : 0;
    batch.op[i] = i % 4 === 3 ? 1 : 0;
    batch.status[i] = i % 100 === 0 ? 5 : 0;
  }
  stats.add(batch);
  return {
    options,
    stats,
    elapsedS: Math.round(stats.lastCompletionMs) / 1000,
    startedAt: new Date("2025-01-02T03:04:05Z"),
    unsent: 3,
    unfinished: 2,
    workers: 1,
    warnings: ["cannot seed keys with Set: NOT_FOUND: nope"],
    stopped: true,
  };
}

Deno.test("report: the JSON report", () => {
  const r = buildReport(sampleResult());
  assert.equal(r.op, "mixed:set=3,get=1");
  assert.equal(r.requests, 400);
  assert.deepEqual(r.errors, { NOT_FOUND: 4 });
  assert.equal(r.error_rate, 0.01);
  assert.equal(r.mode, "open");
  assert.equal(r.rps_target, 133);
  assert.equal(r.ops.set.requests, 300);
  assert.equal(r.ops.get.requests, 100);
  assert.deepEqual(r.ops.set.errors, { NOT_FOUND: 4 });
  assert.equal(r.series.length, 3);
  assert.deepEqual(r.series.map((s) => s.requests), [134, 133, 133]);
  assert.ok(r.duration_s > 2.99 && r.duration_s < 3.01);
  assert.ok(Math.abs(r.throughput_rps - 400 / r.duration_s) < 0.01);
  assert.equal(r.started_at, "2025-01-02T03:04:05.000Z");
  assert.equal(r.histogram.reduce((n, b) => n + b.count, 0), 400);
  assert.equal(r.latency_ms.min, 0.5);
  assert.equal(r.error_messages.NOT_FOUND, 'namespace "x" <is> not configured');
  assert.deepEqual(JSON.parse(renderReport(r, "json")), r);
  // 2% of the calls left 2 ms late: the tester says its own delay is in the latencies.
  assert.equal(r.send_lag_ms?.p50, 0.001);
  assert.equal(r.send_lag_ms?.p99, 2);
  assert.equal(r.send_lag_ms?.max, 2);
  // Counted from the send, the late calls are 2 ms shorter (latency 0.5 ms: 500 µs − 2 ms → at least 1 µs).
  assert.equal(r.latency_from_send_ms?.min, 0.001);
  assert.equal(r.latency_from_send_ms?.max, r.latency_ms.max);
  assert.ok(r.latency_from_send_ms!.p50 <= r.latency_ms.p50);
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[1], /1% of the calls left 2 ms or more after their due time/);
  assert.deepEqual(buildReport(sampleResult(0.5)).warnings, [
    "cannot seed keys with Set: NOT_FOUND: nope",
  ]);
});

Deno.test("stats: only an open loop records send lag", () => {
  const batch = {
    count: 1,
    sent: new Float64Array([5]),
    latencyUs: new Float64Array([400]),
    lagUs: new Float64Array([100]),
    op: new Uint8Array([0]),
    status: new Uint8Array([0]),
    messages: {},
  };
  const open = new Stats(["get"], { openLoop: true });
  const closed = new Stats(["get"]);
  open.add(batch);
  closed.add(batch);
  assert.equal(open.sendLag.count, 1);
  assert.equal(open.fromSend.percentiles().max, 0.3);
  assert.equal(closed.sendLag.count, 0);
  assert.equal(closed.fromSend.count, 0);
  assert.equal(closed.total.count, 1);
});

Deno.test("report: a closed loop has no send lag", () => {
  const result = sampleResult();
  result.options = parseFlags(["--target", "127.0.0.1:8980", "--op", "get", "--concurrency", "8"]);
  const r = buildReport(result);
  assert.equal(r.mode, "closed");
  assert.equal(r.send_lag_ms, undefined);
  assert.equal(r.latency_from_send_ms, undefined);
  assert.doesNotMatch(textSummary(r), /send lag/);
  assert.doesNotMatch(htmlReport(r), /send lag/);
});

Deno.test("report: text summary and progress lines", () => {
  const r = buildReport(sampleResult());
  const text = textSummary(r);
  assert.match(text, /open loop at 133 req\/s \(at most 8 in flight\)/);
  assert.match(text, /STOPPED EARLY/);
  assert.match(text, /requests {4}400 in 3\.00s/);
  assert.match(text, /errors {6}4 \(1\.00%\)/);
  assert.match(text, /NOT_FOUND +4 {2}e\.g\. "namespace "x" <is> not configured"/);
  assert.match(text, /^ {2}set {7}/m);
  assert.match(text, /3 calls due in the run were never sent/);
  assert.match(text, /2 calls were still in flight at the end/);
  assert.match(text, /warning: cannot seed keys/);
  assert.match(text, /^ {2}send lag +0\.00 +0\.00 .* +2\.00 +how late calls left/m);
  assert.match(text, /warning: 1% of the calls left 2 ms or more/);
  assert.equal(renderReport(r, "text"), text + "\n");

  assert.equal(
    progressLine({ t: 0, requests: 0, errors: 0, rate: 0, p99: 0 }),
    "[warm-up] warming up (not measured)",
  );
  assert.equal(
    progressLine({ t: 12, requests: 123456, errors: 7, rate: 10234, p99: 123.4 }),
    "[  12s] 10,234 req/s  errors 7  p99 123 ms  total 123,456",
  );
  assert.match(progressLine({ t: 1, requests: 1, errors: 0, rate: 1, p99: 12.34 }), /p99 12\.3 ms/);
  const out: string[] = [];
  const tty = new ProgressWriter(true, (s) => out.push(s));
  tty.update({ t: 1, requests: 1, errors: 0, rate: 1, p99: 1 });
  tty.update({ t: 2, requests: 2, errors: 0, rate: 1, p99: 1 });
  tty.done();
  tty.done();
  assert.equal(out.length, 3);
  assert.ok(out[0].startsWith("\r\x1b[2K[   1s]"));
  assert.equal(out[2], "\n");
  // The default writer goes to stderr.
  new ProgressWriter().done();
});

Deno.test("report: HTML page is self-contained and escapes what it shows", () => {
  const r = buildReport(sampleResult());
  const page = htmlReport(r);
  assert.equal(renderReport(r, "html"), page);
  assert.match(page, /^<!DOCTYPE html>/);
  assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)=/i);
  assert.match(page, /namespace &quot;x&quot; &lt;is&gt; not configured/);
  // The embedded data cannot close its script element.
  const data = page.slice(page.indexOf('id="report-data">'), page.indexOf("</script>"));
  assert.doesNotMatch(data.slice(20), /</);
  const embedded = JSON.parse(
    page.slice(page.indexOf('id="report-data">') + 17, page.indexOf("</script>")),
  ) as LoadReport;
  assert.equal(embedded.requests, 400);
  for (const id of ["chart-histogram", "chart-latency", "chart-throughput", "render-status"]) {
    assert.ok(page.includes(`id="${id}"`), id);
  }
  assert.match(page, /<b>stopped early<\/b>/);
  assert.match(page, /<td>set<\/td><td>300<\/td><td>4<\/td>/);
  assert.match(page, /<td>send lag \(how late calls left: the tester's own delay\)<\/td>/);
});
