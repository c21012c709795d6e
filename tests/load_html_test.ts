/**
 * `prism load --format html` writes one self-contained page that a browser
 * renders without errors: headless Chromium (Debian's `chromium`, installed
 * when missing and running as root; the test is skipped with a message
 * otherwise) takes a screenshot of it, and its DOM after the script ran
 * shows the three charts drawn.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ensureDebianTool } from "../tasks/ensure_tools.ts";
import { findExecutable } from "../tasks/tools.ts";
import { runLoadCaptured } from "../tasks/load/_testing.ts";
import { startTestProxy } from "./_harness.ts";

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function chromium(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = (await findExecutable("chromium"))!;
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped", stdin: "null" })
    .output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...png.subarray(0, 8)], sig, "not a PNG");
  const dv = new DataView(png.buffer, png.byteOffset);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const available = await ensureDebianTool("chromium").catch((err) => {
  console.log(
    `chromium: cannot install (${(err as Error).message}); the HTML report test is skipped`,
  );
  return false;
});
if (!available) {
  console.log(
    "load_html_test: SKIPPED — chromium is not installed (apt-get install chromium as root)",
  );
}

Deno.test({
  name: "prism load: the HTML report renders in headless Chromium with its charts",
  ignore: !available,
  fn: async () => {
    const t = await startTestProxy("namespaces: [{ name: default, backend: memstore }]\n");
    const dir = await Deno.makeTempDir({ prefix: "prism-load-html-" });
    try {
      const html = `${dir}/report.html`;
      const run = await runLoadCaptured([
        "--target",
        t.address,
        "--op",
        "mixed:set=50,get=50",
        "--duration",
        "3s",
        "--warmup",
        "0s",
        "--concurrency",
        "4",
        "--format",
        "html",
        "--out",
        html,
        "--quiet",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const page = await Deno.readTextFile(html);
      // Self-contained: nothing to fetch.
      assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)=/i);
      assert.doesNotMatch(page, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

      const png = `${dir}/shot.png`;
      const profile = `${dir}/profile`;
      const shot = await chromium([
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        "--enable-logging=stderr",
        "--v=0",
        `--screenshot=${png}`,
        "--window-size=1280,1600",
        `file://${html}`,
      ]);
      assert.equal(shot.code, 0, shot.stderr);
      assert.doesNotMatch(shot.stderr, /Uncaught/);
      const bytes = await Deno.readFile(png);
      assert.deepEqual(pngSize(bytes), { width: 1280, height: 1600 });
      // Charts and text make a PNG far bigger than a blank page's few KiB.
      assert.ok(bytes.length > 40_000, `screenshot is only ${bytes.length} bytes`);
      if (Deno.env.get("PRISM_KEEP_SCREENSHOT")) {
        await Deno.copyFile(png, Deno.env.get("PRISM_KEEP_SCREENSHOT")!);
      }

      const dom = await chromium([
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        "--dump-dom",
        `file://${html}`,
      ]);
      assert.equal(dom.code, 0, dom.stderr);
      assert.match(dom.stdout, /<p id="render-status" class="ok">3 charts drawn<\/p>/);
      assert.equal((dom.stdout.match(/<svg /g) ?? []).length, 3);
      assert.ok((dom.stdout.match(/class="bar"/g) ?? []).length > 3);
      assert.equal((dom.stdout.match(/class="series"/g) ?? []).length, 4);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await t.stop();
    }
  },
});
