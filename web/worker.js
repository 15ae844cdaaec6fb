// The Web Worker that owns the wasm module and the models, so the page never freezes.
// Protocol: {id, op, args} in; {id, ok, result} or {id, ok: false, error: {message, kind}} out,
// {progress: {file, loaded, total}} while downloading, and {deviceLost: message}.

import init, * as bert from "./pkg/bert_web.js";
// Written by web/build.mjs: TEST_HOOKS is true only in the e2e build (`--test-hooks`).
import { TEST_HOOKS } from "./pkg/build-flags.js";
import { fetchBytes, clearCache } from "./fetch.js";

// In download order: the config first, so that one the model cannot be built from is refused
// before gigabytes of weights come down.
const MODEL_FILES = ["config.json", "model.safetensors", "tokenizer.json"];
// Longest text field, in characters. Twice the longest passage the tests read (100,000
// characters, ~300 windows); a classifier reads only its first max_len tokens anyway, and a
// megabyte would only cost seconds of tokenizing (and minutes of windows for the Ask panel).
const MAX_CHARS = 200_000;
let ready = null;

// wgpu 30 does not know WebGPU's "subgroups" feature, so it never requests it, but cubecl's
// WGSL says `enable subgroups;` in every kernel that reads the subgroup size (its matmuls do):
// without the feature on the device those shaders do not compile. Ask for it when the adapter
// has it (Chromium does, SwiftShader included). The device is kept to report its loss.
let gpuDevice = null;
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (descriptor = {}) {
    const features = new Set(descriptor.requiredFeatures || []);
    if (this.features.has("subgroups")) features.add("subgroups");
    gpuDevice = await requestDevice.call(this, { ...descriptor, requiredFeatures: [...features] });
    // cubecl calls subgroup operations where Tint cannot prove subgroup-uniform control flow
    // (naga, which cubecl targets natively, does not check): silence that analysis, as the
    // WGSL spec allows. And wgpu reports a shader that does not compile only as "invalid due
    // to a previous error": log the compiler's own message.
    const createShaderModule = gpuDevice.createShaderModule;
    gpuDevice.createShaderModule = function (d) {
      if (d.code?.includes("enable subgroups;")) {
        d = { ...d, code: d.code.replace("enable subgroups;", "enable subgroups;\ndiagnostic(off, subgroup_uniformity);") };
      }
      const module = createShaderModule.call(this, d);
      module.getCompilationInfo().then((info) => {
        for (const m of info.messages.filter((m) => m.type === "error")) {
          console.error(`WGSL error in ${d.label}: ${m.message} at line ${m.lineNum}: ${d.code.split("\n")[m.lineNum - 1]}`);
        }
      });
      return module;
    };
    // A lost device (driver reset, GPU process crash) tells the page, which moves to the CPU.
    gpuDevice.lost.then((info) => postMessage({ deviceLost: info.message || info.reason || "device lost" }));
    return gpuDevice;
  };
}

// Opens the backend: WebGPU when `navigator.gpu` gives an adapter (and the page did not force
// the CPU), else the CPU with a note saying why.
async function start(prefer) {
  const t0 = performance.now();
  await init();
  let note = null;
  let want = prefer === "cpu" ? "cpu" : "webgpu";
  if (want === "webgpu") {
    const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
    if (!adapter) {
      want = "cpu";
      note = navigator.gpu
        ? "WebGPU gave no adapter; running on the CPU"
        : "this browser has no WebGPU; running on the CPU";
    }
  }
  const info = await bert.initBackend(want);
  return { ...info, note: info.note || note, ms: performance.now() - t0 };
}

function join(base, file) {
  return base.endsWith("/") ? base + file : `${base}/${file}`;
}

// Loads a model folder from a URL (relative to the page or absolute), through the cache.
// `stamps`: {file: {bytes, crc32}} from models/index.json, the cached copies' version.
async function loadUrl({ url, stamps = {} }) {
  const t0 = performance.now();
  const files = {};
  let cached = true;
  let bytes = 0;
  for (const file of MODEL_FILES) {
    let got;
    try {
      got = await fetchBytes(join(url, file), (loaded, total) =>
        postMessage({ progress: { file, loaded, total } }), stamps[file] || null,
      );
    } catch (e) {
      if (e.status === 404) {
        throw Object.assign(new Error(`the model folder ${url} has no ${file} (a model needs ${MODEL_FILES.join(", ")})`), { kind: "model" });
      }
      throw e;
    }
    files[file] = got.bytes;
    cached &&= got.cached;
    bytes += got.bytes.length;
    if (file === "config.json") bert.checkConfig(got.bytes);
  }
  const fetched = performance.now();
  const info = bert.loadModel(files["config.json"], files["model.safetensors"], files["tokenizer.json"]);
  return { ...info, cached, bytes, fetch_ms: fetched - t0, load_ms: performance.now() - fetched };
}

// Loads from files the user picked (ArrayBuffers keyed by file name); nothing leaves the machine.
async function loadFiles({ files }) {
  const missing = MODEL_FILES.filter((f) => !files[f]);
  if (missing.length) {
    throw Object.assign(new Error(`the chosen files lack ${missing.join(", ")} (a model needs ${MODEL_FILES.join(", ")})`), { kind: "model" });
  }
  const t0 = performance.now();
  const u8 = (f) => new Uint8Array(files[f]);
  const info = bert.loadModel(u8("config.json"), u8("model.safetensors"), u8("tokenizer.json"));
  return { ...info, cached: false, bytes: files["model.safetensors"].byteLength, fetch_ms: 0, load_ms: performance.now() - t0 };
}

// Refuses a text field over MAX_CHARS with a message, before it is copied into the module.
function bounded(fields) {
  for (const [name, text] of Object.entries(fields)) {
    if (typeof text === "string" && text.length > MAX_CHARS) {
      throw Object.assign(new Error(`the ${name} is ${text.length.toLocaleString("en")} characters long; the page reads at most ${MAX_CHARS.toLocaleString("en")}`), { kind: "input" });
    }
  }
}

async function timed(promise) {
  const t0 = performance.now();
  const result = await promise;
  return { result, ms: performance.now() - t0 };
}

const ops = {
  start: ({ backend }) => (ready = start(backend)),
  loadUrl: async (args) => (await ready, loadUrl(args)),
  loadFiles: async (args) => (await ready, loadFiles(args)),
  unload: async ({ id }) => bert.unloadModel(id),
  classify: async ({ id, inputs }) => {
    for (const i of inputs || []) bounded({ sentence: i.text, "second sentence": i.text_pair });
    return timed(bert.classify(id, inputs));
  },
  answer: async ({ id, question, context }) => (bounded({ question, passage: context }), timed(bert.answer(id, question, context))),
  clearCache: () => clearCache(),
};
// For the tests only, never in a production build: what a driver reset does to the page.
if (TEST_HOOKS) ops.loseDevice = () => gpuDevice?.destroy();

onmessage = async ({ data: { id, op, args } }) => {
  try {
    const fn = ops[op];
    if (!fn) throw Object.assign(new Error(`unknown operation ${op}`), { kind: "usage" });
    postMessage({ id, ok: true, result: await fn(args || {}) });
  } catch (e) {
    // A Rust panic surfaces as a WebAssembly RuntimeError: the module is unusable after it.
    const fatal = e instanceof WebAssembly.RuntimeError;
    postMessage({ id, ok: false, error: { message: e?.message || String(e), kind: e?.kind || (fatal ? "crash" : "unknown"), fatal } });
  }
};
