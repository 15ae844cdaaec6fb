// `npm run bench`: our page vs transformers.js in the same headless Chromium, MiniLM shape,
// on the CPU (wasm) and WebGPU (SwiftShader unless the machine has a GPU). Each run is a
// fresh browser process; configurations are interleaved run after run; medians over runs.
//
//   python3 tests/e2e/make_bench_models.py   # once: models (+ ONNX) and inputs in tests/e2e/.bench
//   npm run build && npm install --ignore-scripts && node tests/e2e/bench.mjs [--runs 3] [--backends cpu,webgpu]

import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../../web/serve.mjs";
import { launch } from "./browser.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg("--runs", 3));
const backends = arg("--backends", "cpu,webgpu").split(",");
const engines = arg("--engines", "ours,transformers.js").split(",");
const steady = { cpu: 10, webgpu: 5 };

const server = await serve({ root, port: 0 });
const base = `http://127.0.0.1:${server.address().port}`;
const results = {};

async function once(engine, backend) {
  const browser = await launch(backend);
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/web/bench.html?engine=${engine}&backend=${backend}&steady=${steady[backend]}`);
    await page.waitForFunction(() => window.benchResult, null, { timeout: 900000, polling: 500 });
    return await page.evaluate(() => window.benchResult);
  } finally {
    await browser.close();
  }
}

for (let run = 1; run <= runs; run++) {
  for (const backend of backends) {
    for (const engine of engines) {
      const r = await once(engine, backend);
      const key = `${engine}/${backend}`;
      (results[key] ||= []).push(r);
      console.log(`run ${run} ${key}: ${r.error ? `error: ${r.error}` : `load ${r.load_ms.toFixed(0)} ms, classify 1 ${r.classify_1.steady.toFixed(1)} ms, 32 ${r.classify_32.steady.toFixed(1)} ms, qa ${r.qa_384.steady.toFixed(1)} ms`}`);
    }
  }
}
server.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const metrics = [
  ["load (engine + model)", (r) => r.load_ms],
  ["classify 1, first", (r) => r.classify_1.first],
  ["classify 1, steady", (r) => r.classify_1.steady],
  ["classify 32, first", (r) => r.classify_32.first],
  ["classify 32, steady", (r) => r.classify_32.steady],
  ["QA 384 tokens, first", (r) => r.qa_384.first],
  ["QA 384 tokens, steady", (r) => r.qa_384.steady],
];
const gz = (...files) => files.reduce((n, f) => n + gzipSync(readFileSync(resolve(root, f)), { level: 9 }).length, 0);
const sizes = {
  ours: gz("web/pkg/bert_web_bg.wasm", "web/pkg/bert_web.js", "web/worker.js", "web/fetch.js", "web/client.js"),
  ours_wasm: readFileSync(resolve(root, "web/pkg/bert_web_bg.wasm")).length,
  "transformers.js (wasm backend)": gz("node_modules/@huggingface/transformers/dist/transformers.min.js", "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm"),
};
let table = `MiniLM-L6 shape (6 layers, hidden 384), median of ${runs} runs (fresh Chromium each), ms\n\n`;
for (const backend of backends) {
  const cell = (engine, get) => {
    const ok = (results[`${engine}/${backend}`] || []).filter((r) => !r.error);
    return ok.length ? median(ok.map(get)) : null;
  };
  table += `| ${backend} | ours | transformers.js | ours / transformers.js |\n|---|---:|---:|---:|\n`;
  for (const [name, get] of metrics) {
    const [a, b] = [cell("ours", get), cell("transformers.js", get)];
    const f = (x) => (x === null ? "n/a" : x.toFixed(x < 10 ? 1 : 0));
    table += `| ${name} | ${f(a)} | ${f(b)} | ${a !== null && b !== null ? (a / b).toFixed(2) : "n/a"} |\n`;
  }
  table += "\n";
}
table += `Engine download, gzipped (-9): ours ${(sizes.ours / 1e6).toFixed(2)} MB (wasm ${(sizes.ours_wasm / 1e6).toFixed(2)} MB raw); transformers.js + ORT wasm ${(sizes["transformers.js (wasm backend)"] / 1e6).toFixed(2)} MB\n`;
writeFileSync(resolve(root, "tests/e2e/.bench/results.json"), JSON.stringify({ results, sizes }, null, 1));
console.log(`\n${table}`);
