// Driving the page as a user does: choose a model in a panel, type, press the button, read
// what the panel shows (the raw JSON under the result, or the error box).

const STATUS = (panel) => `.model-picker[data-panel=${panel}] .status`;

// Loads a model of the index by name in a panel; resolves to the status line.
export async function chooseModel(page, panel, name) {
  const select = `.model-picker[data-panel=${panel}] select`;
  const value = await page.$eval(select, (s, name) => [...s.options].find((o) => o.value.endsWith(`/${name}`))?.value, name);
  if (!value) throw new Error(`model ${name} is not in the ${panel} list`);
  const current = await page.$eval(select, (s) => s.value);
  const status = await page.$eval(STATUS(panel), (e) => e.textContent);
  if (current === value && status.startsWith(`${name}:`)) return { status };
  return settle(page, panel, () => page.selectOption(select, value));
}

// Loads a model folder by URL in a panel; resolves to the status line (or the error).
export async function loadUrl(page, panel, url) {
  await page.fill(`.model-picker[data-panel=${panel}] input[type=url]`, url);
  return settle(page, panel, () => page.click(`.model-picker[data-panel=${panel}] button:has-text("Load URL")`));
}

async function settle(page, panel, action) {
  const before = await page.$eval(STATUS(panel), (e) => e.textContent);
  await action();
  await page.waitForFunction(
    ([sel, err, before]) => {
      const s = document.querySelector(sel).textContent;
      return (!s.startsWith("loading") && !s.startsWith("downloading") && s !== before) || !document.querySelector(err).hidden;
    },
    [STATUS(panel), `#${panel}-error`, before],
    { timeout: 120000 },
  );
  const error = await page.$eval(`#${panel}-error`, (e) => (e.hidden ? null : e.textContent));
  if (error) return { error };
  return { status: await page.$eval(STATUS(panel), (e) => e.textContent) };
}

// Submits a panel's form; resolves to {result} (the JSON shown) or {error}.
export async function submit(page, panel, fields) {
  for (const [id, value] of Object.entries(fields)) {
    await page.$eval(`#${id}`, (e, v) => (e.value = v), value);
  }
  await page.$eval(`#${panel}-result`, (e) => (e.hidden = true));
  await page.click(`#${panel}-btn`);
  await page.waitForFunction(
    (panel) => !document.querySelector(`#${panel}-result`).hidden || !document.querySelector(`#${panel}-error`).hidden,
    panel,
    { timeout: 300000 },
  );
  const error = await page.$eval(`#${panel}-error`, (e) => (e.hidden ? null : e.textContent));
  if (error) return { error };
  return { result: JSON.parse(await page.$eval(`#${panel}-result .raw`, (e) => e.textContent)) };
}
