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

// The model list: models/index.json beside the page, or the one `?models=` names. A list
// on another origin is fetched only once the user says so: a link to this page must not make
// it contact (and then offer models from) a site the user never chose. Same-origin lists, as
// the trainer writes them, load at once.
async function loadIndex() {
  const url = new URL(params.get("models") || "models/index.json", location.href);
  const trusted = sessionStorage.getItem("bert-web:index") === url.href;
  if (url.origin === location.origin || trusted) return fetchIndex(url);
  pickers.forEach((p) => p.setIndex([], "a model list from another site awaits your answer (above)"));
  $("index-confirm-text").textContent = `This link lists models from another site, ${url.origin} (${url.href}). Show them? Load models only from sites you trust.`;
  $("index-confirm").hidden = false;
  $("index-load").onclick = () => {
    $("index-confirm").hidden = true;
    // Asked once per tab: a reload (the backend selector's, say) keeps the answer.
    sessionStorage.setItem("bert-web:index", url.href);
    fetchIndex(url);
  };
  $("index-ignore").onclick = () => {
    $("index-confirm").hidden = true;
    pickers.forEach((p) => p.setIndex([], "the model list from another site was not loaded"));
  };
}

async function fetchIndex(url) {
  try {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const index = await response.json();
    // Paths are relative to the page, as the trainer writes them (or to the index's folder).
    const base = params.get("models") ? new URL(".", url) : new URL("./", location.href);
    const list = (index.models || []).map((m) => ({ ...m, path: new URL(m.path, base).href }));
    pickers.forEach((p) => p.setIndex(list));
  } catch {
    pickers.forEach((p) => p.setIndex([], `no trained models yet (${params.get("models") || "models/index.json"})`));
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
