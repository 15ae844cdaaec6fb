// Downloads with byte progress, through the Cache API: a file fetched once is read from the
// cache afterwards, so a reload is instant and works offline. A cached copy is used only while
// it is known to be current, since a model retrained into the same folder keeps its URL:
//  - with a stamp from models/index.json ({bytes, crc32}, written by the trainer), the copy
//    is current when it was stored under the same stamp: no request at all;
//  - without one (a typed URL, an older index), a HEAD request (CORS-safelisted, so no
//    preflight on other origins) compares the server's ETag / Last-Modified / length with
//    the ones stored beside the copy; unreachable server (offline) → the copy.
// A download is kept only when whole: as long as its content-length, and matching its stamp.

export const CACHE_NAME = "bert-web-models-v1";

async function openCache() {
  // The Cache API exists only in secure contexts (https, localhost, 127.0.0.1).
  return typeof caches === "undefined" ? null : caches.open(CACHE_NAME);
}

const fail = (message, extra = {}) => Object.assign(new Error(message), { kind: "model", ...extra });
const versionOf = (stamp) => (stamp ? `${stamp.bytes}-${stamp.crc32}` : "");
// What identifies the server's current file, from a GET or a HEAD response; "" when the
// server names no version of it (no ETag, no Last-Modified).
function validatorOf(r) {
  const [etag, modified] = [r.headers.get("etag"), r.headers.get("last-modified")];
  return etag || modified ? [etag, modified, r.headers.get("content-length")].join("|") : "";
}

let table = null;
// CRC-32 (IEEE, as zlib and the trainer's crc32fast), as 8 lowercase hex digits.
export function crc32(bytes) {
  table ||= Uint32Array.from({ length: 256 }, (_, n) => {
    for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
    return n;
  });
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
}

// Whether the cached response `hit` may stand for `url` now.
async function current(hit, url, stamp) {
  if (stamp) return hit.headers.get("x-bert-version") === versionOf(stamp);
  const stored = hit.headers.get("x-bert-validator");
  let head;
  try {
    head = await fetch(url, { method: "HEAD", cache: "no-store" });
  } catch {
    return true; // offline: the copy is all there is
  }
  // A server that names no version of its file cannot confirm the copy: download again.
  return head.ok && Boolean(stored) && stored === validatorOf(head);
}

// Resolves to {bytes: Uint8Array, cached: boolean}. `onProgress(loaded, total)` is called as
// bytes arrive (total is null when the server does not say). `stamp`: the index's
// {bytes, crc32} for this file, or null.
export async function fetchBytes(url, onProgress, stamp = null) {
  const cache = await openCache();
  const hit = cache && (await cache.match(url));
  if (hit && (await current(hit, url, stamp))) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return { bytes, cached: true };
  }
  let response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (e) {
    throw fail(`cannot download ${url}: ${e.message}`);
  }
  if (!response.ok) throw fail(`cannot download ${url}: HTTP ${response.status}`, { status: response.status });
  const bytes = await readAll(url, response, onProgress);
  if (stamp && (bytes.length !== stamp.bytes || crc32(bytes) !== stamp.crc32)) {
    throw fail(`${url} is not the file models/index.json describes (${bytes.length} bytes with CRC-32 ${crc32(bytes)}, listed as ${stamp.bytes} bytes with ${stamp.crc32}): it may be being rewritten; try again when training has finished`);
  }
  if (cache) {
    const headers = {
      "content-type": response.headers.get("content-type") || "application/octet-stream",
      "x-bert-version": versionOf(stamp),
      "x-bert-validator": validatorOf(response),
    };
    await cache.put(url, new Response(bytes, { headers }));
  }
  return { bytes, cached: false };
}

// The whole body, or an error when the connection breaks off or ends short of content-length
// (a cut file must never reach the cache, where it would be served from then on).
async function readAll(url, response, onProgress) {
  // With a content-encoding the length counts the compressed bytes, not the ones read here.
  const encoded = (response.headers.get("content-encoding") || "identity") !== "identity";
  const total = encoded ? null : Number(response.headers.get("content-length")) || null;
  const reader = response.body.getReader();
  const parts = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      onProgress(loaded, total);
    }
  } catch (e) {
    throw fail(`the download of ${url} broke off after ${loaded}${total ? ` of ${total}` : ""} bytes (${e.message}); nothing was kept, try again`);
  }
  if (total !== null && loaded !== total) {
    throw fail(`the download of ${url} ended after ${loaded} of ${total} bytes; nothing was kept, try again`);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes;
}

// Forgets every cached model file.
export async function clearCache() {
  return typeof caches === "undefined" ? false : caches.delete(CACHE_NAME);
}
