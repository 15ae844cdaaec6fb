// `npm test`: the page in headless Chromium on the CPU backend and on WebGPU (SwiftShader),
// against what the native pipeline (the code of `predict`) gives on the same inputs.
//
// 1. `e2e_fixtures` (crates/bert-pipeline/examples) writes tiny random checkpoints, broken
//    folders and the native outputs for tests/e2e/cases.json into tests/e2e/.fixtures.
// 2. Each backend: every case through the page's panels, compared with the native output;
//    then the error cases, the long passage, a reload served from the Cache API, and (CPU)
//    the page reopened with the server stopped (service worker); then the faults of
//    tests/e2e/faults.mjs (stale caches, cut downloads, bad files, ids after a fallback, …).
//
// Tolerances: |logit| and score differences ≤ 1e-4 on the CPU backend (float rounding of
// SIMD vs scalar kernels; measured ~1e-6) and ≤ 1e-3 on WebGPU (different kernels and
// reduction orders; measured below). Labels and answer spans must be identical.
// Env: E2E_BACKENDS=cpu,webgpu  E2E_SKIP_FIXTURES=1  SHOTS_DIR=/tmp/shots

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../../web/serve.mjs";
import { launch, openPage } from "./browser.mjs";
import { chooseModel, loadUrl, submit } from "./panel.mjs";
import { faultChecks, intercept, productionCopy } from "./faults.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = resolve(root, "tests/e2e/.fixtures");
const TOLERANCE = { cpu: 1e-4, webgpu: 1e-3 };
const backends = (process.env.E2E_BACKENDS || "cpu,webgpu").split(",");
const shots = process.env.SHOTS_DIR;

let failures = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    console.log(`  ok   ${name}${detail ? ` — ${detail}` : ""} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures++;
    console.log(`  FAIL ${name}: ${e.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const maxDiff = (a, b) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

// What the page must show for a case, within `tol`; returns the largest difference.
function compare(native, web, tol) {
  if ("value" in native) {
    const d = Math.abs(native.value - web.value);
    assert(d <= tol, `value ${web.value} vs native ${native.value}`);
    return d;
  }
  if ("label" in native) {
    assert(web.label === native.label, `label ${web.label} vs native ${native.label}`);
    const d = maxDiff(native.logits, web.logits);
    assert(d <= tol, `logits differ by ${d.toExponential(2)} > ${tol}: ${web.logits} vs ${native.logits}`);
    return d;
  }
  for (const k of ["answer", "start", "end", "windows"]) {
    assert(web[k] === native[k], `${k} ${JSON.stringify(web[k])} vs native ${JSON.stringify(native[k])}`);
  }
  const d = Math.max(Math.abs(native.score - web.score), Math.abs(native.logit_score - web.logit_score));
  assert(d <= tol, `score differs by ${d.toExponential(2)}`);
  return d;
}

function context(c) {
  if (!c.template) return c.context;
  return Array.from({ length: c.count }, (_, i) => c.template.replaceAll("{i}", String(i))).join("");
}

if (!process.env.E2E_SKIP_FIXTURES) {
  console.log("making fixtures and native references (bert-pipeline's example e2e_fixtures)");
  // Built with the whole workspace's features, as `cargo test --workspace` builds it: a
  // `-p bert-pipeline` build would select fewer burn features and compile burn once more.
  execFileSync("cargo", ["build", "--quiet", "--workspace", "--examples"], { cwd: root, stdio: "inherit" });
  const target = process.env.CARGO_TARGET_DIR || resolve(root, "target");
  execFileSync(resolve(target, "debug/examples/e2e_fixtures"), [fixtures, resolve(root, "tests/e2e/cases.json")], { cwd: root, stdio: "inherit" });
}
const expected = JSON.parse(readFileSync(resolve(fixtures, "expected.json"), "utf8")).expected;
const downloads = [];
const requests = [];
const onRequest = (path, req, res) => {
  requests.push({ path, method: req.method });
  // Downloads of weights; a HEAD that asks whether a cached copy is current is not one.
  if (path.endsWith(".safetensors") && req.method === "GET") downloads.push(path);
  return intercept(path, req, res, root);
};
const server = await serve({ root, port: 0, onRequest });
const base = `http://127.0.0.1:${server.address().port}`;
// "Another site" (another port is another origin), and the page as a production build makes it.
const otherRequests = [];
const other = await serve({ root, port: 0, cors: true, onRequest: (path) => void otherRequests.push(path) });
const prod = await serve({ root: productionCopy(root, execFileSync), port: 0 });
const parity = {};

for (const backend of backends) {
  console.log(`\n${backend}:`);
  const browser = await launch(backend);
  const page = await openPage(browser, base, { backend, models: "tests/e2e/.fixtures/index.json" });
  const tol = TOLERANCE[backend];
  const diffs = { classify: 0, regression: 0, answer: 0 };

  await check(`runs on ${backend}`, async () => {
    const shown = await page.$eval("#backend", (e) => e.dataset.backend);
    assert(shown === backend, `the page runs on ${shown}: ${await page.$eval("#note", (e) => e.textContent)}`);
    return page.$eval("#backend", (e) => e.textContent);
  });

  for (const { case: c, native } of expected) {
    if (c.backends && !c.backends.includes(backend)) continue;
    const panel = c.question ? "ask" : "classify";
    const label = c.question ? `answer (${c.model}) "${c.question}"${c.long ? ` over ${context(c).length} characters` : ""}` : `classify (${c.model}) "${c.text}"${c.text_pair ? " + pair" : ""}`;
    await check(label, async () => {
      const loaded = await chooseModel(page, panel, c.model);
      assert(!loaded.error, loaded.error);
      const fields = c.question ? { context: context(c), question: c.question } : { text: c.text, "text-pair": c.text_pair || "" };
      const { result, error } = await submit(page, panel, fields);
      assert(!error, error);
      const d = compare(native, result, tol);
      const kind = c.question ? "answer" : "value" in native ? "regression" : "classify";
      diffs[kind] = Math.max(diffs[kind], d);
      if (c.long) assert(result.windows > 50, `${result.windows} windows for a long passage`);
      return `max diff ${d.toExponential(2)}${c.question ? `, "${result.answer}" [${result.start}, ${result.end})${result.windows > 1 ? ` in ${result.windows} windows` : ""}` : ""}`;
    });
  }
  parity[backend] = diffs;

  await check("empty inputs are refused with a message", async () => {
    await chooseModel(page, "classify", "clf");
    const a = await submit(page, "classify", { text: "   ", "text-pair": "" });
    assert(a.error?.includes("empty"), `classify: ${JSON.stringify(a)}`);
    await chooseModel(page, "ask", "qa");
    const b = await submit(page, "ask", { context: "The cat sat.", question: "" });
    assert(b.error?.includes("question is empty"), `ask: ${JSON.stringify(b)}`);
    return `"${a.error}" / "${b.error}"`;
  });

  await check("a model of the wrong task is refused with a message", async () => {
    const r = await loadUrl(page, "classify", "tests/e2e/.fixtures/qa");
    assert(r.error?.includes("qa is a question answering model: load it in the Ask panel"), JSON.stringify(r));
    return `"${r.error}"`;
  });

  await check("bad or incomplete model folders are refused with a message", async () => {
    const a = await loadUrl(page, "classify", "tests/e2e/.fixtures/no-tokenizer");
    assert(a.error?.includes("has no tokenizer.json"), JSON.stringify(a));
    const b = await loadUrl(page, "classify", "tests/e2e/.fixtures/truncated");
    assert(b.error?.includes("model.safetensors"), JSON.stringify(b));
    const c = await loadUrl(page, "classify", "tests/e2e/.fixtures/nothing-here");
    assert(c.error?.includes("has no config.json"), JSON.stringify(c));
    return `"${a.error}" / "${b.error}"`;
  });

  await check("a reload is served from the Cache API", async () => {
    const before = downloads.length;
    await page.reload();
    await page.evaluate(() => window.bert.restored);
    // The panel reloads its last model by itself, from the cache.
    const r = { status: await page.$eval(".model-picker[data-panel=classify] .status", (e) => e.textContent) };
    assert(r.status?.includes("from the browser cache"), JSON.stringify(r));
    assert(downloads.length === before, `${downloads.length - before} weight downloads after the reload`);
    return `"${r.status}"`;
  });

  if (backend === "cpu") {
    await check("offline, the page opens and answers as online (service worker + caches)", async () => {
      const fields = { text: "offline or not, the same answer", "text-pair": "" };
      await page.evaluate(() => navigator.serviceWorker.ready);
      const online = await submit(page, "classify", fields);
      assert(!online.error, online.error);
      const port = server.address().port;
      await new Promise((done) => {
        server.close(done);
        server.closeAllConnections();
      });
      try {
        // sw.js is not one of the cached files: this request reaches the network.
        const status = await page.evaluate(() => fetch("sw.js", { cache: "no-store" }).then(() => "served", () => "refused"));
        assert(status === "refused", "the server still answers");
        await page.reload();
        await page.evaluate(() => window.bert.restored);
        const offline = await submit(page, "classify", fields);
        assert(!offline.error, offline.error);
        assert(JSON.stringify(offline.result.logits) === JSON.stringify(online.result.logits), `offline ${JSON.stringify(offline.result)} vs online ${JSON.stringify(online.result)}`);
        return `server stopped; reloaded from the caches, "${offline.result.label}" as online`;
      } finally {
        await new Promise((done) => server.listen(port, "127.0.0.1", done));
      }
    });
  }

  if (backend === "webgpu") {
    await check("a lost GPU falls back to the CPU with a note, and the call is answered", async () => {
      const { case: c, native } = expected[0];
      await chooseModel(page, "classify", c.model);
      await page.evaluate(() => window.bert.client.loseDevice());
      const { result, error } = await submit(page, "classify", { text: c.text, "text-pair": c.text_pair || "" });
      assert(!error, error);
      compare(native, result, TOLERANCE.cpu);
      const shown = await page.$eval("#backend", (e) => e.dataset.backend);
      const note = await page.$eval("#note", (e) => (e.hidden ? "" : e.textContent));
      assert(shown === "cpu" && note.includes("GPU"), `backend ${shown}, note "${note}"`);
      return `"${note}"`;
    });
  }

  await faultChecks({
    browser, mainPage: page, base, backend, root, fixtures, expected, tol, cpuTol: TOLERANCE.cpu, requests, otherRequests,
    otherBase: `http://127.0.0.1:${other.address().port}`, prodBase: `http://127.0.0.1:${prod.address().port}`,
    check, assert, compare,
  });

  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/e2e-${backend}.png`, fullPage: true });
  }
  await browser.close();
}

for (const s of [server, other, prod]) s.close();
writeFileSync(resolve(fixtures, "parity.json"), JSON.stringify(parity, null, 2));
console.log(`\nparity (max |browser − native|): ${JSON.stringify(parity)}`);
console.log(failures ? `\n${failures} check(s) failed` : "\nall checks passed");
process.exit(failures ? 1 : 0);
