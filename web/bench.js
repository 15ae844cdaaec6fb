// One benchmark run in this page: load time, first and steady latency of classify (1 and 32
// sentences) and of QA on a full 384-token window, for our engine or transformers.js, on the
// CPU or WebGPU. Sets `window.benchResult`; tests/e2e/bench.mjs drives it.

import { BertClient } from "./client.js";

const params = new URLSearchParams(location.search);
const engine = params.get("engine") || "ours";
const backend = params.get("backend") || "cpu";
const models = params.get("models") || "/tests/e2e/.bench/";
const STEADY = Number(params.get("steady") || 10);
const log = (line) => (document.getElementById("log").textContent += `\n${line}`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// First call, then the median of `STEADY` more.
async function latency(fn) {
  const first = await time(fn);
  const rest = [];
  for (let i = 0; i < STEADY; i++) rest.push(await time(fn));
  return { first, steady: median(rest) };
}

async function ours(inputs) {
  const client = new BertClient();
  const r = {};
  r.load_ms = await time(async () => {
    await client.start(backend);
    r.clf = await client.loadUrl(`${models}minilm-clf`);
  });
  if (client.backend.backend !== backend) throw new Error(`asked for ${backend}, runs on ${client.backend.backend}: ${client.backend.note}`);
  r.qa = await client.loadUrl(`${models}minilm-qa`);
  const one = [{ text: inputs.sentences[0] }];
  const batch = inputs.sentences.map((text) => ({ text }));
  r.classify_1 = await latency(() => client.classify(r.clf.id, one));
  r.classify_32 = await latency(() => client.classify(r.clf.id, batch));
  r.qa_384 = await latency(() => client.answer(r.qa.id, inputs.question, inputs.context));
  r.check = { classify: (await client.classify(r.clf.id, one)).result[0], answer: (await client.answer(r.qa.id, inputs.question, inputs.context)).result };
  delete r.clf;
  delete r.qa;
  return r;
}

async function transformersJs(inputs) {
  const { pipeline, env } = await import("/node_modules/@huggingface/transformers/dist/transformers.min.js");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = models;
  env.useBrowserCache = false;
  env.backends.onnx.wasm.wasmPaths = "/node_modules/onnxruntime-web/dist/";
  const options = { device: backend === "webgpu" ? "webgpu" : "wasm", dtype: "fp32" };
  const r = {};
  let clf;
  r.load_ms = await time(async () => {
    clf = await pipeline("text-classification", "minilm-clf", options);
  });
  const qa = await pipeline("question-answering", "minilm-qa", options);
  r.classify_1 = await latency(() => clf(inputs.sentences[0]));
  r.classify_32 = await latency(() => clf(inputs.sentences));
  r.qa_384 = await latency(() => qa(inputs.question, inputs.context));
  r.check = { classify: await clf(inputs.sentences[0]), answer: await qa(inputs.question, inputs.context) };
  return r;
}

try {
  const inputs = await (await fetch(`${models}inputs.json`)).json();
  const result = await (engine === "ours" ? ours(inputs) : transformersJs(inputs));
  window.benchResult = { engine, backend, ...result };
  log(JSON.stringify(window.benchResult, null, 1));
} catch (e) {
  window.benchResult = { engine, backend, error: e.message || String(e) };
  log(`error: ${window.benchResult.error}`);
}
