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
  // Not a SQuAD passage: a model trained on a split of SQuAD dev must not have seen it.
  ["ask", qa, {
    context: "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. It is named after the engineer Gustave Eiffel, whose company designed and built the tower from 1887 to 1889 as the entrance arch to the 1889 World's Fair. It was the tallest man-made structure in the world until the Chrysler Building in New York City was finished in 1930.",
    question: "Which building took the title of tallest structure in 1930?",
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
