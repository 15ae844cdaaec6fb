// Downloads with byte progress, through the Cache API: a file fetched once is read from the
// cache afterwards, so a reload is instant and works offline.

export const CACHE_NAME = "bert-web-models-v1";

async function openCache() {
  // The Cache API exists only in secure contexts (https, localhost, 127.0.0.1).
  return typeof caches === "undefined" ? null : caches.open(CACHE_NAME);
}

// Resolves to {bytes: Uint8Array, cached: boolean}. `onProgress(loaded, total)` is called as
// bytes arrive (total is null when the server does not say).
export async function fetchBytes(url, onProgress) {
  const cache = await openCache();
  const hit = cache && (await cache.match(url));
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return { bytes, cached: true };
  }
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw Object.assign(new Error(`cannot download ${url}: ${e.message}`), { kind: "model" });
  }
  if (!response.ok) {
    throw Object.assign(new Error(`cannot download ${url}: HTTP ${response.status}`), {
      kind: "model",
      status: response.status,
    });
  }
  const total = Number(response.headers.get("content-length")) || null;
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  if (cache) {
    const headers = { "content-type": response.headers.get("content-type") || "application/octet-stream" };
    await cache.put(url, new Response(bytes, { headers }));
  }
  return { bytes, cached: false };
}

// Forgets every cached model file.
export async function clearCache() {
  return typeof caches === "undefined" ? false : caches.delete(CACHE_NAME);
}
