// Headless Chromium (Debian's) through playwright-core, on the CPU or on WebGPU through
// SwiftShader (see DEVELOPERS.md for the flags).

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const COMMON = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"];
// WebGPU in a headless browser without a GPU: Dawn on Vulkan on SwiftShader.
export const WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-webgpu-adapter=swiftshader", "--enable-unsafe-swiftshader"];

export async function launch(backend) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: backend === "webgpu" ? [...COMMON, ...WEBGPU_FLAGS] : COMMON,
  });
}

// Opens the page and waits until its worker runs; returns the page.
export async function openPage(browser, base, query) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("console", (m) => process.env.E2E_VERBOSE && console.log(`  [browser] ${m.text()}`));
  page.on("pageerror", (e) => console.log(`  [page error] ${e.message}`));
  await page.goto(`${base}/?${new URLSearchParams(query)}`);
  await page.evaluate(() => window.bert.ready);
  return page;
}
