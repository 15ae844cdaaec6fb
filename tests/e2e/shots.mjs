// Screenshots of both panels with real models, as a user sees them (not a test):
//   node tests/e2e/shots.mjs OUT_DIR CLASSIFY_MODEL ASK_MODEL
// The models are names in models/index.json (what `train` writes). CPU backend. Prints each
// answer; every question is shot, right or wrong, so the pictures are not a chosen few.
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../../web/serve.mjs";
import { launch, openPage } from "./browser.mjs";
import { chooseModel, submit } from "./panel.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const [out = "/tmp/shots", clf = "sst2", qa = "squad"] = process.argv.slice(2);
mkdirSync(out, { recursive: true });

// Passages outside SQuAD, so that no SQuAD-trained model has seen them: the marathon, the
// earnings report and the photosynthesis lines were written for these shots; the Eiffel Tower
// one follows Wikipedia's lead, an article SQuAD v1.1/v2.0 does not have (its titles checked).
const EIFFEL = "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. It is named after the engineer Gustave Eiffel, whose company designed and built the tower from 1887 to 1889 as the entrance arch to the 1889 World's Fair. It was the tallest man-made structure in the world until the Chrysler Building in New York City was finished in 1930.";
const MARATHON = "The Riverside Marathon was first run in 1998. It was founded by Maria Kowalski, a nurse who wanted to raise money for the city's children's hospital. About 12,000 runners now take part every May, and the course follows the river for most of its 42 kilometres before finishing in Jefferson Park.";
const FACTORY = "The company reported revenue of 4.2 billion dollars for the third quarter, up 12 percent from a year earlier. Its chief executive, Daniel Okafor, said the growth came mostly from sales of electric buses, and announced that a new factory would open in Monterrey, Mexico, in 2027.";
const LEAVES = "Photosynthesis is the process by which green plants use sunlight to turn carbon dioxide and water into glucose and oxygen. It takes place mainly in the chloroplasts of leaf cells, which contain the green pigment chlorophyll.";
const asks = [
  [EIFFEL, "Which building took the title of tallest structure in 1930?"],
  [EIFFEL, "Who designed the Eiffel Tower?"],
  [MARATHON, "Who founded the Riverside Marathon?"],
  [MARATHON, "Where does the marathon finish?"],
  [FACTORY, "Where will the new factory open?"],
  [FACTORY, "How much revenue did the company report?"],
  [LEAVES, "Which pigment do the chloroplasts contain?"],
];

const server = await serve({ root, port: 0 });
const browser = await launch("cpu");
const page = await openPage(browser, `http://127.0.0.1:${server.address().port}`, { backend: "cpu" });
await page.setViewportSize({ width: 1200, height: 1000 });

const shots = [["classify", clf, { text: "a gripping, beautifully acted film that never lets go", "text-pair": "" }, "classify"]];
asks.forEach(([context, question], i) => shots.push(["ask", qa, { context, question }, `ask-${i + 1}`]));
const answers = [];
for (const [panel, model, fields, name] of shots) {
  const loaded = await chooseModel(page, panel, model);
  if (loaded.error) throw new Error(`${model}: ${loaded.error}`);
  const { result, error } = await submit(page, panel, fields);
  console.log(name, model, error ?? JSON.stringify(result));
  answers.push({ name, model, ...fields, result, error });
  await (await page.$(`#${panel}-panel`)).screenshot({ path: `${out}/${name}.png` });
}
writeFileSync(`${out}/answers.json`, JSON.stringify(answers, null, 2));
await browser.close();
server.close();
