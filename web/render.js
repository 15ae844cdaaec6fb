// Turns results into DOM: probability bars, a regression value, a highlighted answer.

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function raw(result) {
  const details = el("details");
  details.append(el("summary", "", "JSON (as predict prints it)"), el("pre", "raw", JSON.stringify(result)));
  return details;
}

function meta(ms, backend, extra = "") {
  const took = ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
  return el("p", "meta", `${extra}computed in ${took} on ${backend}`);
}

// One classification result: bars sorted by probability, or the regression value.
export function renderClassification(root, result, ms, backend) {
  root.replaceChildren();
  if ("value" in result) {
    root.append(el("p", "", "Predicted value"), el("p", "value", result.value.toFixed(4)));
  } else {
    const bars = el("div", "bars");
    const entries = Object.entries(result.scores).sort((a, b) => b[1] - a[1]);
    for (const [label, p] of entries) {
      const name = el("span", label === result.label ? "name best" : "name", label);
      const track = el("div", "track");
      const fill = el("div", "fill");
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      track.append(fill);
      track.setAttribute("role", "meter");
      track.setAttribute("aria-valuenow", p.toFixed(4));
      track.setAttribute("aria-label", label);
      bars.append(name, track, el("span", "pct", `${(p * 100).toFixed(1)}%`));
    }
    root.append(bars);
  }
  root.append(meta(ms, backend), raw(result));
  root.hidden = false;
}

// An answer: the span highlighted in the passage (offsets count Unicode characters), its score.
export function renderAnswer(root, result, context, ms, backend) {
  root.replaceChildren();
  const line = el("p", "answer-line");
  const passage = el("div", "passage");
  if (result.answer === "") {
    line.append("No answer: the model finds none in the passage ");
    line.append(el("span", "meta", `(confidence ${(result.score * 100).toFixed(1)}%)`));
    passage.textContent = context;
  } else {
    line.append("Answer: ", el("strong", "", result.answer), " ");
    line.append(el("span", "meta", `(score ${(result.score * 100).toFixed(1)}%)`));
    const chars = Array.from(context);
    const mark = el("mark", "", chars.slice(result.start, result.end).join(""));
    passage.append(chars.slice(0, result.start).join(""), mark, chars.slice(result.end).join(""));
  }
  const windows = result.windows > 1 ? `read in ${result.windows} windows, ` : "";
  root.append(line, passage, meta(ms, backend, windows), raw(result));
  root.hidden = false;
  passage.querySelector("mark")?.scrollIntoView({ block: "nearest" });
}
