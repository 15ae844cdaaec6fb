// The page under bad input and faults (issue 15), for tests/e2e/run.mjs: stale caches, cut
// downloads, oversized configs, garbage files, huge inputs, model ids after a GPU fallback,
// model lists from other sites, the Content-Security-Policy, and the production build's lack
// of test hooks. Each check builds its own folders under tests/e2e/.scratch from the
// fixtures, and most open their own page (a fresh browser context: empty caches).

import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { crc32 } from "../../web/fetch.js";
import { openPage } from "./browser.mjs";
import { chooseModel, loadUrl, submit } from "./panel.mjs";

const FILES = ["config.json", "model.safetensors", "tokenizer.json"];
// Paths whose download the server cuts in half (see `intercept`).
const cut = new Set();

// For run.mjs's server: answers a request itself when it is to be cut short; true if so.
export function intercept(path, req, res, root) {
  if (!cut.has(path) || req.method !== "GET") return false;
  const bytes = readFileSync(resolve(root, `.${path}`));
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
  // Half the promised bytes, then the connection drops: what a failing proxy or link does.
  res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket.destroy());
  return true;
}

// A model folder under .scratch: the fixture `from`'s files, some replaced by `files`.
function folder(ctx, name, from, files = {}) {
  const dir = resolve(ctx.scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of FILES) {
    if (f in files) writeFileSync(resolve(dir, f), files[f]);
    else copyFileSync(resolve(ctx.fixtures, from, f), resolve(dir, f));
  }
  return { dir, url: `tests/e2e/.scratch/${ctx.backend}/${name}` };
}

// Adds `delta` to the weights' classifier.bias in place: logits move by exactly `delta`.
function shiftBias(file, delta) {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const { data_offsets: [start] } = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"))["classifier.bias"];
  delta.forEach((d, i) => bytes.writeFloatLE(bytes.readFloatLE(8 + n + start + 4 * i) + d, 8 + n + start + 4 * i));
  writeFileSync(file, bytes);
}

// models/index.json as the trainer writes it (crates/bert-train/src/registry.rs), stamps included.
function writeIndex(path, dir, name) {
  const files = Object.fromEntries(FILES.map((f) => {
    const b = readFileSync(resolve(dir, f));
    return [f, { bytes: b.length, crc32: crc32(b) }];
  }));
  const entry = { name, task: "sst2", kind: "classification", path: name, metric: { name: "accuracy", value: 0.5 }, base_model: "random", created: "2026-12-01T00:00:00Z", files };
  writeFileSync(path, JSON.stringify({ models: [entry] }, null, 2));
}

const status = (page, panel) => page.$eval(`.model-picker[data-panel=${panel}] .status`, (e) => e.textContent);

export async function faultChecks(ctx) {
  const { browser, base, backend, check, assert, compare, expected, tol, requests } = ctx;
  ctx.scratch = resolve(ctx.root, "tests/e2e/.scratch", backend);
  rmSync(ctx.scratch, { recursive: true, force: true });
  mkdirSync(ctx.scratch, { recursive: true });
  const clfCase = expected.find((e) => e.case.model === "clf");
  const qaCase = expected.find((e) => e.case.model === "qa" && e.case.context);
  const fields = { text: clfCase.case.text, "text-pair": clfCase.case.text_pair || "" };
  const fixturesIndex = "tests/e2e/.fixtures/index.json";
  const open = (models = fixturesIndex, at = base) => openPage(browser, at, models ? { backend, models } : { backend });
  const good = async (page) => {
    const r = await submit(page, "classify", fields);
    assert(!r.error, `a good request after it: ${r.error}`);
    compare(clfCase.native, r.result, tol);
  };
  // The native output after `shiftBias(…, delta)`: logits moved by delta, and the label of
  // their argmax, which the shift may change (it depends on the fixture's weights).
  const { id2label } = JSON.parse(readFileSync(resolve(ctx.fixtures, "clf/config.json"), "utf8"));
  const shifted = (native, delta) => {
    const logits = native.logits.map((x, i) => x + delta[i]);
    return { ...native, logits, label: id2label[logits.indexOf(Math.max(...logits))] };
  };

  await check("a retrained model replaces its cached copy (index stamps; a typed URL by ETag)", async () => {
    const delta = [1, 0.5, -1];
    const m = folder(ctx, "m", "clf");
    const index = resolve(ctx.scratch, "index.json");
    writeIndex(index, m.dir, "m");
    const page = await open(`tests/e2e/.scratch/${backend}/index.json`);
    try {
      await chooseModel(page, "classify", "m");
      const before = await submit(page, "classify", fields);
      compare(clfCase.native, before.result, tol);
      // Retrained into the same folder: same sizes, other weights, the index rewritten.
      shiftBias(resolve(m.dir, "model.safetensors"), delta);
      writeIndex(index, m.dir, "m");
      await page.reload();
      await page.evaluate(() => window.bert.restored);
      const shown = await status(page, "classify");
      assert(shown.includes("downloaded"), `after retraining: "${shown}"`);
      const after = await submit(page, "classify", fields);
      compare(shifted(clfCase.native, delta), after.result, tol);
      // Unchanged since: straight from the cache, without asking the server.
      const asked = requests.length;
      await page.reload();
      await page.evaluate(() => window.bert.restored);
      assert((await status(page, "classify")).includes("from the browser cache"), await status(page, "classify"));
      const weights = requests.slice(asked).filter((r) => r.path.endsWith("/m/model.safetensors"));
      assert(weights.length === 0, `${weights.length} requests for stamped, unchanged weights`);
      // A typed URL has no stamps: its copy is checked against the server's ETag.
      const t = folder(ctx, "typed", "clf");
      await loadUrl(page, "classify", t.url);
      shiftBias(resolve(t.dir, "model.safetensors"), delta);
      await page.reload();
      await page.evaluate(() => window.bert.restored);
      const typed = await submit(page, "classify", fields);
      compare(shifted(clfCase.native, delta), typed.result, tol);
      return `logits ${before.result.logits.map((x) => x.toFixed(3))} → ${after.result.logits.map((x) => x.toFixed(3))}`;
    } finally {
      await page.context().close();
    }
  });

  const page = await open();
  await chooseModel(page, "classify", "clf");

  await check("a download cut short of its content-length is refused, and not cached", async () => {
    const c = folder(ctx, "cut", "clf");
    const path = `/${c.url}/model.safetensors`;
    cut.add(path);
    let r;
    try {
      r = await loadUrl(page, "classify", c.url);
    } finally {
      cut.delete(path);
    }
    assert(/model\.safetensors/.test(r.error) && /(ended|broke off) after \d+/.test(r.error), JSON.stringify(r));
    const kept = await page.evaluate((url) => caches.open("bert-web-models-v1").then((cache) => cache.match(url)).then(Boolean), base + path);
    assert(!kept, "the cut download is in the cache");
    const again = await loadUrl(page, "classify", c.url);
    assert(again.status?.includes("downloaded"), JSON.stringify(again));
    await good(page);
    return `"${r.error}"`;
  });

  await check("an oversized config is refused with a message before its weights download", async () => {
    const config = JSON.parse(readFileSync(resolve(ctx.fixtures, "clf/config.json"), "utf8"));
    const big = folder(ctx, "big-config", "clf", { "config.json": JSON.stringify({ ...config, intermediate_size: 4000000000 }) });
    const asked = requests.length;
    const r = await loadUrl(page, "classify", big.url);
    assert(/parameters|intermediate_size/.test(r.error || ""), JSON.stringify(r));
    const weights = requests.slice(asked).filter((q) => q.path.endsWith("/big-config/model.safetensors"));
    assert(weights.length === 0, `the weights were requested ${weights.length} time(s)`);
    await good(page);
    return `"${r.error}"`;
  });

  await check("random weights, a wrong tokenizer.json, a 1 MB sentence: a message each, then a good request works", async () => {
    let seed = 15;
    const noise = Buffer.alloc(65536, 0).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const messages = [];
    const a = await loadUrl(page, "classify", folder(ctx, "noise", "clf", { "model.safetensors": noise }).url);
    assert(a.error, `random bytes as model.safetensors: ${JSON.stringify(a)}`);
    messages.push(a.error);
    await good(page);
    const b = await loadUrl(page, "classify", folder(ctx, "bad-tokenizer", "clf", { "tokenizer.json": '{"this is": "not a tokenizer"}' }).url);
    assert(b.error?.includes("tokenizer.json"), `a wrong tokenizer.json: ${JSON.stringify(b)}`);
    messages.push(b.error);
    await good(page);
    const c = await submit(page, "classify", { text: "word ".repeat(209716), "text-pair": "" });
    assert(c.error?.includes("characters long"), `a 1 MB sentence: ${JSON.stringify(c).slice(0, 300)}`);
    messages.push(c.error);
    await good(page);
    return messages.map((m) => `"${m}"`).join(" / ");
  });

  await check("a model list from another origin waits for a click (same origin loads at once)", async () => {
    assert(await ctx.mainPage.$eval("#index-confirm", (e) => e.hidden), "the same-origin list asked for a click");
    const asked = ctx.otherRequests.length;
    const other = await open(`${ctx.otherBase}/${fixturesIndex}`);
    try {
      await other.waitForTimeout(500);
      assert(!(await other.$eval("#index-confirm", (e) => e.hidden)), "no question shown");
      assert(ctx.otherRequests.length === asked, `the other site got ${ctx.otherRequests.slice(asked).join(", ")} before any click`);
      const options = await other.$$eval(".model-picker[data-panel=classify] option", (o) => o.filter((x) => x.value).length);
      assert(options === 0, `${options} models listed before any click`);
      const question = await other.$eval("#index-confirm-text", (e) => e.textContent);
      await other.click("#index-load");
      await other.waitForFunction(() => document.querySelectorAll(".model-picker[data-panel=classify] option[value]:not([value=''])").length > 0);
      const loaded = await chooseModel(other, "classify", "clf");
      assert(!loaded.error, loaded.error);
      await good(other);
      return `"${question.slice(0, 70)}…", then clf from ${ctx.otherBase}`;
    } finally {
      await other.context().close();
    }
  });

  await check("a Content-Security-Policy blocks injected inline script", async () => {
    const main = ctx.mainPage;
    const meta = await main.$eval('meta[http-equiv="Content-Security-Policy"]', (e) => e.content);
    const header = (await fetch(`${base}/web/worker.js`)).headers.get("content-security-policy") || "";
    assert(meta.includes("'wasm-unsafe-eval'") && header.startsWith(meta), `meta "${meta}", worker header "${header}"`);
    const ran = await main.evaluate(async () => {
      const blocked = new Promise((ok) => document.addEventListener("securitypolicyviolation", (e) => ok(e.violatedDirective), { once: true }));
      const s = document.createElement("script");
      s.textContent = "window.injected = true";
      document.head.append(s);
      const why = await Promise.race([blocked, new Promise((ok) => setTimeout(() => ok(null), 1000))]);
      return { injected: window.injected === true, why };
    });
    assert(!ran.injected && ran.why, `inline script ${ran.injected ? "ran" : "did not run, but no violation was reported"}`);
    return `blocked by ${ran.why}`;
  });

  await check("the production build lacks the loseDevice test hook", async () => {
    assert((await ctx.mainPage.evaluate(() => typeof window.bert.client.loseDevice)) === "function", "the test build lacks the hook");
    const prod = await open(null, ctx.prodBase);
    try {
      const flags = await (await fetch(`${ctx.prodBase}/web/pkg/build-flags.js`)).text();
      assert(flags.includes("TEST_HOOKS = false"), flags);
      const client = await prod.evaluate(() => typeof window.bert.client.loseDevice);
      const worker = await prod.evaluate(() => new Promise((ok) => {
        const w = window.bert.client.worker;
        w.addEventListener("message", ({ data }) => data.id === -1 && ok(data));
        w.postMessage({ id: -1, op: "loseDevice", args: {} });
      }));
      assert(client === "undefined" && !worker.ok && worker.error.message.includes("unknown operation"), `client: ${client}, worker: ${JSON.stringify(worker)}`);
      return `client.loseDevice ${client}; worker: "${worker.error.message}"`;
    } finally {
      await prod.context().close();
    }
  });
  await page.context().close();

  if (backend !== "webgpu") return;
  await check("model ids stay unique after a GPU fallback (each call reaches its own model)", async () => {
    const p = await open();
    try {
      await chooseModel(p, "classify", "clf");
      await chooseModel(p, "ask", "qa");
      await chooseModel(p, "ask", "qa2"); // unloads qa: the page's ids are no longer 1, 2, …
      await p.evaluate(() => window.bert.client.loseDevice());
      await p.waitForFunction(() => document.querySelector("#backend").dataset.backend === "cpu");
      await p.evaluate(() => window.bert.client.recovering);
      const loaded = await chooseModel(p, "ask", "qa"); // a new model in the new worker
      assert(!loaded.error, loaded.error);
      const a = await submit(p, "ask", { context: qaCase.case.context, question: qaCase.case.question });
      assert(!a.error, `answer: ${a.error}`);
      compare(qaCase.native, a.result, ctx.cpuTol);
      const c = await submit(p, "classify", fields);
      assert(!c.error, `classify: ${c.error}`);
      compare(clfCase.native, c.result, ctx.cpuTol);
      return `"${a.result.answer}" from qa, "${c.result.label}" from clf, on the CPU`;
    } finally {
      await p.context().close();
    }
  });
}

// A copy of the page as a production build makes it (web/build.mjs without --test-hooks),
// beside the built engine: what `npm run build` would deploy.
export function productionCopy(root, execFileSync) {
  const out = resolve(root, "tests/e2e/.scratch/prod");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(resolve(out, "web/pkg"), { recursive: true });
  for (const f of ["index.html", "sw.js"]) copyFileSync(resolve(root, f), resolve(out, f));
  cpSync(resolve(root, "web"), resolve(out, "web"), { recursive: true, filter: (src) => !src.includes(`${resolve(root, "web/pkg")}/`) || /bert_web(_bg\.wasm|\.js)$/.test(src) });
  execFileSync("node", [resolve(root, "web/build.mjs"), "--flags-only", "--out", resolve(out, "web/pkg")], { stdio: "inherit" });
  return out;
}
