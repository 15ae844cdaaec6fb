// Screenshots of both panels with real models, as a user sees them (not a test):
//   node tests/e2e/shots.mjs OUT_DIR CLASSIFY_MODEL ASK_MODEL
// The models are names in models/index.json (what `train` writes). CPU backend.
import { mkdirSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../../web/serve.mjs";
import { launch, openPage } from "./browser.mjs";
import { chooseModel, submit } from "./panel.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const [out = "/tmp/shots", clf = "sst2", qa = "squad"] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const server = await serve({ root, port: 0 });
const browser = await launch("cpu");
const page = await openPage(browser, `http://127.0.0.1:${server.address().port}`, { backend: "cpu" });
await page.setViewportSize({ width: 1200, height: 1000 });

const shots = [
  ["classify", clf, { text: "a gripping, beautifully acted film that never lets go", "text-pair": "" }],
  ["ask", qa, {
    context: "The Amazon rainforest covers much of the Amazon basin of South America. This basin encompasses seven million square kilometres, of which five and a half million square kilometres are covered by the rainforest. The region includes territory belonging to nine nations. The majority of the forest is contained within Brazil, with 60% of the rainforest, followed by Peru with 13%, and Colombia with 10%.",
    question: "Which country contains the majority of the forest?",
  }],
];
for (const [panel, model, fields] of shots) {
  const loaded = await chooseModel(page, panel, model);
  if (loaded.error) throw new Error(`${model}: ${loaded.error}`);
  const { result, error } = await submit(page, panel, fields);
  console.log(panel, model, error ?? JSON.stringify(result));
  await (await page.$(`#${panel}-panel`)).screenshot({ path: `${out}/${panel}.png` });
}
await browser.close();
server.close();
