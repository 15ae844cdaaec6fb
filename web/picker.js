// The model chooser of a panel: a model from models/index.json, a URL of a model folder, or a
// folder/files from the user's disk. Calls `onLoaded(info, name)` with the loaded model.

const KIND_NAMES = { classification: "classification", regression: "regression", "question-answering": "question answering" };

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export function megabytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

export class ModelPicker {
  constructor(root, { client, kinds, onLoaded, onError }) {
    Object.assign(this, { root, client, kinds, onLoaded, onError });
    this.select = el("select", { "aria-label": "trained models" });
    this.url = el("input", { type: "url", placeholder: "https://…/model-folder/ or models/sst2", "aria-label": "model folder URL" });
    this.folder = el("input", { type: "file", webkitdirectory: true, hidden: true });
    this.files = el("input", { type: "file", multiple: true, hidden: true });
    this.progress = el("progress", { hidden: true });
    this.status = el("p", { class: "status" }, "no model loaded");
    const loadUrl = el("button", { type: "button", class: "small" }, "Load URL");
    const pickFolder = el("button", { type: "button", class: "small" }, "Folder…");
    const pickFiles = el("button", { type: "button", class: "small" }, "Files…");
    root.append(
      el("div", { class: "row" }, el("span", {}, "Model"), this.select),
      el("div", { class: "row" }, this.url, loadUrl, pickFolder, pickFiles, this.folder, this.files),
      this.progress,
      this.status,
    );
    this.select.onchange = () => this.select.value && this.#loadUrl(this.select.selectedOptions[0].dataset.name, this.select.value);
    // Relative URLs are relative to the page, not to the worker that fetches them.
    loadUrl.onclick = () => {
      const url = this.url.value.trim();
      // Named by its last folder: "…/models/sst2/" → "sst2".
      if (url) this.#loadUrl(url.split("/").filter(Boolean).pop(), new URL(url, location.href).href);
    };
    this.url.onkeydown = (e) => e.key === "Enter" && loadUrl.click();
    pickFolder.onclick = () => this.folder.click();
    pickFiles.onclick = () => this.files.click();
    this.folder.onchange = () => this.#loadPicked(this.folder.files);
    this.files.onchange = () => this.#loadPicked(this.files.files);
  }

  // Fills the list with the index's models of this panel's kinds.
  setIndex(models, message) {
    const mine = models.filter((m) => this.kinds.includes(m.kind));
    // The trainer's stamps of each folder's files ({file: {bytes, crc32}}), by URL: the version
    // of their cached copies (web/fetch.js), so that a retrained model is downloaded again.
    this.stamps = new Map(models.filter((m) => m.files).map((m) => [m.path, m.files]));
    this.select.replaceChildren(el("option", { value: "" }, mine.length ? "— choose a trained model —" : message || "no trained model of this kind"));
    for (const m of mine) {
      // SQuAD's EM/F1 are percentages (29.4), GLUE's metrics fractions (0.898).
      const value = Number(m.metric?.value);
      const metric = m.metric ? ` (${m.metric.name} ${Math.abs(value) > 1.5 ? value.toFixed(1) : value.toFixed(3)})` : "";
      const option = el("option", { value: m.path }, `${m.name}${metric}`);
      option.dataset.name = m.name;
      this.select.append(option);
    }
  }

  // Loads the model this panel had before the page was reloaded (from the cache, so at once).
  async restore() {
    const saved = JSON.parse(localStorage.getItem(this.#key()) || "null");
    if (!saved || this.current) return;
    if ([...this.select.options].some((o) => o.value === saved.url)) this.select.value = saved.url;
    await this.#loadUrl(saved.name, saved.url);
  }

  #key() {
    return `bert-web:${this.root.dataset.panel}`;
  }

  async #loadUrl(name, url) {
    const stamps = this.stamps?.get(url) || this.stamps?.get(url.replace(/\/$/, ""));
    if (await this.#load(name, () => this.client.loadUrl(url, stamps))) {
      localStorage.setItem(this.#key(), JSON.stringify({ name, url }));
    }
  }

  // Download progress from the worker.
  showProgress({ file, loaded, total }) {
    if (!this.busy) return;
    this.progress.hidden = false;
    this.progress.max = total || loaded || 1;
    this.progress.value = loaded;
    this.status.textContent = `downloading ${file}: ${megabytes(loaded)}${total ? ` of ${megabytes(total)}` : ""}`;
  }

  async #loadPicked(fileList) {
    const files = {};
    // A picked folder may hold other files (and sub-folders): keep the three we need.
    for (const f of fileList) {
      if (["config.json", "model.safetensors", "tokenizer.json"].includes(f.name) && !files[f.name]) files[f.name] = await f.arrayBuffer();
    }
    const name = fileList[0]?.webkitRelativePath?.split("/")[0] || "local files";
    await this.#load(name, () => this.client.loadFiles(files));
  }

  async #load(name, load) {
    this.busy = true;
    this.onError(null);
    this.status.className = "status";
    this.status.textContent = `loading ${name}…`;
    try {
      const info = await load();
      if (!this.kinds.includes(info.task)) {
        await this.client.unload(info.id);
        const other = info.task === "question-answering" ? "the Ask panel" : "the Classify panel";
        throw Object.assign(new Error(`${name} is a ${KIND_NAMES[info.task]} model: load it in ${other}`), { kind: "task" });
      }
      if (this.current) await this.client.unload(this.current.id);
      this.current = info;
      const how = info.cached ? "from the browser cache" : info.fetch_ms ? `downloaded ${megabytes(info.bytes)}` : "from your disk";
      this.status.className = "status loaded";
      this.status.textContent = `${name}: ${KIND_NAMES[info.task]}${info.labels.length ? ` (${info.labels.join(", ")})` : ""}${info.null_answer ? ", may answer “no answer”" : ""}, ${info.layers} layers, hidden size ${info.hidden_size} — ${how}, ready in ${Math.round(info.fetch_ms + info.load_ms)} ms`;
      this.onLoaded(info, name);
      return true;
    } catch (e) {
      this.status.textContent = this.current ? "the previous model is still loaded" : "no model loaded";
      this.onError(e);
      return false;
    } finally {
      this.busy = false;
      this.progress.hidden = true;
    }
  }
}
