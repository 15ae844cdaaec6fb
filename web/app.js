// The page: starts the worker on the chosen backend, fills the model lists from
// models/index.json and wires the two panels. Query parameters: `backend=auto|webgpu|cpu`,
// `models=URL of an index.json`.

import { BertClient } from "./client.js";
import { ModelPicker } from "./picker.js";
import { renderClassification, renderAnswer } from "./render.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const BACKEND_NAMES = { webgpu: "WebGPU", cpu: "CPU (wasm SIMD)" };

function showNote(text) {
  $("note").hidden = !text;
  $("note").textContent = text || "";
}

function showError(id, e) {
  const box = $(id);
  box.hidden = !e;
  box.textContent = e ? e.message : "";
}

// Once visited, the page opens offline (sw.js); the weights have their own cache (fetch.js).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch((e) => console.warn(`no offline page: ${e.message}`));
}

const client = new BertClient({
  onProgress: (p) => pickers.forEach((picker) => picker.showProgress(p)),
  onNote: showNote,
  onBackend: (b) => {
    $("backend").textContent = BACKEND_NAMES[b.backend];
    $("backend").className = `badge ${b.backend}`;
    $("backend").dataset.backend = b.backend;
    showNote(b.note);
  },
});

const models = { classify: null, ask: null };
const pickers = [...document.querySelectorAll(".model-picker")].map(
  (root) =>
    new ModelPicker(root, {
      client,
      kinds: root.dataset.kinds.split(" "),
      onLoaded: (info) => {
        models[root.dataset.panel] = info;
        showError(`${root.dataset.panel}-error`, null);
        $(`${root.dataset.panel}-btn`).disabled = false;
      },
      onError: (e) => showError(`${root.dataset.panel}-error`, e),
    }),
);

async function loadIndex() {
  const url = params.get("models") || "models/index.json";
  try {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const index = await response.json();
    // Paths are relative to the page, as the trainer writes them (or to the index's folder).
    const base = new URL(params.get("models") ? url.replace(/[^/]*$/, "") : "./", location.href);
    const list = (index.models || []).map((m) => ({ ...m, path: new URL(m.path, base).href }));
    pickers.forEach((p) => p.setIndex(list));
  } catch {
    pickers.forEach((p) => p.setIndex([], `no trained models yet (${url})`));
  }
}

async function busy(button, work) {
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

$("classify-form").onsubmit = (event) => {
  event.preventDefault();
  busy($("classify-btn"), async () => {
    showError("classify-error", null);
    const text = $("text").value;
    const pair = $("text-pair").value;
    try {
      const input = pair.trim() ? { text, text_pair: pair } : { text };
      const { result, ms } = await client.classify(models.classify.id, [input]);
      renderClassification($("classify-result"), result[0], ms, BACKEND_NAMES[client.backend.backend]);
    } catch (e) {
      showError("classify-error", e);
    }
  });
};

$("ask-form").onsubmit = (event) => {
  event.preventDefault();
  busy($("ask-btn"), async () => {
    showError("ask-error", null);
    const context = $("context").value;
    try {
      const { result, ms } = await client.answer(models.ask.id, $("question").value, context);
      renderAnswer($("ask-result"), result, context, ms, BACKEND_NAMES[client.backend.backend]);
    } catch (e) {
      showError("ask-error", e);
    }
  });
};

// Ctrl/Cmd+Enter submits from a text area.
for (const form of [$("classify-form"), $("ask-form")]) {
  form.onkeydown = (e) => e.key === "Enter" && (e.ctrlKey || e.metaKey) && form.requestSubmit();
}

$("backend-choice").onchange = () => {
  const url = new URL(location.href);
  url.searchParams.set("backend", $("backend-choice").value);
  location.href = url.href;
};

$("clear-cache").onclick = async () => {
  await client.clearCache();
  showNote("the model cache is cleared: models will be downloaded again");
};

const prefer = params.get("backend") || "auto";
$("backend-choice").value = prefer;
const ready = Promise.all([client.start(prefer), loadIndex()]);
// The models the panels had before a reload come back (from the cache) once the worker runs.
const restored = ready.then(() => Promise.all(pickers.map((p) => p.restore())));
window.bert = { client, models, ready, restored };
window.bert.ready.catch((e) => showNote(`could not start: ${e.message}`));
