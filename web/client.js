// The page's handle on the worker: promise-based calls, and recovery. When the GPU fails (a
// device error, or the wasm module crashing while on WebGPU), the worker is replaced by one
// on the CPU, the loaded models are loaded again from their source (cache or files), and the
// call is retried once; `onNote` tells the page why. When the module crashes on the CPU, the
// worker is replaced on the CPU too, but the call is not retried (the same input would crash
// it again): its error is shown and the page goes on with the other models.
//
// Model ids: the page gets ids from this client, never the worker's own. A new worker
// numbers its models from 1 again, so a worker id handed to the page could, after a fallback,
// name another model than the one the page meant; the client's ids are never reused.

import { TEST_HOOKS } from "./pkg/build-flags.js";

export class BertClient {
  constructor({ onProgress = () => {}, onNote = () => {}, onBackend = () => {} } = {}) {
    this.onProgress = onProgress;
    this.onNote = onNote;
    this.onBackend = onBackend;
    // page id → {source: how it was loaded (to reload it in a new worker), worker: its id there}
    this.models = new Map();
    this.nextModel = 1;
  }

  // Starts (or restarts) the worker on "auto", "webgpu" or "cpu".
  async start(prefer = "auto") {
    this.worker?.terminate();
    this.pending = new Map();
    this.nextCall = 1;
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker = worker;
    // A replaced worker may still deliver queued events: they must not touch the new one's calls.
    worker.onmessage = ({ data }) => this.worker === worker && this.#receive(data);
    worker.onerror = (e) => {
      if (this.worker !== worker) return;
      const error = Object.assign(new Error(e.message || "the worker failed"), { kind: "crash", fatal: true });
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.backend = await this.#call("start", { backend: prefer === "cpu" ? "cpu" : "webgpu" });
    this.onBackend(this.backend);
    return this.backend;
  }

  #receive(data) {
    if (data.progress) return this.onProgress(data.progress);
    if (data.deviceLost) {
      this.recovering ||= this.#fallBack(data.deviceLost);
      return;
    }
    const call = this.pending.get(data.id);
    if (!call) return;
    this.pending.delete(data.id);
    if (data.ok) call.resolve(data.result);
    else call.reject(Object.assign(new Error(data.error.message), data.error));
  }

  #call(op, args, transfer = []) {
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  // Runs `op` on the page's model `pageId`; on a GPU failure, falls back to the CPU and
  // retries once; on a crash on the CPU, restarts the worker and reports the error.
  async #run(op, pageId, args) {
    const call = () => {
      const model = this.models.get(pageId);
      if (!model) throw Object.assign(new Error(`no model ${pageId} is loaded`), { kind: "usage" });
      return this.#call(op, { ...args, id: model.worker });
    };
    await this.recovering;
    // The backend the call ran on: by the time it fails, a fallback may have replaced it.
    const on = this.backend?.backend;
    try {
      return await call();
    } catch (e) {
      const gpuFailed = on === "webgpu" && (e.kind === "device" || e.fatal);
      await this.#recover(e, gpuFailed);
      if (!gpuFailed) throw e;
      return call();
    }
  }

  // After a failed call: a new worker when the old one is unusable.
  #recover(e, gpuFailed) {
    if (gpuFailed) this.recovering ||= this.#fallBack(e.message);
    else if (e.fatal) this.recovering ||= this.#restart(e.message);
    return this.recovering;
  }

  async #fallBack(why) {
    this.onNote(`the GPU failed (${why}); switched to the CPU`);
    // Calls waiting on the failed worker would never be answered.
    for (const { reject } of this.pending.values()) reject(Object.assign(new Error(why), { kind: "device", fatal: true }));
    await this.#reloadInto("cpu");
    this.backend.note = `the GPU failed (${why}); running on the CPU`;
    this.onBackend(this.backend);
  }

  // The wasm module crashed on the CPU: a fresh one, with the models loaded again.
  async #restart(why) {
    await this.#reloadInto("cpu");
    this.onNote(`the engine crashed (${why}) and was restarted`);
  }

  async #reloadInto(backend) {
    await this.start(backend);
    for (const [pageId, model] of this.models) {
      try {
        model.worker = (await this.#call(model.source.op, model.source.args)).id;
      } catch {
        this.models.delete(pageId); // its source is gone (e.g. the server): calls on it say so
      }
    }
    this.recovering = null;
  }

  // Loads through the worker; the page's info carries the client's id.
  async #load(op, args) {
    await this.recovering;
    const on = this.backend?.backend;
    let info;
    try {
      info = await this.#call(op, args);
    } catch (e) {
      // A model that crashes the module must not take the page down with it.
      await this.#recover(e, on === "webgpu" && e.fatal);
      throw e;
    }
    const id = this.nextModel++;
    this.models.set(id, { source: { op, args }, worker: info.id });
    return { ...info, id };
  }

  // Loads a model folder from a URL; resolves to the model's info. `stamps`: the index's
  // {file: {bytes, crc32}}, the version of the cached copies.
  loadUrl(url, stamps) {
    return this.#load("loadUrl", { url, stamps });
  }

  // Loads a model from picked files: {name: ArrayBuffer}.
  loadFiles(files) {
    return this.#load("loadFiles", { files });
  }

  async unload(id) {
    const model = this.models.get(id);
    this.models.delete(id);
    return model ? this.#call("unload", { id: model.worker }) : false;
  }

  // [{text, text_pair?}] → {result: [...], ms}.
  classify(id, inputs) {
    return this.#run("classify", id, { inputs });
  }

  // → {result: {answer, start, end, score, ...}, ms}.
  answer(id, question, context) {
    return this.#run("answer", id, { question, context });
  }

  // For the tests only (a build with `--test-hooks`): destroys the GPU device, as a driver
  // reset would. Absent from production builds, as is the worker's side of it.
  loseDevice = TEST_HOOKS ? () => this.#call("loseDevice", {}) : undefined;

  clearCache() {
    return this.#call("clearCache", {});
  }
}
