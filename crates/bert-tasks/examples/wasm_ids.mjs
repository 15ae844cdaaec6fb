// Runs examples/wasm_ids.rs (built for wasm32-unknown-unknown) in node; see that file.
// The module has no wasm-bindgen glue: imports (the getrandom/wasm-bindgen shims that
// tokenizers pulls in) are stubbed and throw if WordPiece tokenization ever calls them.
import { readFileSync } from "node:fs";

const [wasmPath, dumpDir] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(wasmPath));
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => {
    throw new Error(`unexpected call to import ${imp.module}.${imp.name}`);
  };
}
// ahash seeds its hash maps from getrandom's Web Crypto backend: raw (pre-wasm-bindgen) ABI
// `(ptr, len)` of a `&mut [u8]`, filled in place.
let memory;
for (const name of Object.keys(imports.__wbindgen_placeholder__ ?? {})) {
  if (name.startsWith("__wbg_getRandomValues_")) {
    imports.__wbindgen_placeholder__[name] = (ptr, len) =>
      globalThis.crypto.getRandomValues(new Uint8Array(memory.buffer, ptr, len));
  }
}
const { exports } = new WebAssembly.Instance(module, imports);
memory = exports.memory;
const tokenizer = readFileSync(JSON.parse(readFileSync(`${dumpDir}/meta.json`)).model + "/tokenizer.json");
const dump = readFileSync(`${dumpDir}/encodings.jsonl`);
const put = (bytes) => {
  const ptr = exports.wasm_alloc(bytes.length);
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
};
const lines = dump.toString("utf8").split("\n").filter((l) => l.length > 0).length;
const t0 = Date.now();
const tokPtr = put(tokenizer);
const dumpPtr = put(dump);
const bad = exports.wasm_count_mismatches(tokPtr, tokenizer.length, dumpPtr, dump.length);
console.log(`wasm32: ${lines} texts compared, ${bad} mismatches (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(bad === 0n || bad === 0 ? 0 : 1);
