// `npm run build`: the wasm module of crates/bert-web, optimised for size, into web/pkg/.
// cargo (wasm32, profile wasm-release, SIMD) → wasm-bindgen (the CLI must equal the
// wasm-bindgen crate pinned in Cargo.toml) → wasm-opt -Oz (binaryen ≥ 116) when installed.
// Also web/pkg/build-flags.js, read by the worker and the client: `--test-hooks` (what
// `npm test` builds) turns on the hooks the e2e tests drive (`loseDevice`); a plain build,
// the production one, has them off. `--flags-only [--out DIR]` writes only that file (the
// tests make a production copy of the page with it, without compiling again).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = process.env.CARGO_TARGET_DIR || resolve(root, "target");
const flag = (name) => process.argv.includes(name);
const outAt = process.argv.indexOf("--out");
const out = outAt > 0 ? resolve(process.argv[outAt + 1]) : resolve(root, "web/pkg");

// The one switch between the e2e build and the production build.
const testHooks = flag("--test-hooks");
mkdirSync(out, { recursive: true });
writeFileSync(resolve(out, "build-flags.js"), `// Written by web/build.mjs${testHooks ? " --test-hooks: a TEST build, not for production" : ""}.\nexport const TEST_HOOKS = ${testHooks};\n`);
console.log(`build-flags.js: test hooks ${testHooks ? "ON (a test build: do not deploy)" : "off"}`);
if (flag("--flags-only")) process.exit(0);
const pinned = readFileSync(resolve(root, "Cargo.toml"), "utf8").match(/wasm-bindgen = "=([^"]+)"/)?.[1];

function run(cmd, args, env = {}) {
  console.log(`> ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

const cli = spawnSync("wasm-bindgen", ["--version"], { encoding: "utf8" });
const version = cli.stdout?.trim().split(" ")[1];
if (version !== pinned) {
  console.error(`wasm-bindgen CLI ${version ?? "not found"}, but Cargo.toml pins ${pinned}: run\n  cargo install wasm-bindgen-cli --version ${pinned}`);
  process.exit(1);
}

run("cargo", ["build", "-p", "bert-web", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"], {
  // SIMD for the CPU backend's kernels; getrandom's browser backend (rand inside burn).
  RUSTFLAGS: `${process.env.RUSTFLAGS || ""} -C target-feature=+simd128 --cfg getrandom_backend="wasm_js"`.trim(),
});
// wasm-ld links a module whose code never calls `__wasm_call_ctors` as a "command": every
// export re-runs all static constructors (crates/bert-web/src/lib.rs, `run_constructors`).
// The cargo output still has its name section, so the wrappers show up by name.
const linked = resolve(target, "wasm32-unknown-unknown/wasm-release/bert_web.wasm");
if (readFileSync(linked).includes(".command_export")) {
  console.error(`${linked}: wasm-ld wrapped the exports to re-run constructors on every call (".command_export"); the start function must call __wasm_call_ctors`);
  process.exit(1);
}
run("wasm-bindgen", ["--target", "web", "--no-typescript", "--remove-name-section", "--remove-producers-section", "--out-dir", out, linked]);

const wasm = resolve(out, "bert_web_bg.wasm");
// Only binaryen >= 116: Debian 12's wasm-opt 108 predates the externref tables wasm-bindgen
// emits and breaks them ("WebAssembly.Table.set(): Argument 1 is invalid"). `WASM_OPT=path`
// picks one (npm's `binaryen` package has one, but as JavaScript it takes many minutes here).
const wasmOpt = [process.env.WASM_OPT, "wasm-opt"].filter(Boolean).find((bin) => {
  const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return v.status === 0 && Number(v.stdout.match(/version (\d+)/)?.[1]) >= 116;
});
if (wasmOpt) {
  // The features rustc emitted (SIMD, bulk memory, ...) must be allowed explicitly.
  const opt = `${wasm}.opt`;
  run(wasmOpt, ["-Oz", "--enable-simd", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", wasm, "-o", opt]);
  // Visitors download it gzipped: -Oz has made this module smaller raw but larger gzipped
  // (11.85 MB / 3.33 MB against 15.08 MB / 3.16 MB), so keep whichever gzips smaller.
  const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  if (gz(opt) < gz(wasm)) renameSync(opt, wasm);
  else {
    console.log("wasm-opt -Oz output gzips larger: keeping the unoptimised module");
    rmSync(opt);
  }
} else {
  console.log("no wasm-opt >= 116 (binaryen): skipping the size pass");
}
for (const f of ["bert_web_bg.wasm", "bert_web.js"]) {
  const bytes = readFileSync(resolve(out, f));
  console.log(`${f}: ${(statSync(resolve(out, f)).size / 1e6).toFixed(2)} MB, ${(gzipSync(bytes, { level: 9 }).length / 1e6).toFixed(2)} MB gzipped`);
}
