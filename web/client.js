// The page's handle on the worker: promise-based calls, and the GPU fallback. When the GPU
// fails (a device error, or the wasm module crashing while on WebGPU), the worker is replaced
// by one on the CPU, the loaded models are loaded again from their source (cache or files),
// and the call is retried once; `onNote` tells the page why.

export class BertClient {
  constructor({ onProgress = () => {}, onNote = () => {}, onBackend = () => {} } = {}) {
    this.onProgress = onProgress;
    this.onNote = onNote;
    this.onBackend = onBackend;
    this.sources = new Map(); // model id → how it was loaded, to reload it after a fallback
    this.remap = new Map(); // model id the page holds → id in the current worker
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
  // retries once.
  async #run(op, pageId, args) {
    const call = () => this.#call(op, { ...args, id: this.remap.get(pageId) ?? pageId });
    await this.recovering;
    try {
      return await call();
    } catch (e) {
      const gpuFailed = this.backend?.backend === "webgpu" && (e.kind === "device" || e.fatal);
      if (!gpuFailed) throw e;
      this.recovering ||= this.#fallBack(e.message);
      await this.recovering;
      return call();
    }
  }

  async #fallBack(why) {
    this.onNote(`the GPU failed (${why}); switched to the CPU`);
    // Calls waiting on the failed worker would never be answered.
    for (const { reject } of this.pending.values()) reject(Object.assign(new Error(why), { kind: "device", fatal: true }));
    await this.start("cpu");
    this.backend.note = `the GPU failed (${why}); running on the CPU`;
    this.onBackend(this.backend);
    for (const [pageId, source] of this.sources) {
      const info = await this.#call(source.op, source.args);
      this.remap.set(pageId, info.id);
    }
  }

  // Loads a model folder from a URL; resolves to the model's info.
  async loadUrl(url) {
    const info = await this.#call("loadUrl", { url });
    this.sources.set(info.id, { op: "loadUrl", args: { url } });
    return info;
  }

  // Loads a model from picked files: {name: ArrayBuffer}.
  async loadFiles(files) {
    const info = await this.#call("loadFiles", { files });
    this.sources.set(info.id, { op: "loadFiles", args: { files } });
    return info;
  }

  async unload(id) {
    this.sources.delete(id);
    return this.#call("unload", { id: this.remap.get(id) ?? id });
  }

  // [{text, text_pair?}] → {result: [...], ms}.
  classify(id, inputs) {
    return this.#run("classify", id, { inputs });
  }

  // → {result: {answer, start, end, score, ...}, ms}.
  answer(id, question, context) {
    return this.#run("answer", id, { question, context });
  }

  // For the tests: destroys the GPU device, as a driver reset would.
  loseDevice() {
    return this.#call("loseDevice", {});
  }

  clearCache() {
    return this.#call("clearCache", {});
  }
}
