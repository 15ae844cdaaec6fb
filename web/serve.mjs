// A static server for the page: the repository root on 127.0.0.1, with the MIME types a
// browser insists on (application/wasm for streaming compilation, text/javascript for
// modules). Usage: node web/serve.mjs [--port 8080] [--root DIR]. Also imported by the tests.

import { createServer } from "node:http";
import { createReadStream, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

// The page's Content-Security-Policy, read from index.html's meta tag so that the two never
// differ, plus what only a header can say. As a header it also binds the worker and the
// service worker, which a meta tag does not. Not on the benchmark page, which runs
// transformers.js from node_modules.
function policy(root) {
  let html = "";
  try {
    html = readFileSync(join(root, "index.html"), "utf8");
  } catch {}
  const meta = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  return meta && `${meta}; frame-ancestors 'none'`;
}

// `onRequest(path, req, res)` sees every request (the tests count downloads with it); when it
// returns true it has answered the request itself (the tests cut a download short with it).
// `cors`: let pages of other origins read the files (the tests' "another site").
export function serve({ root = resolve(fileURLToPath(import.meta.url), "../.."), port = 8080, host = "127.0.0.1", log = false, cors = false, onRequest = () => {} } = {}) {
  const csp = policy(root);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (onRequest(path, req, res)) return;
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] || "application/octet-stream",
        "content-length": info.size,
        // The page's own files change with every build; model weights are cached by the page,
        // which asks (HEAD) whether its copy is still current by these validators.
        "cache-control": "no-cache",
        etag: `"${info.size.toString(16)}-${Math.round(info.mtimeMs).toString(16)}"`,
        "last-modified": info.mtime.toUTCString(),
        ...(csp && !path.endsWith("/bench.html") ? { "content-security-policy": csp } : {}),
        ...(cors ? { "access-control-allow-origin": "*", "access-control-expose-headers": "etag" } : {}),
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
      if (log) console.log(`200 ${path}`);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      if (log) console.log(`404 ${path}`);
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const port = Number(arg("--port", process.env.PORT || 8080));
  const root = resolve(arg("--root", resolve(fileURLToPath(import.meta.url), "../..")));
  await serve({ root, port, log: process.argv.includes("--log") });
  console.log(`serving ${root} at http://127.0.0.1:${port}/`);
}
